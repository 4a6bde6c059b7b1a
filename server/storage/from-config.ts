/**
 * Chooses the adapters for a loaded config: Firestore + Cloud Storage (`gcp`, the only choice in
 * production, which config enforces) or the embedded file stores under DATA_DIR (`npm start`).
 */
import { resolve } from 'node:path';
import type { Config } from '../config/load.ts';
import { FileDocumentStore } from './file-document-store.ts';
import { FirestoreDocumentStore } from './firestore-document-store.ts';
import { FsBlobStore } from './fs-blob-store.ts';
import { GcsBlobStore } from './gcs-blob-store.ts';
import type { Stores } from './types.ts';

export async function storesFromConfig(config: Config): Promise<Stores> {
  if (config.dataBackend === 'embedded') {
    const dataDir = resolve(config.dataDir);
    const [documents, blobs] = await Promise.all([
      FileDocumentStore.open({ dataDir }),
      FsBlobStore.open({ dataDir }),
    ]);
    return { documents, blobs };
  }
  const documents = new FirestoreDocumentStore({
    projectId: config.projectId,
    databaseId: config.firestoreDatabaseId,
    ...(config.firestoreEmulatorHost ? { emulatorHost: config.firestoreEmulatorHost } : {}),
  });
  const blobs = new GcsBlobStore({
    projectId: config.projectId,
    bucketName: config.bucketName,
    ...(config.storageEmulatorHost
      ? { emulatorHost: config.storageEmulatorHost, createBucket: true }
      : {}),
  });
  return { documents, blobs };
}
