/**
 * The real frontend process (`server/frontend/main.ts` under tsx): process title, readiness log
 * line, and SIGTERM drain: stop accepting, finish the request in flight, exit 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';
import test from 'ava';
import Koa from 'koa';
import { freePort, waitFor } from '../../helpers/net.ts';
import { startBackendStub } from './helpers.ts';

const root = new URL('../../../', import.meta.url).pathname;

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('SIGTERM drains: no new connections, the in-flight request completes, exit 0', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let arrived = false;
  const stub = new Koa();
  stub.use(async (ctx) => {
    arrived = true;
    await released;
    ctx.body = { done: true };
  });
  const backend = await startBackendStub(stub);
  t.teardown(() => backend.close());

  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/frontend/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env['PATH'],
      PORT: String(port),
      BACKEND_API_URL: backend.url,
      LOG_LEVEL: 'info',
      METADATA_SERVER_DETECTION: 'none',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  await waitFor(
    async () => output.includes('frontend listening'),
    30_000,
    'the frontend to listen',
  );
  const args = spawnSync('ps', ['-o', 'args=', '-p', String(child.pid)], {
    encoding: 'utf8',
  }).stdout;
  t.regex(args, /elevendops-frontend/);

  const inFlight = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`http://127.0.0.1:${port}/api/slow`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
  await waitFor(async () => arrived, 20_000, 'the request to reach the backend');

  child.kill('SIGTERM');
  await waitFor(async () => !(await canConnect(port)), 20_000, 'the listener to close');
  t.is(child.exitCode, null, 'still running while a request is in flight');
  release();
  const answer = await inFlight;
  t.is(answer.status, 200);
  t.deepEqual(JSON.parse(answer.body), { done: true });
  t.is(await exited, 0);
  t.regex(output, /SIGTERM: draining/);
  t.regex(output, /frontend stopped/);
  // Every line is structured JSON (Cloud Logging), none is a stray console print.
  for (const line of output.trim().split('\n')) t.notThrows(() => JSON.parse(line), line);
});

test('a bad configuration exits 78 before listening', async (t) => {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'server/frontend/main.ts'], {
    cwd: root,
    env: { PATH: process.env['PATH'], PORT: 'not-a-port' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.is(child.status, 78);
  t.regex(child.stdout + child.stderr, /PORT/);
});
