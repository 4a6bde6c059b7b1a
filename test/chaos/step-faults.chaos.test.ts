/**
 * A fault at every storage step of create, update and delete, on the embedded adapters and on
 * the real Google clients against the emulators: for each operation the steps are counted in a
 * clean run, then the operation is repeated with step N failing (before it reaches the store, or
 * after it took effect with the answer lost), for every N. After each fault:
 * - the API answered a success or a 503 with Retry-After, never a 500;
 * - no document points at missing or different content, at once;
 * - a client retrying the 503 as told ends with the intended state (created once, patched,
 *   deleted), and after the orphan sweep no content is left without metadata.
 * The complement of test/server/backend/faults.test.ts, which switches whole operations off.
 */
import test, { type ExecutionContext } from 'ava';
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
import { failNthCall, type Mode, type NthCall } from './nth-call.ts';

process.env['METADATA_SERVER_DETECTION'] = 'none';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const dirs: string[] = [];
let emulators: Emulators | undefined;
test.after.always(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await emulators?.stop();
});

type Setup = 'embedded' | 'emulators';
type Op = 'create' | 'update' | 'delete';

async function freshStores(setup: Setup): Promise<Stores> {
  if (setup === 'embedded') {
    const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-steps-'));
    dirs.push(dataDir);
    const [documents, blobs] = await Promise.all([
      FileDocumentStore.open({ dataDir }),
      FsBlobStore.open({ dataDir }),
    ]);
    return { documents, blobs };
  }
  emulators ??= await emulatorsFromEnvOrStart();
  // A project and a bucket of its own per case: the emulators keep everything in memory.
  const name = `steps-${randomUUID().slice(0, 8)}`;
  return {
    documents: new FirestoreDocumentStore({
      projectId: name,
      emulatorHost: emulators.firestoreHost,
      timeoutMs: 20_000,
    }),
    blobs: new GcsBlobStore({
      projectId: name,
      bucketName: name,
      emulatorHost: emulators.storageHost,
      createBucket: true,
      timeoutMs: 20_000,
    }),
  };
}

const CONTENT = '# Step faults\n\nEvery step of every write fails once.\n';

interface Case {
  readonly api: TestBackend;
  readonly nth: NthCall;
  /** Id of the document the operation works on (created before it for update and delete). */
  id: string | undefined;
}

async function prepare(setup: Setup, op: Op): Promise<Case> {
  const { stores, nth } = failNthCall(await freshStores(setup));
  const api = await startTestBackend(stores);
  let id: string | undefined;
  if (op !== 'create') {
    const res = await api.create({ title: 'before', tags: ['x'], content: CONTENT });
    if (res.status !== 201) throw new Error(`setup create: ${res.status}`);
    id = res.body.id as string;
  }
  return { api, nth, id };
}

