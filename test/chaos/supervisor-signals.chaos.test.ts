/**
 * The supervisor entry point as a real process, with the supervisor tests' fixture children as
 * backend and frontend, hit by SIGTERM at random points of its life (fast-check chooses start-up
 * delays, crashes before ready, drain times, a child that ignores SIGTERM, and when the signal
 * comes: during start, the readiness wait, a restart backoff, or under load). It must always exit
 * within its budget (stop timeout + 2 x kill grace), with 0 when every child stopped on its own,
 * and leave no child process behind. A crash loop, whatever the policy, must end in exit 1 within
 * a bound computed from that policy.
 */
import { fc, testProp } from '@fast-check/ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort, waitFor } from '../helpers/net.ts';
import { events, fixture, isDead, tempDir } from '../server/supervisor/helpers.ts';
import { REPO_ROOT } from './service.ts';

const MAIN = join(REPO_ROOT, 'server/supervisor/main.ts');
const STOP_TIMEOUT_MS = 3_000;
const KILL_GRACE_MS = 400;
/** Scheduling slack on a loaded 2-core machine, on top of the supervisor's own budget. */
const SLACK_MS = 4_000;

interface Main {
  readonly child: ChildProcess;
  readonly messages: () => string[];
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}

function startMain(env: Record<string, string>): Main {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'], LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const messages = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          const o = JSON.parse(l) as Record<string, unknown>;
          return o['component'] === 'supervisor' ? [String(o['message'])] : [];
        } catch {
          return [];
        }
      });
  return { child, messages, output: () => out, exited };
}

function hit(port: number, ms: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: `/slow?ms=${ms}`, agent: false, timeout: 20_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Pids of every fixture start recorded in events.log. */
function childPids(dir: string): number[] {
  return events(dir).flatMap((e) => {
    const m = /^start \d+ pid (\d+)$/.exec(e.what);
    return m ? [Number(m[1])] : [];
  });
}

const scenario = fc.record({
  backendReadyDelayMs: fc.integer({ min: 0, max: 1_500 }),
  frontendReadyDelayMs: fc.integer({ min: 0, max: 800 }),
  backendCrashStarts: fc.integer({ min: 0, max: 2 }),
  backendDrainMs: fc.integer({ min: 0, max: 1_200 }),
  frontendDrainMs: fc.integer({ min: 0, max: 1_200 }),
  frontendIgnoresSigterm: fc.boolean(),
  /** When the signal comes, after the supervisor's first log line. */
  signalAfterMs: fc.integer({ min: 0, max: 4_000 }),
  /** Requests in flight on the frontend fixture at the signal (only once it listens). */
  inFlight: fc.integer({ min: 0, max: 3 }),
});

testProp(
  'SIGTERM at any point of the lifecycle: exit within the budget, 0 when clean, no child left',
  [scenario],
  async (t, s) => {
    const { dir, cleanup } = tempDir();
    const [backendPort, frontendPort] = [await freePort(), await freePort()];
    const backend = fixture('backend', dir, {
      FIXTURE_PORT: String(backendPort),
      FIXTURE_READY_DELAY_MS: String(s.backendReadyDelayMs),
      FIXTURE_CRASH_STARTS: String(s.backendCrashStarts),
      FIXTURE_DRAIN_MS: String(s.backendDrainMs),
    });
    const frontend = fixture(
      'frontend',
      dir,
      {
        FIXTURE_PORT: String(frontendPort),
        FIXTURE_READY_DELAY_MS: String(s.frontendReadyDelayMs),
        FIXTURE_DRAIN_MS: String(s.frontendDrainMs),
        ...(s.frontendIgnoresSigterm ? { FIXTURE_IGNORE_SIGTERM: '1' } : {}),
      },
      { dependsOn: ['backend'] },
    );
    const main = startMain({
      SUPERVISOR_PROCESSES: JSON.stringify([backend, frontend]),
      SUPERVISOR_STOP_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
      SUPERVISOR_KILL_GRACE_MS: String(KILL_GRACE_MS),
      SUPERVISOR_RESTART_INITIAL_MS: '200',
    });
    try {
      await waitFor(async () => main.messages().length > 0, 60_000, 'the supervisor to start', 20);
      await new Promise((r) => setTimeout(r, s.signalAfterMs));
      const listening = events(dir).some((e) => e.name === 'frontend' && e.what === 'listening');
      const requests = listening
        ? Array.from({ length: s.inFlight }, () => hit(frontendPort, 300))
        : [];
      if (requests.length > 0) await new Promise((r) => setTimeout(r, 50));
      const signalledAt = Date.now();
      main.child.kill('SIGTERM');
      const { code, signal, at } = await Promise.race([
        main.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no exit within 60 s')), 60_000),
        ),
      ]);
      const stopMs = at - signalledAt;
      const where = `${JSON.stringify(s)} -> code ${code} signal ${signal} in ${stopMs} ms; ${main.messages().slice(-4).join(' | ')}`;
      t.true(stopMs <= STOP_TIMEOUT_MS + 2 * KILL_GRACE_MS + SLACK_MS, `budget: ${where}`);
      t.is(signal, null, where);
      // A child that ignores SIGTERM needs a SIGKILL (exit 1) if it was running by then; one
      // still starting when the signal came stops cleanly. Everything else is a clean stop.
      if (s.frontendIgnoresSigterm) t.true(code === 0 || code === 1, where);
      else t.is(code, 0, `clean stop: ${where}`);
      if (code === 1)
        t.true(
          main.messages().some((m) => m.includes('SIGKILL')),
          where,
        );
      // Requests accepted by a child that drains were answered.
      if (!s.frontendIgnoresSigterm)
        for (const status of await Promise.all(requests)) t.is(status, 200, where);
      await waitFor(
        async () => childPids(dir).every(isDead),
        10_000,
        'every child to be gone',
        50,
      ).catch(() => undefined);
      t.deepEqual(
        childPids(dir).filter((pid) => !isDead(pid)),
        [],
        `no child outlives the supervisor: ${where}`,
      );
    } finally {
      main.child.kill('SIGKILL');
      for (const pid of childPids(dir))
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      cleanup();
    }
  },
  { numRuns: 8, endOnFailure: true },
);

