/**
 * The backend as a real process: `server/backend/main.ts` started with node + tsx, stopped with
 * a real SIGTERM while a request is in flight.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../../helpers/net.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

function spawnBackend(env: Record<string, string>, preload: string[] = []): Proc {
  const imports = ['tsx', ...preload].flatMap((p) => ['--import', p]);
  const child = spawn(process.execPath, [...imports, 'server/backend/main.ts'], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, stdout: () => out, exited };
}

test('SIGTERM: in-flight requests finish, new connections are refused, exit 0', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-main-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const proc = spawnBackend({
    BACKEND_PORT: String(port),
    DATA_DIR: dataDir,
    APP_VERSION: 'proc-test',
  });
  t.teardown(() => {
    if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => (await fetch(`${base}/api/health`)).status === 200,
    60_000,
    'backend health',
  );

  const cmdline = await readFile(`/proc/${proc.child.pid}/cmdline`, 'utf8');
  t.true(cmdline.startsWith('elevendops-backend'), `process title: ${JSON.stringify(cmdline)}`);

  // A create whose headers the server has accepted (it answered 100 Continue) but whose body
  // has not arrived when SIGTERM does.
  const body = JSON.stringify({ title: 'in flight', content: 'arrives after SIGTERM' });
  const response = new Promise<{ status: number; connection: string | undefined; body: string }>(
    (resolve, reject) => {
      const req = request(`${base}/api/knowledge`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          expect: '100-continue',
        },
      });
      req.on('continue', () => {
        proc.child.kill('SIGTERM');
        // Poll until the listener is gone, then send the body of the accepted request.
        void waitFor(
          async () => {
            try {
              await fetch(`${base}/api/health`);
              return false;
            } catch {
              return true;
            }
          },
          30_000,
          'the listener to close',
        ).then(() => req.end(body), reject);
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body: text }),
        );
      });
      req.on('error', reject);
      req.flushHeaders();
    },
  );
  const res = await response;
  t.is(res.status, 201, res.body);
  t.is(res.connection, 'close');
  t.is(JSON.parse(res.body).title, 'in flight');
  t.is(await proc.exited, 0);
  const lines = proc
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.true(lines.some((l) => l['message'] === 'SIGTERM: draining'));
  t.is(lines.at(-1)!['message'], 'backend stopped');

  // The document written during the drain is there after a restart (embedded data persists).
  const again = spawnBackend({ BACKEND_PORT: String(port), DATA_DIR: dataDir });
  t.teardown(() => {
    if (again.child.exitCode === null) again.child.kill('SIGKILL');
  });
  await waitFor(async () => (await fetch(`${base}/api/health`)).status === 200, 60_000, 'restart');
  const list = (await (await fetch(`${base}/api/knowledge`)).json()) as {
    items: { title: string }[];
  };
  t.deepEqual(
    list.items.map((d) => d.title),
    ['in flight'],
  );
  again.child.kill('SIGTERM');
  t.is(await again.exited, 0);
});

test('a bad configuration exits 78 with one structured line naming the variable', async (t) => {
  const proc = spawnBackend({ BACKEND_PORT: 'eighty' });
  t.is(await proc.exited, 78);
  const line = JSON.parse(proc.stdout().trim().split('\n').at(-1)!) as Record<string, unknown>;
  t.is(line['severity'], 'ERROR');
  t.regex(String(line['message']), /BACKEND_PORT/);
});

test('an unhandled rejection is logged as CRITICAL with its stack, then the process exits 1', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-crash-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const proc = spawnBackend({ BACKEND_PORT: String(await freePort()), DATA_DIR: dataDir }, [
    './test/server/backend/fixtures/reject-later.ts',
  ]);
  t.is(await proc.exited, 1);
  const lines = proc
    .stdout()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const fatal = lines.find((l) => l['severity'] === 'CRITICAL');
  t.truthy(fatal, proc.stdout());
  t.regex(String(fatal!['message']), /unhandled rejection: injected unhandled rejection/);
  t.regex(String(fatal!['stack_trace']), /Error: injected unhandled rejection\n\s+at /);
});
