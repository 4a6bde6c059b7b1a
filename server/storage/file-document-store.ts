/**
 * The embedded metadata store of `npm start`: one JSON file per document under
 * `<dataDir>/documents/<collection>/<id>.json`, written atomically, loaded into memory when the
 * store opens and queried with Firestore's semantics (./query.ts). Data survives restarts; one
 * backend process owns the directory at a time (the supervisor runs exactly one).
 *
 * Writes are serialised through one queue, so create-if-absent and read-modify-write updates are
 * exact without locks, and memory changes only after the file is on disk.
 */
import { mkdir, readdir, readFile, access, unlink, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_SUFFIX, writeFileAtomic } from './atomic-file.ts';
import { StoreUnavailableError } from './errors.ts';
import { assertFieldName, assertId, runQuery } from './query.ts';
import type { DocumentData, DocumentStore, Query, StoredDocument } from './types.ts';

export interface FileDocumentStoreOptions {
  /** Root directory; documents live in `<dir>/documents`. */
  readonly dataDir: string;
}

const JSON_SUFFIX = '.json';

/** Disk errors that mean "cannot store right now" (503), not "bug". */
function unavailable(error: unknown, what: string): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string')
    throw new StoreUnavailableError('firestore', 'unavailable', `${what}: ${code}`, {
      cause: error,
    });
  throw error;
}

export class FileDocumentStore implements DocumentStore {
  readonly adapter = 'embedded';
  private readonly root: string;
  private readonly collections = new Map<string, Map<string, DocumentData>>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(options: FileDocumentStoreOptions) {
    this.root = join(options.dataDir, 'documents');
  }

  /** Opens (creating if needed) the store and loads every document. */
  static async open(options: FileDocumentStoreOptions): Promise<FileDocumentStore> {
    const store = new FileDocumentStore(options);
    await mkdir(store.root, { recursive: true });
    for (const entry of await readdir(store.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const docs = new Map<string, DocumentData>();
      const dir = join(store.root, entry.name);
      for (const file of await readdir(dir)) {
        if (file.endsWith(TEMP_SUFFIX)) {
          // Left by a crash mid-write: the old version (if any) is still in place.
          await unlink(join(dir, file)).catch(() => {});
          continue;
        }
        if (!file.endsWith(JSON_SUFFIX)) continue;
        const data = JSON.parse(await readFile(join(dir, file), 'utf8')) as DocumentData;
        docs.set(file.slice(0, -JSON_SUFFIX.length), data);
      }
      store.collections.set(entry.name, docs);
    }
    return store;
  }

  private collection(name: string): Map<string, DocumentData> {
    if (this.closed) throw new StoreUnavailableError('firestore', 'unavailable', 'store closed');
    assertId('collection', name);
    let docs = this.collections.get(name);
    if (!docs) this.collections.set(name, (docs = new Map<string, DocumentData>()));
    return docs;
  }

  private file(collection: string, id: string): string {
    return join(this.root, collection, `${id}${JSON_SUFFIX}`);
  }

  /** Runs `task` after every earlier write has finished. */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(new StoreUnavailableError('firestore', 'unavailable', 'store closed'));
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('firestore', 'unavailable', 'store closed');
    try {
      await access(this.root, constants.R_OK | constants.W_OK);
    } catch (error) {
      unavailable(error, 'data directory');
    }
  }

  async get(collection: string, id: string): Promise<StoredDocument | undefined> {
    assertId('document id', id);
    const data = this.collection(collection).get(id);
    return data === undefined ? undefined : { id, data: structuredClone(data) };
  }

  async create(collection: string, id: string, data: DocumentData): Promise<boolean> {
    assertId('document id', id);
    Object.keys(data).forEach(assertFieldName);
    const docs = this.collection(collection);
    return this.serial(async () => {
      if (docs.has(id)) return false;
      const copy = structuredClone(data);
      await writeFileAtomic(this.file(collection, id), JSON.stringify(copy)).catch((e: unknown) =>
        unavailable(e, 'write document'),
      );
      docs.set(id, copy);
      return true;
    });
  }

  async update(
    collection: string,
    id: string,
    patch: DocumentData,
  ): Promise<StoredDocument | undefined> {
    assertId('document id', id);
    Object.keys(patch).forEach(assertFieldName);
    const docs = this.collection(collection);
    return this.serial(async () => {
      const current = docs.get(id);
      if (current === undefined) return undefined;
      const next = { ...current, ...structuredClone(patch) };
      await writeFileAtomic(this.file(collection, id), JSON.stringify(next)).catch((e: unknown) =>
        unavailable(e, 'write document'),
      );
      docs.set(id, next);
      return { id, data: structuredClone(next) };
    });
  }

  async delete(collection: string, id: string): Promise<void> {
    assertId('document id', id);
    const docs = this.collection(collection);
    return this.serial(async () => {
      try {
        await unlink(this.file(collection, id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          unavailable(error, 'delete document');
      }
      docs.delete(id);
    });
  }

  async query(collection: string, query: Query): Promise<StoredDocument[]> {
    const docs = this.collection(collection);
    const all = [...docs].map(([id, data]) => ({ id, data }));
    return runQuery(all, query).map((d) => ({ id: d.id, data: structuredClone(d.data) }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued writes land before reporting closed.
    await this.queue;
    this.closed = true;
  }
}