const crashLoop = fc.record({
  restartInitialMs: fc.integer({ min: 0, max: 300 }),
  maxFailedStarts: fc.integer({ min: 1, max: 4 }),
  /** Crash at start, or run and become ready, then crash before counting as stable. */
  crashAfterReady: fc.boolean(),
  probed: fc.boolean(),
});

testProp(
  'a crash loop ends in exit 1 within a bound computed from the policy',
  [crashLoop],
  async (t, p) => {
    const { dir, cleanup } = tempDir();
    const port = await freePort();
    const spec = fixture('backend', dir, {
      ...(p.probed ? { FIXTURE_PORT: String(port) } : {}),
      ...(p.crashAfterReady
        ? { FIXTURE_EXIT_AFTER_MS: '300', FIXTURE_EXIT_CODE: '1' }
        : { FIXTURE_CRASH_STARTS: '1000' }),
    });
    const main = startMain({
      SUPERVISOR_PROCESSES: JSON.stringify([spec]),
      SUPERVISOR_RESTART_INITIAL_MS: String(p.restartInitialMs),
      SUPERVISOR_RESTART_MAX_MS: '1000',
      SUPERVISOR_MAX_FAILED_STARTS: String(p.maxFailedStarts),
      SUPERVISOR_STABLE_AFTER_MS: '60000',
      SUPERVISOR_STOP_TIMEOUT_MS: String(STOP_TIMEOUT_MS),
    });
    try {
      const started = Date.now();
      // Restart delays (capped at 1 s) plus, per start, a process spawn and its run time.
      const bound =
        p.maxFailedStarts * (1_000 + 300 + 5_000) + STOP_TIMEOUT_MS + 2 * KILL_GRACE_MS + 10_000;
      const { code, at } = await Promise.race([
        main.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no exit within ${bound} ms`)), bound),
        ),
      ]);
      const where = `${JSON.stringify(p)} -> ${code} after ${at - started} ms`;
      t.is(code, 1, where);
      t.is(
        childPids(dir).length,
        p.maxFailedStarts,
        `started exactly maxFailedStarts times: ${where}`,
      );
      t.true(
        main.messages().some((m) => m.startsWith('giving up: backend failed to start')),
        where,
      );
      t.deepEqual(
        childPids(dir).filter((pid) => !isDead(pid)),
        [],
        where,
      );
    } finally {
      main.child.kill('SIGKILL');
      cleanup();
    }
  },
  { numRuns: 6, endOnFailure: true },
);
