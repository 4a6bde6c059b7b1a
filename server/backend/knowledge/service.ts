/**
 * The knowledge library's operations over the two stores, with the write ordering that keeps
 * metadata and content consistent (docs/api.md, "Write order"):
 *
 * - create: content first (only if absent), then metadata. When the metadata write fails in a
 *   way that may still have taken effect, the content is never deleted on the spot (the sweep
 *   does it later if nothing refers to it). Metadata never points at missing content.
 * - delete: metadata first (the document vanishes from every list at once), then the content;
 *   a failure there is a 503 and a repeated DELETE finishes the job (objects are found by id).
 * - the orphan sweep removes content no metadata names (left when a cleanup itself failed).
 *
 * No HTTP here: routes translate. Errors: ApiError for client mistakes, StoreUnavailableError
 * from the stores passes through (503).
 */
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { Logger } from '../../logging/logger.ts';
import type { Filter, StoredDocument, Stores } from '../../storage/types.ts';
import { isStoreUnavailable } from '../../storage/errors.ts';
import { ApiError, notFound } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import {
  COLLECTION,
  CONTENT_PREFIX,
  fromStored,
  sortKeyOf,
  toStored,
  type KnowledgeDocument,
} from './model.ts';

export interface NewDocument {
  readonly title: string;
  readonly disease: string | null;
  readonly tags: readonly string[];
  readonly fileName: string;
  readonly contentType: string;
  readonly content: Uint8Array;
}

export interface DocumentPatch {
  readonly title?: string;
  readonly disease?: string | null;
  readonly tags?: readonly string[];
}

export interface ListOptions {
  readonly disease?: string;
  readonly tag?: string;
  readonly q?: string;
  readonly limit: number;
  /** A sortKey bound (see model.parseBefore). */
  readonly before?: string;
}

export interface ListPage {
  readonly items: KnowledgeDocument[];
  readonly nextBefore: string | null;
}

export interface Stats {
  readonly totalDocuments: number;
  readonly totalBytes: number;
  readonly withoutDisease: number;
  readonly byDisease: { disease: string; count: number }[];
  readonly byTag: { tag: string; count: number }[];
}

export interface KnowledgeServiceOptions {
  readonly stores: Stores;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Most documents one `q` search scans before handing back a cursor. @default 1000 */
  readonly searchScanLimit?: number;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Case-insensitive substring match over the fields `q` searches. */
export function matchesSearch(doc: KnowledgeDocument, q: string): boolean {
  const needle = q.toLocaleLowerCase('en-US');
  return [doc.title, doc.disease ?? '', doc.fileName, ...doc.tags].some((v) =>
    v.toLocaleLowerCase('en-US').includes(needle),
  );
}

/**
 * Passes the bytes through while hashing them, holding back the last chunk until the hash and
 * size are known: on a mismatch the stream errors before the final byte is sent, so a client
 * never receives a complete body that is wrong.
 */
export class VerifyingStream extends Transform {
  private readonly hash = createHash('sha256');
  private held: Buffer | undefined;
  private size = 0;

  constructor(
    private readonly expectedSha256: string,
    private readonly expectedSize: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    const previous = this.held;
    this.held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedSha256 || this.size !== this.expectedSize) {
      callback(
        Object.assign(
          new Error(`content integrity check failed: sha256 ${actual}, size ${this.size}`),
          {
            code: 'CONTENT_MISMATCH',
          },
        ),
      );
      return;
    }
    callback(null, this.held);
  }
}

const SCAN_PAGE = 200;

/** A stored record's ordering key (records always carry it; derive it if one ever does not). */
function keyOf(d: StoredDocument): string {
  const key = d.data['sortKey'];
  return typeof key === 'string' ? key : sortKeyOf(fromStored(d.id, d.data).createdAt, d.id);
}

export class KnowledgeService {
  private readonly stores: Stores;
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly searchScanLimit: number;
  private lastCreatedAt = '';

  constructor(options: KnowledgeServiceOptions) {
    this.stores = options.stores;
    this.logger = options.logger;
    this.now = options.now ?? (() => new Date());
    this.searchScanLimit = options.searchScanLimit ?? 1000;
  }

  /** An ISO timestamp never earlier than the previous one this process handed out. */
  private timestamp(): string {
    const now = this.now().toISOString();
    this.lastCreatedAt = now > this.lastCreatedAt ? now : this.lastCreatedAt;
    return this.lastCreatedAt;
  }

