export type {
  BlobInfo,
  BlobStore,
  DocumentData,
  DocumentStore,
  FieldValue,
  Filter,
  HealthProbe,
  PutOptions,
  Query,
  StoredDocument,
  Stores,
} from './types.ts';
export {
  StoreUnavailableError,
  isStoreUnavailable,
  isNetworkError,
  withDeadline,
  type Dependency,
} from './errors.ts';
export { runQuery, matches, compareStrings, assertFieldName, assertId } from './query.ts';
export { FileDocumentStore, type FileDocumentStoreOptions } from './file-document-store.ts';
export { FsBlobStore, assertObjectPath, type FsBlobStoreOptions } from './fs-blob-store.ts';
export {
  FirestoreDocumentStore,
  type FirestoreDocumentStoreOptions,
} from './firestore-document-store.ts';
export { GcsBlobStore, type GcsBlobStoreOptions } from './gcs-blob-store.ts';
export { storesFromConfig } from './from-config.ts';
