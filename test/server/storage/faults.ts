/**
 * Fault injection around any storage adapter (a wrapper, not a fake: every call that is let
 * through reaches the real adapter). Tests switch faults on per operation, e.g. "Firestore is
 * down", "the next metadata create fails", "content reads return other bytes".
 */
import { Readable } from 'node:stream';
import {
  StoreUnavailableError,
  type BlobStore,
  type DocumentStore,
  type Stores,
} from '../../../server/storage/index.ts';

export type DocumentOp = 'ping' | 'get' | 'create' | 'update' | 'delete' | 'query';
export type BlobOp = 'ping' | 'putIfAbsent' | 'read' | 'delete' | 'list';

export interface Faults {
  /** Operations that fail with StoreUnavailableError while listed. */
  readonly documentsDown: Set<DocumentOp>;
  readonly blobsDown: Set<BlobOp>;
  /** Operations that take effect, then fail as if their answer was lost (a timeout after commit). */
  readonly documentsLostAnswer: Set<DocumentOp>;
  /** When set, `read` streams these bytes instead of the stored ones (corruption). */
  corruptReads: Uint8Array | undefined;
  /** Calls seen per operation, for assertions about what was (not) attempted. */
  readonly calls: Map<string, number>;
  /** Everything up (the default). */
  heal(): void;
}

export function withFaults(stores: Stores): { stores: Stores; faults: Faults } {
  const faults: Faults = {
    documentsDown: new Set(),
    blobsDown: new Set(),
    documentsLostAnswer: new Set(),
    corruptReads: undefined,
    calls: new Map(),
    heal() {
      this.documentsDown.clear();
      this.blobsDown.clear();
      this.documentsLostAnswer.clear();
      this.corruptReads = undefined;
    },
  };
  const count = (key: string) => faults.calls.set(key, (faults.calls.get(key) ?? 0) + 1);
  const doc = async <T>(op: DocumentOp, run: () => Promise<T>): Promise<T> => {
    count(`documents.${op}`);
    if (faults.documentsDown.has(op))
      throw new StoreUnavailableError('firestore', 'unavailable', `injected: ${op}`);
    const result = await run();
    if (faults.documentsLostAnswer.has(op))
      throw new StoreUnavailableError('firestore', 'timeout', `injected lost answer: ${op}`);
    return result;
  };
  const blob = <T>(op: BlobOp, run: () => Promise<T>): Promise<T> => {
    count(`blobs.${op}`);
    if (faults.blobsDown.has(op))
      return Promise.reject(new StoreUnavailableError('storage', 'unavailable', `injected: ${op}`));
    return run();
  };
  const d = stores.documents;
  const b = stores.blobs;
  const documents: DocumentStore = {
    adapter: d.adapter,
    ping: () => doc('ping', () => d.ping()),
    get: (c, id) => doc('get', () => d.get(c, id)),
    create: (c, id, data) => doc('create', () => d.create(c, id, data)),
    update: (c, id, patch) => doc('update', () => d.update(c, id, patch)),
    delete: (c, id) => doc('delete', () => d.delete(c, id)),
    query: (c, q) => doc('query', () => d.query(c, q)),
    close: () => d.close(),
  };
  const blobs: BlobStore = {
    adapter: b.adapter,
    ping: () => blob('ping', () => b.ping()),
    putIfAbsent: (p, content, options) =>
      blob('putIfAbsent', () => b.putIfAbsent(p, content, options)),
    read: (p) =>
      blob('read', async () => {
        const stream = await b.read(p);
        if (!stream || !faults.corruptReads) return stream;
        stream.destroy();
        return Readable.from([Buffer.from(faults.corruptReads)]);
      }),
    delete: (p) => blob('delete', () => b.delete(p)),
    list: (prefix) => blob('list', () => b.list(prefix)),
    close: () => b.close(),
  };
  return { stores: { documents, blobs }, faults };
}
