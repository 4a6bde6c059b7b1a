/**
 * Fault injection by position: wraps a pair of real storage adapters and fails exactly the Nth
 * storage call (counted across both stores, health pings excluded) with the error a real outage
 * gives (StoreUnavailableError). Two modes, because real outages come in both:
 * - `before`: the call never reaches the store (connection refused);
 * - `after`: the call reaches the store and takes effect, then the answer is lost (a timeout
 *   after the write landed) - the ambiguous failure every distributed write must survive.
 * Every call let through reaches the real adapter.
 */
import {
  StoreUnavailableError,
  type BlobStore,
  type DocumentStore,
  type Stores,
} from '../../server/storage/index.ts';

export type Mode = 'before' | 'after';

export interface NthCall {
  /** Every counted call so far, e.g. `documents.create`, in order. */
  readonly log: string[];
  /** Fails call number `n` (1-based, counted from now) in `mode`. */
  arm(n: number, mode: Mode): void;
  disarm(): void;
  /** The call that was failed, if any. */
  readonly failed: string | undefined;
}

export function failNthCall(stores: Stores): { stores: Stores; nth: NthCall } {
  let target: { at: number; mode: Mode } | undefined;
  let failed: string | undefined;
  const log: string[] = [];
  const nth: NthCall = {
    log,
    arm(n, mode) {
      target = { at: log.length + n, mode };
      failed = undefined;
    },
    disarm() {
      target = undefined;
    },
    get failed() {
      return failed;
    },
  };
  const wrap = <T>(name: string, call: () => Promise<T>): Promise<T> => {
    log.push(name);
    if (target?.at !== log.length) return call();
    const { mode } = target;
    target = undefined;
    failed = `${name} (${mode})`;
    const dependency = name.startsWith('documents.') ? 'firestore' : 'storage';
    const error = new StoreUnavailableError(dependency, 'unavailable', `injected: ${failed}`);
    if (mode === 'before') return Promise.reject(error);
    return call().then(
      (value) => {
        // A stream opened before the answer was "lost" must not leak its handle.
        (value as { destroy?: () => void } | undefined)?.destroy?.();
        return Promise.reject(error);
      },
      () => Promise.reject(error),
    );
  };
  const d = stores.documents;
  const b = stores.blobs;
  const documents: DocumentStore = {
    adapter: d.adapter,
    ping: () => d.ping(),
    close: () => d.close(),
    get: (c, id) => wrap('documents.get', () => d.get(c, id)),
    create: (c, id, data) => wrap('documents.create', () => d.create(c, id, data)),
    update: (c, id, patch) => wrap('documents.update', () => d.update(c, id, patch)),
    delete: (c, id) => wrap('documents.delete', () => d.delete(c, id)),
    query: (c, q) => wrap('documents.query', () => d.query(c, q)),
  };
  const blobs: BlobStore = {
    adapter: b.adapter,
    ping: () => b.ping(),
    close: () => b.close(),
    putIfAbsent: (p, content, options) =>
      wrap('blobs.putIfAbsent', () => b.putIfAbsent(p, content, options)),
    read: (p) => wrap('blobs.read', () => b.read(p)),
    delete: (p) => wrap('blobs.delete', () => b.delete(p)),
    list: (prefix) => wrap('blobs.list', () => b.list(prefix)),
  };
  return { stores: { documents, blobs }, nth };
}
