/**
 * Real outages, not injected ones (chaos tier): the backend runs on its own Firestore emulator and
 * fake-gcs-server, which this test stops and restarts. The official clients' real failures must
 * become 503 + Retry-After, health must follow, nothing may be orphaned, and the backend must
 * recover without a restart.
 */
import test from 'ava';
import {
  startFakeGcs,
  startFirestoreEmulator,
  type RunningEmulator,
} from '../../helpers/emulators.ts';
import { freePort, waitFor } from '../../helpers/net.ts';
import { FirestoreDocumentStore, GcsBlobStore } from '../../../server/storage/index.ts';
import { startTestBackend } from './harness.ts';

process.env['METADATA_SERVER_DETECTION'] = 'none';
delete process.env['FIRESTORE_EMULATOR_HOST'];
delete process.env['STORAGE_EMULATOR_HOST'];

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

test('Firestore and Cloud Storage outages: 503 with Retry-After, health follows, recovery without restart', async (t) => {
  t.timeout(5 * 60_000); // two emulator restarts on a loaded 2-core machine
  const firestorePort = await freePort();
  const gcsPort = await freePort();
  let firestore: RunningEmulator = await startFirestoreEmulator(firestorePort);
  let gcs: RunningEmulator = await startFakeGcs(gcsPort);
  t.teardown(async () => {
    await Promise.all([firestore.stop(), gcs.stop()]);
  });
  const stores = {
    documents: new FirestoreDocumentStore({
      projectId: 'outage',
      emulatorHost: firestore.host,
      timeoutMs: 3000,
    }),
    blobs: new GcsBlobStore({
      projectId: 'outage',
      bucketName: 'outage',
      emulatorHost: gcs.host,
      createBucket: true,
      timeoutMs: 3000,
    }),
  };
  const api = await startTestBackend(stores);
  t.teardown(() => api.stop());
  const started = Date.now();
  const healthIs = async (status: number, what: string) => {
    await waitFor(async () => (await api.json('/api/health')).status === status, 60_000, what, 250);
    t.log(`${what}: after ${Date.now() - started} ms`);
  };

  await healthIs(200, 'healthy at start');
  t.is((await api.create({ title: 'before', content: 'before the outage' })).status, 201);

  // Firestore goes away.
  await firestore.stop();
  await healthIs(503, 'health to notice Firestore is down');
  const health = await api.json('/api/health');
  t.like(health.body, {
    status: 'unhealthy',
    checks: { firestore: { status: 'error' }, storage: { status: 'ok' } },
  });
  for (const res of [
    await api.create({ title: 'during', content: 'during the Firestore outage' }),
    await api.json('/api/knowledge'),
    await api.json('/api/dashboard/stats'),
  ]) {
    t.is(res.status, 503);
    t.is(res.headers.get('retry-after'), '2');
    t.is(res.body.error.code, 'unavailable');
    t.is(res.body.error.details.dependency, 'firestore');
  }
  // Nothing orphaned: the content written before the metadata failed was removed again.
  t.is((await stores.blobs.list('knowledge/')).length, 1);

  // Firestore comes back (empty: the emulator keeps data in memory); no backend restart.
  firestore = await startFirestoreEmulator(firestorePort);
  t.log(`Firestore emulator back: after ${Date.now() - started} ms`);
  await healthIs(200, 'health to recover');
  t.is((await api.create({ title: 'after', content: 'after the Firestore outage' })).status, 201);

  // Cloud Storage goes away.
  await gcs.stop();
  await healthIs(503, 'health to notice Cloud Storage is down');
  const res = await api.create({ title: 'no storage', content: 'during the storage outage' });
  t.is(res.status, 503);
  t.is(res.body.error.details.dependency, 'storage');
  const titles = (await api.json('/api/knowledge')).body.items.map(
    (d: { title: string }) => d.title,
  );
  t.deepEqual(titles, ['after'], 'no metadata was written without its content');

  gcs = await startFakeGcs(gcsPort);
  await healthIs(200, 'health to recover from the storage outage');
  t.is((await api.create({ title: 'again', content: 'storage is back' })).status, 201);
  t.deepEqual(unhandled, []);
});
