/**
 * The supervisor's entry point as a real process: real signals from outside, its stdout read as
 * the log stream Cloud Run would collect, its exit code as Cloud Run would see it.
 */
import test from 'ava';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessSpec } from '../../../server/supervisor/processes.ts';
import { freePort, waitFor } from '../../helpers/net.ts';
import { REPO_ROOT, events, fixture, tempDir } from './helpers.ts';

const MAIN = join(REPO_ROOT, 'server/supervisor/main.ts');

interface Started {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly json: () => Record<string, unknown>[];
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  readonly stderr: () => string;
}

function startMain(env: Record<string, string>, prefix: string[] = []): Started {
  const command = prefix.length > 0 ? prefix[0]! : process.execPath;
  const args = [
    ...prefix.slice(1),
    ...(prefix.length > 0 ? [process.execPath] : []),
    '--import',
    'tsx',
    MAIN,
  ];
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    exited,
    stderr: () => stderr,
  };
}

function processes(specs: ProcessSpec[]): string {
  return JSON.stringify(specs);
}

const hasMessage = (s: Started, message: string) => async () =>
  s.json().some((l) => l['message'] === message);

test('SIGTERM stops it cleanly: exit 0, every line on stdout is Cloud Logging JSON', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const port = await freePort();
  const s = startMain({
    SUPERVISOR_PROCESSES: processes([
      fixture('backend', dir, { FIXTURE_PORT: String(port), FIXTURE_DRAIN_MS: '100' }),
    ]),
  });
  t.teardown(() => s.child.kill('SIGKILL'));
  await waitFor(hasMessage(s, 'all processes are ready'), 30_000, 'ready');
  const title = spawnSync('ps', ['-o', 'args=', '-p', String(s.child.pid)], { encoding: 'utf8' });
  t.regex(title.stdout, /^elevendops-supervisor/);
  s.child.kill('SIGTERM');
  const { code } = await s.exited;
  t.is(code, 0);
  t.is(s.stderr(), '');
  for (const line of s.json()) {
    t.true(typeof line['severity'] === 'string' && typeof line['message'] === 'string');
  }
  const own = s.json().filter((l) => l['component'] === 'supervisor');
  t.true(own.some((l) => l['message'] === 'supervisor starting backend'));
  t.true(own.some((l) => String(l['message']).startsWith('stopped in ')));
  // The child's own JSON line came through untouched.
  t.true(s.lines.some((l) => l.startsWith('{"severity":"INFO","message":"backend start 1"')));
});

test('a bad setting exits 78 with one line naming the variable', async (t) => {
  const s = startMain({ SUPERVISOR_STOP_TIMEOUT_MS: 'soon', SUPERVISOR_MAX_FAILED_STARTS: '0' });
  const { code } = await s.exited;
  t.is(code, 78);
  t.is(s.lines.length, 1);
  const [line] = s.json();
  t.is(line!['severity'], 'ERROR');
  t.regex(String(line!['message']), /SUPERVISOR_STOP_TIMEOUT_MS \("soon"\) must be an integer/);
  t.regex(
    String(line!['message']),
    /SUPERVISOR_MAX_FAILED_STARTS \("0"\) must be an integer from 1/,
  );
});

test('a child that exits 78 (its configuration) makes it give up at once with 78', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const s = startMain({
    SUPERVISOR_PROCESSES: processes([
      fixture('backend', dir, { FIXTURE_EXIT_AFTER_MS: '0', FIXTURE_EXIT_CODE: '78' }),
    ]),
  });
  const { code } = await s.exited;
  t.is(code, 78);
  const errors = s.json().filter((l) => l['severity'] === 'ERROR');
  t.is(errors.length, 1);
  t.is(
    errors[0]!['message'],
    'backend exited with code 78: configuration error, restarting cannot help',
  );
  t.is(readFileSync(join(dir, 'backend.starts'), 'utf8'), '1', 'not restarted');
});

test('a crash loop exits 1 after the configured number of failed starts', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const s = startMain({
    SUPERVISOR_RESTART_INITIAL_MS: '10',
    SUPERVISOR_MAX_FAILED_STARTS: '3',
    SUPERVISOR_PROCESSES: processes([
      fixture('backend', dir, {
        FIXTURE_CRASH_STARTS: '99',
        FIXTURE_PORT: String(await freePort()),
      }),
    ]),
  });
  const { code } = await s.exited;
  t.is(code, 1);
  const giveUp = s.json().filter((l) => String(l['message']).startsWith('giving up'));
  t.is(giveUp.length, 1);
  t.is(
    giveUp[0]!['message'],
    'giving up: backend failed to start 3 times within 60 s (last: exited with code 1 before ready)',
  );
});

test('a second SIGTERM kills the children at once instead of waiting for the budget', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const s = startMain({
    SUPERVISOR_PROCESSES: processes([fixture('stubborn', dir, { FIXTURE_IGNORE_SIGTERM: '1' })]),
  });
  t.teardown(() => s.child.kill('SIGKILL'));
  await waitFor(async () => events(dir).some((e) => e.what === 'running'), 30_000, 'running');
  s.child.kill('SIGTERM');
  await waitFor(async () => events(dir).some((e) => e.what === 'ignored SIGTERM'), 30_000, 'TERM');
  s.child.kill('SIGTERM');
  const { code } = await s.exited;
  t.is(code, 1);
  t.true(s.json().some((l) => l['message'] === 'received SIGTERM again: killing everything now'));
});

const canUnshare =
  spawnSync('unshare', ['-Urpf', '--mount-proc', 'true'], { stdio: 'ignore' }).status === 0;

(canUnshare ? test : test.skip)(
  'as PID 1 without an init it warns, and still starts and stops cleanly',
  async (t) => {
    const { dir, cleanup } = tempDir();
    t.teardown(cleanup);
    const s = startMain(
      {
        SUPERVISOR_PROCESSES: processes([
          fixture('backend', dir, {
            FIXTURE_PORT: String(await freePort()),
            FIXTURE_DRAIN_MS: '0',
          }),
        ]),
      },
      ['unshare', '-Urpf', '--mount-proc'],
    );
    t.teardown(() => s.child.kill('SIGKILL'));
    await waitFor(hasMessage(s, 'all processes are ready'), 30_000, 'ready');
    const warning = s.json().find((l) => String(l['message']).startsWith('running as PID 1'));
    t.is(warning?.['severity'], 'WARNING');
    // unshare does not forward signals: signal the supervisor (PID 1 inside) from outside.
    const inner = spawnSync('pgrep', ['-P', String(s.child.pid)], {
      encoding: 'utf8',
    }).stdout.trim();
    t.regex(inner, /^\d+$/);
    process.kill(Number(inner), 'SIGTERM');
    const { code } = await s.exited;
    t.is(code, 0);
    t.true(
      s
        .json()
        .some((l) => l['message'] === 'stopped in ' + String(l['stopMs']) + ' ms, exit code 0'),
    );
  },
);