  async create(input: NewDocument): Promise<KnowledgeDocument> {
    const sha256 = sha256Hex(input.content);
    const duplicate = await this.stores.documents.query(COLLECTION, {
      where: [{ field: 'sha256', op: '==', value: sha256 }],
      orderBy: { field: 'sortKey', direction: 'desc' },
      limit: 1,
    });
    if (duplicate[0]) {
      throw new ApiError(
        409,
        'duplicate_content',
        'a document with identical content already exists',
        {
          existingId: duplicate[0].id,
        },
      );
    }

    // A fresh random id collides with probability ~2^-119; the loop is for correctness, not luck.
    for (let attempt = 0; attempt < 3; attempt++) {
      const id = newId();
      const storagePath = `${CONTENT_PREFIX}${id}/${input.fileName}`;
      const written = await this.stores.blobs.putIfAbsent(storagePath, input.content, {
        contentType: input.contentType,
        metadata: { sha256, documentId: id },
      });
      if (!written) continue;
      const createdAt = this.timestamp();
      const doc: KnowledgeDocument = {
        id,
        title: input.title,
        disease: input.disease,
        tags: [...input.tags],
        fileName: input.fileName,
        contentType: input.contentType,
        size: input.content.byteLength,
        sha256,
        storagePath,
        createdAt,
        updatedAt: createdAt,
      };
      let created: boolean;
      try {
        created = await this.stores.documents.create(COLLECTION, id, { ...toStored(doc) });
      } catch (error) {
        if (!isStoreUnavailable(error)) {
          // Refused before anything was sent (a bug): the content is certainly unreferenced.
          await this.discardContent(storagePath, 'metadata write failed');
          throw error;
        }
        // Ambiguous: the write may have landed with only its answer lost, or may still land (a
        // timed-out RPC is not a cancelled one). Deleting the content now could leave metadata
        // pointing at nothing, so: if the document is there, the create succeeded; if not, the
        // content stays for the orphan sweep, which deletes it only once it is older than the
        // grace period and still unreferenced.
        if (await this.exists(id)) return doc;
        this.logger.warn(
          { err: error, storagePath },
          'metadata write failed; its content is left for the orphan sweep',
        );
        throw error;
      }
      if (created) return doc;
      await this.discardContent(storagePath, 'document id already taken');
    }
    throw new ApiError(409, 'conflict', 'could not allocate a document id; retry');
  }

  /** Whether the document exists; `false` when that cannot be told right now. */
  private async exists(id: string): Promise<boolean> {
    try {
      return (await this.stores.documents.get(COLLECTION, id)) !== undefined;
    } catch {
      return false;
    }
  }

  /** Best-effort removal of content whose metadata was never written; the sweep is the backstop. */
  private async discardContent(path: string, why: string): Promise<void> {
    try {
      await this.stores.blobs.delete(path);
    } catch (error) {
      this.logger.warn(
        { err: error, storagePath: path },
        `could not remove content after ${why}; the orphan sweep will`,
      );
    }
  }

  async get(id: string): Promise<KnowledgeDocument> {
    if (!isId(id)) throw notFound('document');
    const stored = await this.stores.documents.get(COLLECTION, id);
    if (!stored) throw notFound('document');
    return fromStored(stored.id, stored.data);
  }

  /** The document and a stream of its verified content. */
  async content(id: string): Promise<{ doc: KnowledgeDocument; stream: Readable }> {
    const doc = await this.get(id);
    const source = await this.stores.blobs.read(doc.storagePath);
    if (!source) {
      // Metadata without content cannot come from our write order; report it loudly.
      this.logger.error(
        { documentId: id, storagePath: doc.storagePath },
        'document content is missing',
      );
      throw notFound('document content');
    }
    const verify = new VerifyingStream(doc.sha256, doc.size);
    source.on('error', (error) => verify.destroy(error));
    return { doc, stream: source.pipe(verify) };
  }

  async update(id: string, patch: DocumentPatch): Promise<KnowledgeDocument> {
    if (!isId(id)) throw notFound('document');
    const fields: Record<string, string | string[] | null> = { updatedAt: this.timestamp() };
    if (patch.title !== undefined) fields['title'] = patch.title;
    if (patch.disease !== undefined) fields['disease'] = patch.disease;
    if (patch.tags !== undefined) fields['tags'] = [...patch.tags];
    const updated = await this.stores.documents.update(COLLECTION, id, fields);
    if (!updated) throw notFound('document');
    return fromStored(updated.id, updated.data);
  }

