/**
 * The metadata store on Cloud Firestore through the official client. The same code talks to
 * production and to Google's emulator: only `emulatorHost` differs (plain-text connection with the
 * emulator's owner credentials, no Google auth).
 */
import { Firestore, type Query as FirestoreQuery } from '@google-cloud/firestore';
import { StoreUnavailableError, isNetworkError, withDeadline } from './errors.ts';
import { assertFieldName, assertId } from './query.ts';
import type { DocumentData, DocumentStore, Query, StoredDocument } from './types.ts';

export interface FirestoreDocumentStoreOptions {
  readonly projectId: string;
  /** @default '(default)' */
  readonly databaseId?: string;
  /** `host:port` of an emulator; unset in production. @default undefined */
  readonly emulatorHost?: string;
  /** Longest a single call may take before it counts as unavailable. @default 5000 */
  readonly timeoutMs?: number;
}

/** gRPC status codes that mean "try again later": DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE, UNKNOWN. */
const TRANSIENT = new Set([2, 4, 8, 10, 13, 14]);
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

function codeOf(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

function classify(error: unknown, what: string): never {
  if (error instanceof StoreUnavailableError) throw error;
  const code = codeOf(error);
  if ((typeof code === 'number' && TRANSIENT.has(code)) || isNetworkError(error)) {
    throw new StoreUnavailableError(
      'firestore',
      'unavailable',
      `${what}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  throw error;
}

export class FirestoreDocumentStore implements DocumentStore {
  readonly adapter = 'firestore';
  readonly client: Firestore;
  private readonly timeoutMs: number;
  private closed = false;
  /** Client calls not settled yet (including ones our deadline gave up on). */
  private pending = 0;

  constructor(options: FirestoreDocumentStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.client = new Firestore({
      projectId: options.projectId,
      databaseId: options.databaseId ?? '(default)',
      // gRPC (the client's default). The REST transport measured no faster to load or lighter
      // here, and against an emulator it needs a separate no-auth client to avoid Google auth.
      ...(options.emulatorHost ? { host: options.emulatorHost, ssl: false } : {}),
      // gRPC backs off reconnects up to 120 s by default: after a short Firestore blip the
      // backend would stay unhealthy for minutes. Probing again every few seconds is cheap.
      'grpc.max_reconnect_backoff_ms': 3000,
    });
  }

  /** Runs one client call under our deadline, mapping transient failures to StoreUnavailableError. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('firestore', 'unavailable', 'client closed');
    const operation = fn();
    this.pending++;
    operation.then(
      () => this.pending--,
      () => this.pending--,
    );
    try {
      return await withDeadline(operation, this.timeoutMs, 'firestore', what);
    } catch (error) {
      return classify(error, what);
    }
  }

  private doc(collection: string, id: string) {
    assertId('collection', collection);
    assertId('document id', id);
    return this.client.collection(collection).doc(id);
  }

  async ping(): Promise<void> {
    // A point read of a document that need not exist: the cheapest round trip that proves the
    // database answers and our credentials work.
    await this.call('ping', () => this.client.collection('_health').doc('ping').get());
  }

  async get(collection: string, id: string): Promise<StoredDocument | undefined> {
    const ref = this.doc(collection, id);
    const snap = await this.call('get', () => ref.get());
    return snap.exists ? { id, data: snap.data() as DocumentData } : undefined;
  }

  async create(collection: string, id: string, data: DocumentData): Promise<boolean> {
    Object.keys(data).forEach(assertFieldName);
    const ref = this.doc(collection, id);
    try {
      await this.call('create', () => ref.create(data));
      return true;
    } catch (error) {
      if (codeOf(error) === ALREADY_EXISTS) return false;
      throw error;
    }
  }

  async update(
    collection: string,
    id: string,
    patch: DocumentData,
  ): Promise<StoredDocument | undefined> {
    Object.keys(patch).forEach(assertFieldName);
    const ref = this.doc(collection, id);
    try {
      // `update` has an implicit "exists" precondition: it never creates a document.
      await this.call('update', () => ref.update(patch));
    } catch (error) {
      if (codeOf(error) === NOT_FOUND) return undefined;
      throw error;
    }
    return this.get(collection, id);
  }

  async delete(collection: string, id: string): Promise<void> {
    const ref = this.doc(collection, id);
    await this.call('delete', () => ref.delete());
  }

  async query(collection: string, query: Query): Promise<StoredDocument[]> {
    assertId('collection', collection);
    let q: FirestoreQuery = this.client.collection(collection);
    for (const f of query.where ?? []) {
      assertFieldName(f.field);
      q = q.where(f.field, f.op, f.value);
    }
    assertFieldName(query.orderBy.field);
    q = q.orderBy(query.orderBy.field, query.orderBy.direction).limit(query.limit);
    const snap = await this.call('query', () => q.get());
    return snap.docs.map((d) => ({ id: d.id, data: d.data() }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // With calls still retrying against an unreachable Firestore, `terminate()` waits for them
    // and then the client rejects their internal retries with nobody listening (an unhandled
    // rejection). The process is about to exit then; its channels go with it.
    if (this.pending > 0) return;
    await withDeadline(this.client.terminate(), 2000, 'firestore', 'terminate').catch(() => {});
  }
}
