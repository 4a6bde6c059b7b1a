/**
 * The backend SIGKILLed ten times under steady load, through the real supervisor (real backend
 * and frontend processes, embedded storage): every answer the load sees is a 2xx or a 503 JSON
 * error with Retry-After, nothing hangs, the service is back after every kill without the
 * frontend being restarted, and the data on disk is consistent afterwards.
 */
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDocumentStore, FsBlobStore } from '../../server/storage/index.ts';
import { KnowledgeService } from '../../server/backend/knowledge/service.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { waitFor } from '../helpers/net.ts';
import { captureLines } from '../helpers/log-capture.ts';
import { judge, send, startLoad, tally } from './load.ts';
import { startSupervised } from './service.ts';
import { checkStores } from './consistency.ts';

const KILLS = 10;
/** Client-side bound: far above the proxy's 900 ms connect timeout and any healthy answer. */
const HANG_MS = 30_000;

test('backend SIGKILLed 10 times under load: only 2xx or 503 + Retry-After, recovers every time', async (t) => {
  t.timeout(10 * 60_000); // deadline for a loaded machine, not an expectation
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-chaos-kill-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const service = await startSupervised({
    env: {
      DATA_BACKEND: 'embedded',
      DATA_DIR: dataDir,
      // A kill of a backend that has been ready this long is a crash, not a failed start, so ten
      // kills in a row never look like a crash loop (the default is 10 s: too slow for CI).
      SUPERVISOR_STABLE_AFTER_MS: '1000',
    },
  });
  t.teardown(() => service.stop(5_000).then(() => undefined));

  const load = startLoad({ baseUrl: service.url, workers: 3, deadlineMs: HANG_MS });
  const recoveries: number[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    const pid = service.backendPid();
    if (pid === undefined) throw new Error('no ready backend to kill');
    // Ready and stable (see SUPERVISOR_STABLE_AFTER_MS), with some load having reached it.
    await new Promise((r) => setTimeout(r, 1_500));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => {
        const next = service.backendPid();
        if (next === undefined || next === pid) return false;
        const res = await send(`${service.url}/api/health`, {}, 5_000);
        return res.status === 200;
      },
      90_000,
      `the service to recover from kill ${kill}`,
      50,
    );
    recoveries.push(Date.now() - killedAt);
  }
  // Some load after the last recovery too.
  await new Promise((r) => setTimeout(r, 1_000));
  const outcomes = await load.stop();

  const problems = outcomes.map((o) => judge(o)).filter((p) => p !== undefined);
  t.deepEqual(problems, [], 'every answer was a 2xx or a well-formed 503');
  const unavailable = outcomes.filter((o) => o.status === 503).length;
  t.true(unavailable > 0, 'the load did see the outages');
  // While the backend is down the 503s come back at once, so they outnumber the successes;
  // what matters is that work got done between the kills.
  t.true(load.created.length >= KILLS, `${load.created.length} documents created under the chaos`);
  t.true(Math.max(...outcomes.map((o) => o.ms)) < HANG_MS);

  const messages = service.messages();
  t.is(messages.filter((m) => m === 'starting frontend').length, 1, 'the frontend never restarted');
  t.is(messages.filter((m) => m === 'starting backend').length, KILLS + 1);
  t.is(messages.filter((m) => m === 'backend was killed by SIGKILL').length, KILLS);
  t.false(messages.some((m) => m.startsWith('giving up')));

  const { code } = await service.stop();
  t.is(code, 0, 'SIGTERM after the chaos still stops cleanly');

  // On disk: every document's content exists and matches its hash. A kill between the content
  // and the metadata write can leave content without metadata: the orphan sweep removes exactly
  // that and nothing a document names.
  const [documents, blobs] = await Promise.all([
    FileDocumentStore.open({ dataDir }),
    FsBlobStore.open({ dataDir }),
  ]);
  const stores = { documents, blobs };
  const before = await checkStores(stores);
  t.deepEqual(before.problems, [], 'every document has its content, with the recorded hash');
  const sweeper = new KnowledgeService({
    stores,
    logger: createLogger({ component: 'backend', destination: captureLines() }),
  });
  const removed = await sweeper.sweepOrphans(0);
  t.deepEqual(removed.sort(), before.orphans.sort(), 'the sweep removes exactly the orphans');
  const after = await checkStores(stores);
  t.deepEqual([...after.problems, ...after.orphans], []);
  t.deepEqual(
    load.created.filter((id) => !after.ids.has(id)),
    [],
    'every acknowledged create is stored',
  );
  await Promise.all([documents.close(), blobs.close()]);

  const sorted = [...recoveries].sort((a, b) => a - b);
  t.log(
    `${outcomes.length} requests, ${unavailable} answered 503; recovery after SIGKILL: median ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms; orphans swept: ${before.orphans.length}`,
  );
  t.log(JSON.stringify(tally(outcomes)));
});
