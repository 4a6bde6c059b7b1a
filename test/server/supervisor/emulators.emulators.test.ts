/**
 * The local development list (`npm start -- --emulators`): Google's Firestore emulator and
 * fake-gcs-server supervised before the real backend and frontend. Besides the ordering, this is
 * the hard case for process-group signalling: `gcloud` is a launcher whose JVM must go too.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { serviceProcesses, withEmulators } from '../../../server/supervisor/processes.ts';
import { fakeGcsBinary } from '../../helpers/emulators.ts';
import { freePort, waitFor } from '../../helpers/net.ts';
import { REPO_ROOT, tempDir } from './helpers.ts';

/** Pids of processes whose command line mentions `needle`. */
function pidsMentioning(needle: string): number[] {
  const out = spawnSync('pgrep', ['-f', needle], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

test('emulators start first, the backend uses them, and SIGTERM leaves no JVM behind', async (t) => {
  const { dir, cleanup } = tempDir();
  t.teardown(cleanup);
  const [port, backendPort, firestorePort, storagePort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const list = withEmulators(serviceProcesses({ port, backendPort, backendHost: '127.0.0.1' }), {
    firestorePort,
    storagePort,
    fakeGcsServer: fakeGcsBinary(),
  });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'server/supervisor/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        APP_ENV: 'development',
        DATA_DIR: dir,
        PORT: String(port),
        BACKEND_PORT: String(backendPort),
        FIRESTORE_EMULATOR_HOST: '',
        STORAGE_EMULATOR_HOST: '',
        SUPERVISOR_PROCESSES: JSON.stringify(list),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  t.teardown(() => {
    child.kill('SIGKILL');
    for (const pid of pidsMentioning(`port=${firestorePort}`)) process.kill(pid, 'SIGKILL');
  });
  const lines: string[] = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (pending + chunk.toString('utf8')).split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const messages = () => lines.map((l) => String((JSON.parse(l) as { message?: unknown }).message));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`supervisor exited with ${child.exitCode}`);
      return messages().includes('all processes are ready');
    },
    180_000,
    'ready',
  );
  const order = messages().filter((m) => m.startsWith('starting '));
  t.deepEqual(order.slice(2), ['starting backend', 'starting frontend']);
  t.true(messages().indexOf('firestore is ready') < messages().indexOf('starting backend'));
  t.true(messages().indexOf('storage is ready') < messages().indexOf('starting backend'));
  const health = (await (await fetch(`http://127.0.0.1:${port}/api/health`)).json()) as {
    checks: Record<string, { adapter: string }>;
  };
  t.is(health.checks['firestore']!.adapter, 'firestore');
  t.is(health.checks['storage']!.adapter, 'gcs');
  t.true(pidsMentioning(`port=${firestorePort}`).length > 0, 'the emulator JVM runs');

  child.kill('SIGTERM');
  t.is(await exited, 0);
  await waitFor(
    async () => pidsMentioning(`port=${firestorePort}`).length === 0,
    10_000,
    'emulator JVM gone',
  );
  t.pass();
});
