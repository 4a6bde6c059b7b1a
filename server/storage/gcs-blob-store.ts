/**
 * The content store on Cloud Storage through the official client. The same code talks to
 * production and to fake-gcs-server: only `emulatorHost` differs (no auth on a custom endpoint).
 */
import { Storage, type Bucket } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import { StoreUnavailableError, isNetworkError, withDeadline } from './errors.ts';
import { assertObjectPath } from './fs-blob-store.ts';
import type { BlobInfo, BlobStore, PutOptions } from './types.ts';

export interface GcsBlobStoreOptions {
  readonly projectId: string;
  readonly bucketName: string;
  /** Base URL of an emulator (`http://127.0.0.1:4443`); unset in production. @default undefined */
  readonly emulatorHost?: string;
  /**
   * Create the bucket when it is missing. Only for emulators: in production the bucket is
   * infrastructure, and the service account has no right to create buckets.
   * @default false
   */
  readonly createBucket?: boolean;
  /** Longest a single call may take before it counts as unavailable. @default 10000 */
  readonly timeoutMs?: number;
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

function classify(error: unknown, what: string): never {
  if (error instanceof StoreUnavailableError) throw error;
  const status = statusOf(error);
  if (
    (status !== undefined && (status >= 500 || status === 429 || status === 408)) ||
    isNetworkError(error)
  ) {
    throw new StoreUnavailableError(
      'storage',
      'unavailable',
      `${what}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  throw error;
}

export class GcsBlobStore implements BlobStore {
  readonly adapter = 'gcs';
  readonly client: Storage;
  readonly bucket: Bucket;
  private readonly timeoutMs: number;
  private readonly createBucket: boolean;
  private bucketReady: Promise<void> | undefined;
  private closed = false;

  constructor(options: GcsBlobStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.createBucket = options.createBucket ?? false;
    this.client = new Storage({
      projectId: options.projectId,
      ...(options.emulatorHost ? { apiEndpoint: options.emulatorHost } : {}),
      // Few, quick retries: the request has a deadline, and the caller gets a 503 to retry.
      retryOptions: {
        maxRetries: 2,
        maxRetryDelay: 1,
        totalTimeout: Math.ceil(this.timeoutMs / 1000),
      },
    });
    if (options.emulatorHost) {
      // A STORAGE_EMULATOR_HOST in the environment makes the client use it verbatim as the JSON
      // API base, without `/storage/v1` (which fake-gcs-server needs). The endpoint we were given
      // wins, with the path production uses.
      this.client.baseUrl = `${options.emulatorHost.replace(/\/+$/, '')}/storage/v1`;
    }
    this.bucket = this.client.bucket(options.bucketName);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('storage', 'unavailable', 'client closed');
    try {
      if (this.createBucket) await (this.bucketReady ??= this.ensureBucket());
      return await withDeadline(fn(), this.timeoutMs, 'storage', what);
    } catch (error) {
      // An emulator restarted with an empty memory loses its bucket: make it again next time.
      if (this.createBucket && statusOf(error) === 404) this.bucketReady = undefined;
      return classify(error, what);
    }
  }

  private async ensureBucket(): Promise<void> {
    try {
      const [exists] = await withDeadline(
        this.bucket.exists(),
        this.timeoutMs,
        'storage',
        'bucket',
      );
      if (!exists)
        await this.bucket.create().catch((e: unknown) => {
          if (statusOf(e) !== 409) throw e; // 409: created meanwhile by someone else
        });
    } catch (error) {
      this.bucketReady = undefined; // try again on the next call
      throw error;
    }
  }

  async ping(): Promise<void> {
    // Listing needs only storage.objects.list, which the service account has on its bucket
    // (bucket metadata would need storage.buckets.get, which it should not have).
    await this.call('ping', () =>
      this.bucket.getFiles({ maxResults: 1, autoPaginate: false, prefix: '_health/' }),
    );
  }

  async putIfAbsent(path: string, content: Uint8Array, options: PutOptions = {}): Promise<boolean> {
    assertObjectPath(path);
    try {
      await this.call('upload', () =>
        this.bucket
          .file(path)
          .save(Buffer.from(content.buffer, content.byteOffset, content.byteLength), {
            resumable: false,
            contentType: options.contentType ?? 'application/octet-stream',
            metadata: { metadata: { ...(options.metadata ?? {}) } },
            preconditionOpts: { ifGenerationMatch: 0 },
          }),
      );
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }

  async read(path: string): Promise<Readable | undefined> {
    assertObjectPath(path);
    const file = this.bucket.file(path);
    let generation: string | number | undefined;
    try {
      const [metadata] = await this.call('stat', () => file.getMetadata());
      generation = metadata.generation;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    // Pinned to the generation just seen, so a replaced object can never be spliced in; our
    // own SHA-256 check upstream replaces the client's CRC32C check.
    const pinned = generation === undefined ? file : this.bucket.file(path, { generation });
    return pinned.createReadStream({ validation: false });
  }

  async delete(path: string): Promise<void> {
    assertObjectPath(path);
    await this.call('delete', () => this.bucket.file(path).delete({ ignoreNotFound: true }));
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    const [files] = await this.call('list', () =>
      this.bucket.getFiles({ prefix, autoPaginate: true }),
    );
    return files.map((f) => ({
      path: f.name,
      size: Number(f.metadata.size ?? 0),
      updated: new Date(f.metadata.updated ?? f.metadata.timeCreated ?? 0),
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
