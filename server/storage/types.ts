/**
 * The two storage seams of the backend: a `DocumentStore` for metadata (Firestore in production)
 * and a `BlobStore` for content (Cloud Storage in production). The backend only ever talks to
 * these interfaces, so tests and the reliability work can wrap any adapter (fault injection,
 * latency) without touching route code. Every adapter passes the same contract suite
 * (test/server/storage/contract.ts).
 */
import type { Readable } from 'node:stream';

/** A JSON value a document field may hold. Dates are stored as ISO 8601 strings. */
export type FieldValue =
  string | number | boolean | null | readonly FieldValue[] | { readonly [key: string]: FieldValue };

export type DocumentData = { readonly [field: string]: FieldValue };

/**
 * The query subset both Firestore and the embedded store answer identically. Deliberately small:
 * equality, array membership and one range bound on the ordered field (pagination by `where`,
 * which works everywhere, instead of Firestore cursors, which some emulators ignore).
 */
export type Filter =
  | { readonly field: string; readonly op: '=='; readonly value: string | number | boolean | null }
  | { readonly field: string; readonly op: 'array-contains'; readonly value: string }
  | { readonly field: string; readonly op: '<' | '>'; readonly value: string | number };

export interface Query {
  /** All must hold. @default [] */
  readonly where?: readonly Filter[];
  /** Field to order by; documents lacking it are left out (as Firestore does). */
  readonly orderBy: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** At most this many documents. */
  readonly limit: number;
}

export interface StoredDocument {
  readonly id: string;
  readonly data: DocumentData;
}

export interface HealthProbe {
  /** Which implementation answers: `firestore`, `gcs` or `embedded`. */
  readonly adapter: string;
  /** Resolves when the store answers a cheap read; rejects (StoreUnavailableError) when not. */
  ping(): Promise<void>;
  /** Releases clients, timers and file handles. Idempotent. */
  close(): Promise<void>;
}

export interface DocumentStore extends HealthProbe {
  get(collection: string, id: string): Promise<StoredDocument | undefined>;
  /** Creates the document; `false` (and no write) when the id already exists. */
  create(collection: string, id: string, data: DocumentData): Promise<boolean>;
  /**
   * Merges `patch` into an existing document (top-level fields replaced) and returns the result;
   * `undefined` when there is no such document (nothing is created).
   */
  update(collection: string, id: string, patch: DocumentData): Promise<StoredDocument | undefined>;
  /** Deletes the document; resolves whether or not it existed. */
  delete(collection: string, id: string): Promise<void>;
  query(collection: string, query: Query): Promise<StoredDocument[]>;
}

export interface BlobInfo {
  readonly path: string;
  readonly size: number;
  /** When the object was written. */
  readonly updated: Date;
}

export interface PutOptions {
  /** @default 'application/octet-stream' */
  readonly contentType?: string;
  /** Extra metadata stored with the object (Cloud Storage custom metadata). @default {} */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface BlobStore extends HealthProbe {
  /**
   * Writes the object only if nothing exists at `path` (a generation-0 precondition on Cloud
   * Storage); `false` and no write when something does. The write is atomic: readers see either
   * nothing or all the bytes.
   */
  putIfAbsent(path: string, content: Uint8Array, options?: PutOptions): Promise<boolean>;
  /** The object's bytes as a stream, or `undefined` when it does not exist. */
  read(path: string): Promise<Readable | undefined>;
  /** Deletes the object; resolves whether or not it existed. */
  delete(path: string): Promise<void>;
  /** Every object whose path starts with `prefix`, in no particular order. */
  list(prefix: string): Promise<BlobInfo[]>;
}

/** The pair the backend runs on. */
export interface Stores {
  readonly documents: DocumentStore;
  readonly blobs: BlobStore;
}
