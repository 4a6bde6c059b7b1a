/**
 * Chooses the adapters for a loaded config: Firestore + Cloud Storage (`gcp`, the only choice in
 * production, which config enforces) or the embedded file stores under DATA_DIR (`npm start`).
 *
 * Adapters are loaded on demand: the Google clients (gRPC, auth) cost start-up time and memory
 * that `npm start` on the embedded stores never needs.
 */
import { resolve } from 'node:path';
import type { Config } from '../config/load.ts';
import type { Stores } from './types.ts';

export async function storesFromConfig(config: Config): Promise<Stores> {
  if (config.dataBackend === 'embedded') {
    const dataDir = resolve(config.dataDir);
    const [{ FileDocumentStore }, { FsBlobStore }] = await Promise.all([
      import('./file-document-store.ts'),
      import('./fs-blob-store.ts'),
    ]);
    const [documents, blobs] = await Promise.all([
      FileDocumentStore.open({ dataDir }),
      FsBlobStore.open({ dataDir }),
    ]);
    return { documents, blobs };
  }
  const [{ FirestoreDocumentStore }, { GcsBlobStore }] = await Promise.all([
    import('./firestore-document-store.ts'),
    import('./gcs-blob-store.ts'),
  ]);
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