async function perform(c: Case, op: Op): Promise<{ status: number; headers: Headers; body: any }> {
  if (op === 'create') {
    const res = await c.api.create({ title: 'created', tags: ['x'], content: CONTENT });
    if (res.status === 201) c.id = res.body.id as string;
    if (res.status === 409) c.id = res.body.error?.details?.existingId as string;
    return res;
  }
  if (op === 'update')
    return c.api.json(`/api/knowledge/${c.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'patched' }),
    });
  return c.api.json(`/api/knowledge/${c.id}`, { method: 'DELETE' });
}

const SUCCESS: Record<Op, number[]> = { create: [201, 409], update: [200], delete: [204] };

/** Everything wrong with one case, as sentences (empty when it held). */
async function runCase(setup: Setup, op: Op, n: number, mode: Mode): Promise<string[]> {
  const c = await prepare(setup, op);
  const wrong: string[] = [];
  try {
    c.nth.arm(n, mode);
    const first = await perform(c, op);
    c.nth.disarm();
    const where = `${first.status} after ${c.nth.failed ?? 'no fault'}`;
    if (first.status === 503) {
      if (!/^\d+$/.test(first.headers.get('retry-after') ?? ''))
        wrong.push(`503 without Retry-After`);
    } else if (!SUCCESS[op].filter((s) => s !== 409).includes(first.status))
      wrong.push(`answered ${where}: ${JSON.stringify(first.body)}`);

    const now = await checkStores(c.api.stores);
    wrong.push(...now.problems.map((p) => `right after the fault (${where}): ${p}`));
    if (first.status !== 503 && now.orphans.length > 0)
      wrong.push(`orphaned content after a ${first.status}: ${now.orphans.join(', ')}`);

    // The client retries a 503 as told (a bounded number of times).
    let last = first;
    for (let attempt = 0; attempt < 3 && last.status === 503; attempt++)
      last = await perform(c, op);
    if (!SUCCESS[op].includes(last.status))
      wrong.push(`retrying ended with ${last.status}: ${JSON.stringify(last.body)}`);

    await c.api.app.backend.service.sweepOrphans(0);
    const end = await checkStores(c.api.stores);
    wrong.push(...end.problems.map((p) => `after retry and sweep: ${p}`));
    if (end.orphans.length > 0)
      wrong.push(`content without metadata after the sweep: ${end.orphans.join(', ')}`);
    if (op === 'delete') {
      if (end.documents !== 0) wrong.push('the deleted document is still listed');
      if ((await c.api.json(`/api/knowledge/${c.id}`)).status !== 404)
        wrong.push('the deleted document is still readable');
    } else {
      if (end.documents !== 1) wrong.push(`${end.documents} documents instead of 1`);
      const got = await c.api.json(`/api/knowledge/${c.id}`);
      if (got.status !== 200) wrong.push(`GET after retry: ${got.status}`);
      else if (op === 'update' && got.body.title !== 'patched') wrong.push('the patch was lost');
      const content = await c.api.fetch(`/api/knowledge/${c.id}/content`);
      const text = await content.text();
      if (content.status !== 200 || text !== CONTENT)
        wrong.push(`content after retry: ${content.status} ${text.slice(0, 100)}`);
    }
    const internal = c.api
      .logs()
      .filter(
        (l) =>
          l['severity'] === 'ERROR' &&
          (l as { httpRequest?: { status?: number } }).httpRequest?.status === 500,
      );
    if (internal.length > 0) wrong.push(`${internal.length} requests answered 500`);
  } finally {
    await c.api.stop();
  }
  return wrong;
}

/** Storage calls one clean run of the operation makes. */
async function stepsOf(setup: Setup, op: Op): Promise<string[]> {
  const c = await prepare(setup, op);
  try {
    const from = c.nth.log.length;
    const res = await perform(c, op);
    if (!SUCCESS[op].includes(res.status)) throw new Error(`clean ${op}: ${res.status}`);
    return c.nth.log.slice(from);
  } finally {
    await c.api.stop();
  }
}

const results = new Map<Setup, Promise<Map<string, string[]>>>();
function matrix(setup: Setup, log: (line: string) => void): Promise<Map<string, string[]>> {
  let result = results.get(setup);
  if (!result) {
    result = (async () => {
      const out = new Map<string, string[]>();
      for (const op of ['create', 'update', 'delete'] as const) {
        const steps = await stepsOf(setup, op);
        log(`${op}: ${steps.length} storage steps (${steps.join(', ')})`);
        for (let n = 1; n <= steps.length; n++)
          for (const mode of ['before', 'after'] as const)
            out.set(`${op} ${steps[n - 1]} ${mode}`, await runCase(setup, op, n, mode));
      }
      return out;
    })();
    results.set(setup, result);
  }
  return result;
}

function report(t: ExecutionContext, cases: Map<string, string[]>) {
  t.log(`${cases.size} fault cases: ${[...cases.keys()].join('; ')}`);
  return Object.fromEntries([...cases].filter(([, wrong]) => wrong.length > 0));
}

for (const setup of ['embedded', 'emulators'] as const) {
  test.serial(
    `${setup}: a fault at any step of create, update or delete leaves the store consistent`,
    async (t) => {
      t.timeout(10 * 60_000);
      const cases = await matrix(setup, (line) => t.log(line));
      t.deepEqual(report(t, cases), {});
      t.deepEqual(unhandled, []);
    },
  );
}

// Helps readers of a failure: the wrapper itself is exercised on its own terms.
test('the Nth-call wrapper fails exactly one call, in the mode asked', async (t) => {
  const { stores, nth } = failNthCall(await freshStores('embedded'));
  nth.arm(2, 'after');
  t.deepEqual(
    await stores.documents.query('c', { orderBy: { field: 'k', direction: 'asc' }, limit: 1 }),
    [],
  );
  await t.throwsAsync(stores.documents.create('c', 'abc', { k: 'v' }), { message: /injected/ });
  t.is((await stores.documents.get('c', 'abc'))?.data['k'], 'v', 'the write took effect');
  t.is(nth.failed, 'documents.create (after)');
  nth.arm(1, 'before');
  await t.throwsAsync(stores.documents.delete('c', 'abc'));
  t.truthy(await stores.documents.get('c', 'abc'), 'a "before" fault writes nothing');
  await Promise.all([stores.documents.close(), stores.blobs.close()]);
});
