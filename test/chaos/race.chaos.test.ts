/**
 * Concurrent PATCH and DELETE on one document (fast-check chooses how many patches, their
 * timing relative to the delete, and whether there is a delete at all), over real HTTP on the
 * embedded adapters and on the Firestore / fake-gcs emulators - there through two backend
 * instances sharing the stores, as two Cloud Run instances would. A deleted document never comes
 * back (no PATCH resurrects it, not even a partial record), a patched one is never corrupted
 * (content, hash, size and path unchanged; the title is one that was sent), and no content is
 * left without metadata.
 */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileDocumentStore,
  FirestoreDocumentStore,
  FsBlobStore,
  GcsBlobStore,
  type Stores,
} from '../../server/storage/index.ts';
import { emulatorsFromEnvOrStart, type Emulators } from '../helpers/emulators.ts';
import { startTestBackend, type TestBackend } from '../server/backend/harness.ts';
import { checkStores } from './consistency.ts';

process.env['METADATA_SERVER_DETECTION'] = 'none';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const dirs: string[] = [];
let emulators: Emulators | undefined;
test.after.always(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await emulators?.stop();
});
test.after('no unhandled rejection', (t) => t.deepEqual(unhandled, []));

type Setup = 'embedded' | 'emulators';

/** Two sets of adapters on the same data (two instances of the service). */
async function twoInstances(setup: Setup): Promise<[Stores, Stores]> {
  if (setup === 'embedded') {
    // The file store serialises writes inside one process: one instance, two HTTP callers.
    const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-race-'));
    dirs.push(dataDir);
    const [documents, blobs] = await Promise.all([
      FileDocumentStore.open({ dataDir }),
      FsBlobStore.open({ dataDir }),
    ]);
    const stores = { documents, blobs };
    return [stores, stores];
  }
  emulators ??= await emulatorsFromEnvOrStart();
  const name = `race-${randomUUID().slice(0, 8)}`;
  const make = (): Stores => ({
    documents: new FirestoreDocumentStore({
      projectId: name,
      emulatorHost: emulators!.firestoreHost,
      timeoutMs: 20_000,
    }),
    blobs: new GcsBlobStore({
      projectId: name,
      bucketName: name,
      emulatorHost: emulators!.storageHost,
      createBucket: true,
      timeoutMs: 20_000,
    }),
  });
  return [make(), make()];
}

const plan = fc.record({
  patches: fc.array(
    fc.record({
      delayMs: fc.integer({ min: 0, max: 40 }),
      title: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/),
      tags: fc.option(fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { maxLength: 3 }), {
        nil: undefined,
      }),
      instance: fc.constantFrom(0, 1),
    }),
    { minLength: 1, maxLength: 6 },
  ),
  delete: fc.option(
    fc.record({ delayMs: fc.integer({ min: 0, max: 40 }), instance: fc.constantFrom(0, 1) }),
    { nil: undefined, freq: 4 },
  ),
});

const later = <T>(ms: number, fn: () => Promise<T>) =>
  new Promise<T>((resolve, reject) => setTimeout(() => void fn().then(resolve, reject), ms));

for (const setup of ['embedded', 'emulators'] as const) {
  testProp(
    `${setup}: concurrent PATCH and DELETE never resurrect or corrupt a document`,
    [plan],
    async (t, p) => {
      const [a, b] = await twoInstances(setup);
      const apis: TestBackend[] = [await startTestBackend(a)];
      apis.push(b === a ? apis[0]! : await startTestBackend(b));
      try {
        const content = `# Race ${Math.random()}\n\nPatched and deleted at once.\n`;
        const created = await apis[0]!.create({ title: 'original', tags: ['race'], content });
        t.is(created.status, 201);
        const doc = created.body as Record<string, unknown> & { id: string };
        const path = `/api/knowledge/${doc.id}`;

        const patches = p.patches.map((patch) =>
          later(patch.delayMs, () =>
            apis[patch.instance]!.json(path, {
              method: 'PATCH',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({
                title: patch.title,
                ...(patch.tags === undefined ? {} : { tags: patch.tags }),
              }),
            }),
          ),
        );
        const deletion = p.delete
          ? later(p.delete.delayMs, () =>
              apis[p.delete!.instance]!.fetch(path, { method: 'DELETE' }),
            )
          : undefined;
        const results = await Promise.all(patches);
        const deleted = deletion ? (await deletion).status : undefined;

        const titles = new Set(['original', ...p.patches.map((x) => x.title.trim())]);
        for (const res of results) {
          const where = `${JSON.stringify(p)} -> ${res.status} ${JSON.stringify(res.body)}`;
          if (res.status === 404 && p.delete) continue;
          t.is(res.status, 200, where);
          // Whatever it answered is the same document, uncorrupted.
          for (const field of ['id', 'sha256', 'size', 'storagePath', 'fileName', 'createdAt'])
            t.deepEqual(res.body[field], doc[field], `${field}: ${where}`);
          t.true(titles.has(res.body.title as string), where);
        }

        const after = await apis[0]!.json(path);
        const check = await checkStores(a);
        t.deepEqual(check.problems, [], JSON.stringify(p));
        if (p.delete) {
          t.is(deleted, 204);
          t.is(
            after.status,
            404,
            `resurrected: ${JSON.stringify(p)} -> ${JSON.stringify(after.body)}`,
          );
          t.is(check.documents, 0, 'no record of it remains, not even a partial one');
          t.deepEqual(check.orphans, [], 'its content is gone too');
          // A patch arriving late never brings it back.
          const late = await apis[1]!.json(path, {
            method: 'PATCH',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ title: 'too late' }),
          });
          t.is(late.status, 404);
          t.is((await checkStores(a)).documents, 0);
        } else {
          t.is(after.status, 200);
          t.true(titles.has(after.body.title as string));
          for (const field of ['sha256', 'size', 'storagePath'])
            t.deepEqual(after.body[field], doc[field]);
          t.deepEqual(check.orphans, []);
          const body = await apis[1]!.fetch(`${path}/content`);
          t.is(await body.text(), content);
        }
      } finally {
        await Promise.all(apis.map((api) => api.stop()));
        if (b !== a) await Promise.all([b.documents.close(), b.blobs.close()]).catch(() => {});
      }
    },
    { numRuns: setup === 'embedded' ? 40 : 15 },
  );
}
