/**
 * The runner with real child processes (test/server/supervisor/fixtures/child.mjs), real process
 * groups, signals, timers and HTTP readiness probes. Deadlines are generous polls, never sleeps.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from '../../helpers/net.ts';
import { events, fixture, isDead, startRunner, tempDir } from './helpers.ts';

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone, as it should be
  }
}

test('the frontend starts only once the backend answers its readiness probe', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const [backendPort, frontendPort] = [await freePort(), await freePort()];
  const run = startRunner([
    fixture('backend', dir, {
      FIXTURE_PORT: String(backendPort),
      FIXTURE_READY_DELAY_MS: '300',
      FIXTURE_DRAIN_MS: '0',
    }),
    fixture(
      'frontend',
      dir,
      {
        FIXTURE_PORT: String(frontendPort),
        FIXTURE_REQUIRE_URL: `http://127.0.0.1:${backendPort}/api/health`,
        FIXTURE_DRAIN_MS: '0',
      },
      { dependsOn: ['backend'] },
    ),
  ]);
  await waitFor(async () => run.messages().includes('all processes are ready'), 30_000, 'ready');
  const readyMs = Date.now() - run.started;
  const log = events(dir);
  t.true(log.some((e) => e.name === 'frontend' && e.what === 'dependency answered 200'));
  const backendListening = log.find((e) => e.name === 'backend' && e.what === 'listening')!;
  const frontendStart = log.find((e) => e.name === 'frontend' && e.what.startsWith('start'))!;
  t.true(frontendStart.at >= backendListening.at, 'frontend spawned after backend listened');
  run.runner.signal('SIGTERM');
  t.is(await run.done, 0);
  t.log(`time to ready with a 300 ms backend: ${readyMs} ms`);
});

test('a process that crashes at start is restarted with growing delays until it runs', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const port = await freePort();
  const run = startRunner([
    fixture('backend', dir, {
      FIXTURE_PORT: String(port),
      FIXTURE_CRASH_STARTS: '3',
      FIXTURE_DRAIN_MS: '0',
    }),
  ]);
  await waitFor(async () => run.messages().includes('all processes are ready'), 30_000, 'ready');
  const restarts = run.own().filter((l) => typeof l['restartInMs'] === 'number');
  t.is(restarts.length, 3);
  // Delays double per failed start (with up to 20% jitter off): ~100, ~200, ~400 ms.
  const delays = restarts.map((l) => l['restartInMs'] as number);
  t.true(delays[0]! >= 80 && delays[0]! <= 100, delays.join());
  t.true(delays[1]! >= 160 && delays[1]! <= 200, delays.join());
  t.true(delays[2]! >= 320 && delays[2]! <= 400, delays.join());
  // The uncaught error reached the log as ONE entry with its whole stack.
  const crash = run.entries
    .map((e) => JSON.parse(e))
    .find((e) => String(e.message).includes('crashed at start 1'));
  t.truthy(crash);
  t.is(crash.severity, 'ERROR');
  t.is(crash.component, 'backend');
  t.regex(crash.message, /\n\s+at /);
  run.runner.signal('SIGTERM');
  t.is(await run.done, 0);
});

test('a crash loop makes it give up: one clear line, the others stopped gracefully, exit 1', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const run = startRunner(
    [
      fixture('steady', dir, { FIXTURE_DRAIN_MS: '100' }),
      fixture('crasher', dir, {
        FIXTURE_CRASH_STARTS: '1000',
        FIXTURE_PORT: String(await freePort()),
      }),
    ],
    { restartInitialMs: 10, restartMaxMs: 50 },
  );
  t.is(await run.done, 1);
  const errors = run.own().filter((l) => l['severity'] === 'ERROR');
  t.is(errors.length, 1, JSON.stringify(errors));
  t.regex(
    String(errors[0]!['message']),
    /^giving up: crasher failed to start 5 times within 60 s \(last: exited with code 1 before ready\)$/,
  );
  const log = events(dir);
  t.true(
    log.some((e) => e.name === 'steady' && e.what === 'drained'),
    'steady was drained',
  );
  t.is(readFileSync(join(dir, 'crasher.starts'), 'utf8'), '5');
});

test('a crash after ready restarts only that process; its dependent keeps running', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const [backendPort, frontendPort] = [await freePort(), await freePort()];
  const run = startRunner([
    fixture('backend', dir, { FIXTURE_PORT: String(backendPort), FIXTURE_DRAIN_MS: '0' }),
    fixture(
      'frontend',
      dir,
      { FIXTURE_PORT: String(frontendPort), FIXTURE_DRAIN_MS: '0' },
      { dependsOn: ['backend'] },
    ),
  ]);
  await waitFor(async () => run.messages().includes('all processes are ready'), 30_000, 'ready');
  const before = run.runner.pids();
  const killedAt = Date.now();
  process.kill(before['backend']!, 'SIGKILL');
  await waitFor(
    async () => {
      const pid = run.runner.pids()['backend'];
      if (pid === undefined || pid === before['backend']) return false;
      const res = await fetch(`http://127.0.0.1:${backendPort}/api/health`);
      return res.status === 200;
    },
    30_000,
    'backend back',
  );
  const recoverMs = Date.now() - killedAt;
  t.is(run.runner.pids()['frontend'], before['frontend'], 'frontend was not restarted');
  const exitLine = run.messages().find((m) => m === 'backend was killed by SIGKILL');
  t.truthy(exitLine);
  run.runner.signal('SIGTERM');
  t.is(await run.done, 0);
  t.log(`backend SIGKILLed -> healthy again: ${recoverMs} ms`);
});

test('a process that never becomes ready is killed at the deadline and counts as a failed start', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const port = await freePort();
  const run = startRunner(
    [fixture('backend', dir, {}, { readiness: { url: `http://127.0.0.1:${port}/api/health` } })],
    { readyTimeoutMs: 400, maxFailedStarts: 2, restartInitialMs: 10 },
  );
  t.is(await run.done, 1);
  const messages = run.messages();
  t.true(messages.includes('backend was not ready within 400 ms: killing its process group'));
  t.true(
    messages.includes(
      'giving up: backend failed to start 2 times within 60 s (last: was not ready within 400 ms)',
    ),
    messages.join('\n'),
  );
});

test('stop: the frontend drains first, then the backend; exit 0 inside the budget', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const [backendPort, frontendPort] = [await freePort(), await freePort()];
  const run = startRunner([
    fixture('backend', dir, { FIXTURE_PORT: String(backendPort), FIXTURE_DRAIN_MS: '200' }),
    fixture(
      'frontend',
      dir,
      { FIXTURE_PORT: String(frontendPort), FIXTURE_DRAIN_MS: '500' },
      { dependsOn: ['backend'] },
    ),
  ]);
  await waitFor(async () => run.messages().includes('all processes are ready'), 30_000, 'ready');
  const signalled = Date.now();
  run.runner.signal('SIGTERM');
  t.is(await run.done, 0);
  const stopMs = Date.now() - signalled;
  const log = events(dir);
  const frontendDrained = log.find((e) => e.name === 'frontend' && e.what === 'drained')!;
  const backendDraining = log.find((e) => e.name === 'backend' && e.what === 'draining')!;
  t.true(backendDraining.at >= frontendDrained.at, 'backend got SIGTERM after the frontend exited');
  t.true(stopMs < 9_000);
  t.log(`stop with a 500 ms frontend drain and a 200 ms backend drain: ${stopMs} ms`);
});

test('a child that ignores SIGTERM is SIGKILLed when the budget runs out; exit 1', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const run = startRunner([fixture('stubborn', dir, { FIXTURE_IGNORE_SIGTERM: '1' })], {
    stopTimeoutMs: 500,
  });
  await waitFor(async () => run.messages().includes('all processes are ready'), 30_000, 'ready');
  const pid = run.runner.pids()['stubborn']!;
  await waitFor(async () => events(dir).some((e) => e.what === 'running'), 30_000, 'running');
  run.runner.signal('SIGTERM');
  t.is(await run.done, 1);
  t.true(events(dir).some((e) => e.what === 'ignored SIGTERM'));
  t.true(run.messages().includes('stop budget of 500 ms ran out: killing stubborn'));
  t.true(run.messages().includes('stubborn was killed by SIGKILL'));
  t.true(isDead(pid));
});

test('a second signal kills at once', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const run = startRunner([fixture('stubborn', dir, { FIXTURE_IGNORE_SIGTERM: '1' })]);
  await waitFor(async () => run.messages().includes('all processes are ready'), 30_000, 'ready');
  await waitFor(async () => events(dir).some((e) => e.what === 'running'), 30_000, 'running');
  run.runner.signal('SIGTERM');
  await waitFor(async () => events(dir).some((e) => e.what === 'ignored SIGTERM'), 30_000, 'TERM');
  run.runner.signal('SIGINT');
  t.is(await run.done, 1);
  t.true(run.messages().includes('received SIGINT again: killing everything now'));
  t.false(
    run.messages().some((m) => m.startsWith('stop budget')),
    'did not wait for the budget',
  );
});

test('an orphaned grandchild that ignores SIGTERM does not outlive the stop', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const run = startRunner([
    fixture('parent', dir, { FIXTURE_GRANDCHILD: '1', FIXTURE_DRAIN_MS: '0' }),
  ]);
  await waitFor(async () => events(dir).some((e) => e.what === 'running'), 30_000, 'running');
  await waitFor(
    async () => {
      try {
        return readFileSync(join(dir, 'grandchild-1.pid'), 'utf8') !== '';
      } catch {
        return false;
      }
    },
    30_000,
    'grandchild',
  );
  const grandchild = Number(readFileSync(join(dir, 'grandchild-1.pid'), 'utf8'));
  t.teardown(() => killQuietly(grandchild));
  t.false(isDead(grandchild));
  run.runner.signal('SIGTERM');
  t.is(await run.done, 0, 'the leader stopped cleanly');
  t.true(run.messages().includes('parent left processes behind in its group: killed them'));
  await waitFor(async () => isDead(grandchild), 10_000, 'grandchild gone');
  t.pass();
});

test('a crashed process leaves no grandchild behind before it is restarted', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const run = startRunner([
    fixture('parent', dir, {
      FIXTURE_GRANDCHILD: '1',
      FIXTURE_EXIT_AFTER_MS: '100',
      FIXTURE_DRAIN_MS: '0',
    }),
  ]);
  await waitFor(async () => run.messages().includes('parent exited with code 1'), 30_000, 'crash');
  const first = Number(readFileSync(join(dir, 'grandchild-1.pid'), 'utf8'));
  t.teardown(() => killQuietly(first));
  await waitFor(async () => isDead(first), 10_000, 'first grandchild gone');
  t.true(run.messages().includes('parent left processes behind in its group: killed them'));
  run.runner.signal('SIGTERM');
  await run.done;
});

test('child output: partial, CRLF, huge and stack-trace lines become valid entries under 256 KiB', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const run = startRunner([fixture('noisy', dir, { FIXTURE_LOGS: '1', FIXTURE_DRAIN_MS: '0' })]);
  // Wait until the supervisor has the output: the fixture's writes to a pipe are asynchronous.
  await waitFor(
    async () =>
      run.entries.some((e) => e.includes('stderr line that states its level')) &&
      run.entries.some((e) => e.includes('a plain warning')),
    30_000,
    'logs',
  );
  run.runner.signal('SIGTERM');
  t.is(await run.done, 0);
  t.true(run.entries.length >= 8);
  for (const entry of run.entries) {
    t.true(Buffer.byteLength(entry) < 256 * 1024, `entry of ${Buffer.byteLength(entry)} bytes`);
    t.notThrows(() => JSON.parse(entry));
  }
  // The JSON line written in two pieces with CRLF passes through byte for byte.
  t.true(run.entries.includes('{"severity":"WARNING","message":"in pieces","n":1}'));
  const parsed = run.entries.map((e) => JSON.parse(e));
  const bySubstring = (s: string) => parsed.find((e) => String(e.message).includes(s));
  t.is(bySubstring('plain stdout line').severity, 'INFO');
  t.is(bySubstring('plain stdout line').component, 'noisy');
  t.is(bySubstring('a plain warning').severity, 'WARNING');
  t.is(bySubstring('stderr line that states').severity, 'INFO');
  t.is(bySubstring('no newline at the end').severity, 'INFO');
  const huge = bySubstring('xxxxxxxxxxxxxxxx');
  t.true(huge.truncatedBytes > 100 * 1024);
  const hugeJson = parsed.find(
    (e) => e.severity === 'ERROR' && e.truncatedBytes > 0 && String(e.message).startsWith('{'),
  );
  t.truthy(hugeJson, 'oversized JSON line wrapped, keeping its severity');
  const stack = bySubstring('boom in the fixture');
  t.is(stack.severity, 'ERROR');
  t.is(stack.stream, 'stderr');
  t.regex(stack.message, /^Error: boom in the fixture\n\s+at /);
});

test('a command that cannot be spawned counts as a failed start', async (t) => {
  const run = startRunner([{ name: 'ghost', command: '/nonexistent/ghost-binary' }], {
    maxFailedStarts: 2,
    restartInitialMs: 10,
  });
  t.is(await run.done, 1);
  t.true(run.messages().includes('ghost could not be spawned (ENOENT)'));
  t.true(
    run
      .messages()
      .includes(
        'giving up: ghost failed to start 2 times within 60 s (last: could not be spawned (ENOENT))',
      ),
    run.messages().join('\n'),
  );
});
