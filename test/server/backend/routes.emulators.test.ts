/**
 * The backend's HTTP behaviour on Google's Firestore emulator and fake-gcs-server through the
 * official clients: every test gets its own project id and bucket.
 */
import test from 'ava';
import { SLOW_MACHINE_MS, warmFirestoreClient } from '../../helpers/firestore-warm.ts';
import { randomBytes } from 'node:crypto';
import { emulatorsFromEnvOrStart, type Emulators } from '../../helpers/emulators.ts';
import { FirestoreDocumentStore, GcsBlobStore } from '../../../server/storage/index.ts';
import { backendRouteSuite } from './routes-suite.ts';

process.env['METADATA_SERVER_DETECTION'] = 'none';

let emulators: Emulators | undefined;
let starting: Promise<Emulators> | undefined;
const ready = () =>
  (starting ??= emulatorsFromEnvOrStart().then((e) => {
    // The adapters are pointed by their options only, as the backend points them from config.
    delete process.env['FIRESTORE_EMULATOR_HOST'];
    delete process.env['STORAGE_EMULATOR_HOST'];
    return (emulators = e);
  }));
test.before('warm the Firestore client up', async () => {
  await warmFirestoreClient((await ready()).firestoreHost);
});
test.after.always(async () => {
  await emulators?.stop();
});

backendRouteSuite(
  'firestore+gcs',
  async () => {
    const { firestoreHost, storageHost } = await ready();
    const unique = randomBytes(6).toString('hex');
    return {
      documents: new FirestoreDocumentStore({
        projectId: `backend-${unique}`,
        emulatorHost: firestoreHost,
      }),
      blobs: new GcsBlobStore({
        projectId: `backend-${unique}`,
        bucketName: `backend-${unique}`,
        emulatorHost: storageHost,
        createBucket: true,
        timeoutMs: SLOW_MACHINE_MS,
      }),
    };
  },
  { propertyRuns: 16, healthTimeoutMs: SLOW_MACHINE_MS },
);
