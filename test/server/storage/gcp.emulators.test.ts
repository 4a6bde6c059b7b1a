/**
 * The storage contract against Google's Firestore emulator and fake-gcs-server through the
 * official clients: the same adapters production runs. Every test gets its own Firestore project
 * id and its own bucket, so tests (and concurrent runs) never see each other's data.
 */
import test from 'ava';
import { SLOW_MACHINE_MS, warmFirestoreClient } from '../../helpers/firestore-warm.ts';
import { randomBytes } from 'node:crypto';
import { freePort } from '../../helpers/net.ts';
import { emulatorsFromEnvOrStart, type Emulators } from '../../helpers/emulators.ts';
import {
  FirestoreDocumentStore,
  GcsBlobStore,
  StoreUnavailableError,
} from '../../../server/storage/index.ts';
import { blobStoreContract, documentStoreContract } from './contract.ts';

process.env['METADATA_SERVER_DETECTION'] = 'none';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));
test.after('no unhandled rejection, even from clients closed during an outage', (t) => {
  t.deepEqual(unhandled, []);
});

let emulators: Emulators | undefined;
let starting: Promise<Emulators> | undefined;
const ready = () =>
  (starting ??= emulatorsFromEnvOrStart().then((e) => {
    // From here on the adapters are pointed only by their options, as the backend points them
    // from its config (the Firestore client would otherwise prefer the variable over `host`).
    delete process.env['FIRESTORE_EMULATOR_HOST'];
    delete process.env['STORAGE_EMULATOR_HOST'];
    return (emulators = e);
  }));
test.after.always(async () => {
  await emulators?.stop();
});

test.before('warm the Firestore client up', async () => {
  await warmFirestoreClient((await ready()).firestoreHost);
});

const unique = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

const factory = {
  documents: async () =>
    new FirestoreDocumentStore({
      projectId: unique('contract'),
      emulatorHost: (await ready()).firestoreHost,
      timeoutMs: SLOW_MACHINE_MS,
    }),
  blobs: async () =>
    new GcsBlobStore({
      projectId: 'contract',
      bucketName: unique('contract'),
      emulatorHost: (await ready()).storageHost,
      createBucket: true,
      timeoutMs: SLOW_MACHINE_MS,
    }),
  propertyRuns: 25,
};
documentStoreContract('firestore', factory);
blobStoreContract('gcs', factory);

test('firestore: nothing listening is StoreUnavailableError within the deadline', async (t) => {
  await ready();
  const store = new FirestoreDocumentStore({
    projectId: 'p',
    emulatorHost: `127.0.0.1:${await freePort()}`,
    timeoutMs: 1500,
  });
  t.teardown(() => store.close());
  const error = await t.throwsAsync(store.ping(), { instanceOf: StoreUnavailableError });
  t.is(error?.dependency, 'firestore');
  await t.throwsAsync(store.get('c', 'x'), { instanceOf: StoreUnavailableError });
  // Closing while the client still retries in the background must neither hang nor leave a
  // rejection nobody handles (the client's own terminate() would do both).
  await store.close();
  await t.throwsAsync(store.get('c', 'x'), { instanceOf: StoreUnavailableError });
});

test('gcs: nothing listening is StoreUnavailableError within the deadline', async (t) => {
  await ready();
  const store = new GcsBlobStore({
    projectId: 'p',
    bucketName: 'b',
    emulatorHost: `http://127.0.0.1:${await freePort()}`,
    timeoutMs: 1500,
  });
  t.teardown(() => store.close());
  const error = await t.throwsAsync(store.ping(), { instanceOf: StoreUnavailableError });
  t.is(error?.dependency, 'storage');
  await t.throwsAsync(store.putIfAbsent('a/b', Buffer.from('x')), {
    instanceOf: StoreUnavailableError,
  });
});