  async remove(id: string): Promise<void> {
    if (!isId(id)) return;
    const stored = await this.stores.documents.get(COLLECTION, id);
    if (stored) {
      await this.stores.documents.delete(COLLECTION, id);
      const path = fromStored(id, stored.data).storagePath;
      if (path.startsWith(`${CONTENT_PREFIX}${id}/`)) {
        await this.stores.blobs.delete(path);
        return;
      }
    }
    // Gone already (or a record without a path): finish any earlier, interrupted delete.
    for (const blob of await this.stores.blobs.list(`${CONTENT_PREFIX}${id}/`)) {
      await this.stores.blobs.delete(blob.path);
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    const where: Filter[] = [];
    if (options.disease !== undefined)
      where.push({ field: 'disease', op: '==', value: options.disease });
    if (options.tag !== undefined)
      where.push({ field: 'tags', op: 'array-contains', value: options.tag });
    const page = (before: string | undefined, limit: number) =>
      this.stores.documents.query(COLLECTION, {
        where:
          before === undefined ? where : [...where, { field: 'sortKey', op: '<', value: before }],
        orderBy: { field: 'sortKey', direction: 'desc' },
        limit,
      });

    if (options.q === undefined || options.q === '') {
      // One more than asked tells whether another page exists.
      const docs = await page(options.before, options.limit + 1);
      const items = docs.slice(0, options.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((d) => fromStored(d.id, d.data)),
        nextBefore: docs.length > options.limit && last ? keyOf(last) : null,
      };
    }

    const items: KnowledgeDocument[] = [];
    let before = options.before;
    let scanned = 0;
    for (;;) {
      const size = Math.min(SCAN_PAGE, this.searchScanLimit - scanned);
      const batch = await page(before, size);
      for (const [index, d] of batch.entries()) {
        scanned++;
        before = keyOf(d);
        const doc = fromStored(d.id, d.data);
        if (!matchesSearch(doc, options.q)) continue;
        items.push(doc);
        if (items.length === options.limit) {
          const more = index < batch.length - 1 || batch.length === size;
          return { items, nextBefore: more ? before : null };
        }
      }
      if (batch.length < size) return { items, nextBefore: null };
      if (scanned >= this.searchScanLimit)
        return { items, nextBefore: batch.length > 0 ? (before ?? null) : null };
    }
  }

  async stats(): Promise<Stats> {
    const byDisease = new Map<string, number>();
    const byTag = new Map<string, number>();
    let totalDocuments = 0;
    let totalBytes = 0;
    let withoutDisease = 0;
    let before: string | undefined;
    for (;;) {
      const batch = await this.stores.documents.query(COLLECTION, {
        where: before === undefined ? [] : [{ field: 'sortKey', op: '<', value: before }],
        orderBy: { field: 'sortKey', direction: 'desc' },
        limit: 500,
      });
      for (const d of batch) {
        const doc = fromStored(d.id, d.data);
        totalDocuments++;
        totalBytes += doc.size;
        if (doc.disease === null) withoutDisease++;
        else byDisease.set(doc.disease, (byDisease.get(doc.disease) ?? 0) + 1);
        for (const tag of doc.tags) byTag.set(tag, (byTag.get(tag) ?? 0) + 1);
        before = keyOf(d);
      }
      if (batch.length < 500) break;
    }
    const ranked = (m: Map<string, number>) =>
      [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return {
      totalDocuments,
      totalBytes,
      withoutDisease,
      byDisease: ranked(byDisease).map(([disease, count]) => ({ disease, count })),
      byTag: ranked(byTag).map(([tag, count]) => ({ tag, count })),
    };
  }

  /**
   * Deletes content under `knowledge/` that no document names and that is older than
   * `graceMs` (younger objects may belong to a create still in flight). Only objects written
   * within `windowMs` are checked: orphans are born of recent failures, and checking every old
   * object would cost one Firestore read per document per sweep per instance. Pass `Infinity`
   * for a full sweep. Returns what it removed.
   */
  async sweepOrphans(graceMs = 10 * 60_000, windowMs = 25 * 3_600_000): Promise<string[]> {
    const now = this.now().getTime();
    const cutoff = now - graceMs;
    const oldest = now - windowMs;
    const byId = new Map<string, string[]>();
    for (const blob of await this.stores.blobs.list(CONTENT_PREFIX)) {
      const written = blob.updated.getTime();
      if (written > cutoff || written < oldest) continue;
      const id = blob.path.slice(CONTENT_PREFIX.length).split('/')[0] ?? '';
      byId.set(id, [...(byId.get(id) ?? []), blob.path]);
    }
    const removed: string[] = [];
    for (const [id, paths] of byId) {
      const stored = isId(id) ? await this.stores.documents.get(COLLECTION, id) : undefined;
      const keep = stored ? fromStored(id, stored.data).storagePath : undefined;
      for (const path of paths) {
        if (path === keep) continue;
        await this.stores.blobs.delete(path);
        removed.push(path);
      }
    }
    if (removed.length > 0)
      this.logger.info({ removed }, `orphan sweep removed ${removed.length} object(s)`);
    return removed;
  }
}
