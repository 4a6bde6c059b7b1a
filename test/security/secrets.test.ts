/**
 * No secret value ever appears in a log line or an error body. Known, distinctive values are set
 * for every declared secret (SERVICE_SECRETS) and the real processes are run through normal
 * traffic, errors, a client that sends the secret itself (query, header, body), a backend crash
 * and restart, a stop, and configuration failures; then ALL their output is grepped - the
 * supervisor's stream (what Cloud Run collects) and each child's raw output without the
 * supervisor's scrubbing - along with every response body that did not echo a client's input.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_SECRETS } from '../../server/config/secrets.ts';
import { waitFor } from '../helpers/net.ts';
import { startSupervised } from '../chaos/service.ts';
import { REPO_ROOT, startPair, startProc } from './pair.ts';

const run = Math.random().toString(36).slice(2, 10);
const SECRETS: Record<string, string> = Object.fromEntries(
  SERVICE_SECRETS.map((s) => [s.env, `${s.secretName}-value-${run}-Zq8`]),
);
const VALUES = Object.values(SECRETS);

/** Every secret value found in `text`, with a little context. */
function leaks(text: string): string[] {
  const found: string[] = [];
  for (const value of VALUES) {
    for (let i = text.indexOf(value); i >= 0; i = text.indexOf(value, i + 1))
      found.push(text.slice(Math.max(0, i - 120), i + value.length + 20));
  }
  return found;
}

/** Traffic that makes the service log a lot: successes, every kind of error, hostile input. */
async function exercise(base: string): Promise<string[]> {
  const bodies: string[] = [];
  const call = async (path: string, init: RequestInit = {}, echoes = false) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    if (!echoes) bodies.push(`${init.method ?? 'GET'} ${path} -> ${res.status} ${text}`);
    return { status: res.status, text };
  };
  const secret = VALUES[0]!;
  const created = await call('/api/knowledge', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'secrets', tags: ['s'], content: '# Nothing secret here\n' }),
  });
  const id = (JSON.parse(created.text) as { id: string }).id;
  await call('/api/health');
  await call('/api/knowledge?limit=5');
  await call(`/api/knowledge/${id}`);
  await call(`/api/knowledge/${id}/content`);
  await call('/api/dashboard/stats');
  await call('/api/knowledge/nope');
  await call('/api/knowledge?limit=abc');
  await call('/api/knowledge', { method: 'POST', body: 'x' });
  await call('/api/knowledge', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"broken',
  });
  await call('/api/knowledge', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'x', content: 'y'.repeat(5 * 1024 * 1024) }),
  }).catch(() => undefined);
  await call('/%2e%2e/etc/passwd');
  await call('/missing.js');
  // A client that sends the secret itself: never logged (the answer may echo the client's input).
  await call(`/api/knowledge?q=${secret}&tag=${secret}`, {}, true);
  await call(`/api/knowledge/${secret}`, { headers: { authorization: `Bearer ${secret}` } }, true);
  await call(`/api/${secret}`, { headers: { 'x-api-key': secret, cookie: `k=${secret}` } }, true);
  await call(
    '/api/knowledge',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': secret },
      body: JSON.stringify({ title: secret, tags: [secret], content: 5 }),
    },
    true,
  );
  await call(`/api/knowledge/${id}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: ['not a string'] }),
  });
  await call(`/api/knowledge/${id}`, { method: 'DELETE' });
  return bodies;
}

test.serial(
  'the whole service through the supervisor: nothing leaks in logs or error bodies',
  async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-secrets-'));
    t.teardown(() => rm(dataDir, { recursive: true, force: true }));
    const service = await startSupervised({
      env: {
        ...SECRETS,
        DATA_BACKEND: 'embedded',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'trace',
        SUPERVISOR_STABLE_AFTER_MS: '1000',
      },
    });
    t.teardown(() => service.stop(5_000).then(() => undefined));
    const bodies = await exercise(service.url);
    // A crash and a restart (the backend's death and the supervisor's account of it).
    const pid = service.backendPid()!;
    await new Promise((r) => setTimeout(r, 1_500));
    process.kill(pid, 'SIGKILL');
    await waitFor(
      async () => service.backendPid() !== pid && (await fetch(`${service.url}/api/health`)).ok,
      90_000,
      'the backend to be back',
    );
    bodies.push(...(await exercise(service.url)));
    const { code } = await service.stop();
    t.is(code, 0);
    t.true(service.output().length > 10_000, 'there was plenty of output to search');
    t.deepEqual(leaks(service.output()), [], 'no secret in any line the supervisor wrote');
    // The test has teeth: the secret the client sent did reach the logs, and was scrubbed there.
    t.regex(service.output(), /\[REDACTED\]/);
    t.deepEqual(leaks(bodies.join('\n')), [], 'no secret in any response body');
  },
);

test.serial("each process's own raw output, without the supervisor's scrubbing", async (t) => {
  const pair = await startPair({ env: { ...SECRETS, LOG_LEVEL: 'trace' } });
  let stopped = false;
  t.teardown(async () => {
    if (!stopped) await pair.stop();
  });
  const bodies = await exercise(pair.url);
  // The backend unreachable: the frontend's proxy errors.
  pair.backend.child.kill('SIGKILL');
  await pair.backend.exited;
  const down = await fetch(`${pair.url}/api/knowledge`);
  bodies.push(await down.text());
  await pair.stop();
  stopped = true;
  t.deepEqual(leaks(pair.backend.output()), [], 'backend output');
  t.regex(pair.backend.output(), /\[REDACTED\]/, 'the client-sent secret was scrubbed, not absent');
  t.deepEqual(leaks(pair.frontend.output()), [], 'frontend output');
  t.deepEqual(leaks(bodies.join('\n')), [], 'response bodies');
});

test.serial('configuration failures name variables, never values', async (t) => {
  const bad = {
    ...SECRETS,
    APP_ENV: 'production',
    GOOGLE_CLOUD_PROJECT: 'x',
    BACKEND_HOST: '0.0.0.0',
    PORT: 'eighty',
    LOG_LEVEL: 'loud',
  };
  const outputs: string[] = [];
  // The config CLI.
  const check = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'bin/cloudrun-kit.js'), 'config', '--check'],
    { cwd: REPO_ROOT, env: { PATH: process.env['PATH'], ...bad }, encoding: 'utf8' },
  );
  t.is(check.status, 78, check.stdout + check.stderr);
  outputs.push(check.stdout, check.stderr);
  // Each process refusing to start.
  for (const entry of ['server/backend/main.ts', 'server/frontend/main.ts']) {
    const proc = startProc(entry, entry, bad);
    const { code } = await proc.exited;
    t.is(code, 78, `${entry}: ${proc.output()}`);
    outputs.push(proc.output());
  }
  // A secret with a malformed value (a newline): refused by name.
  const malformed = {
    ...SECRETS,
    ELEVENLABS_API_KEY: `${SECRETS['ELEVENLABS_API_KEY']}\nsecond-line`,
  };
  const again = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'bin/cloudrun-kit.js'), 'config', '--check'],
    { cwd: REPO_ROOT, env: { PATH: process.env['PATH'], ...malformed }, encoding: 'utf8' },
  );
  outputs.push(again.stdout, again.stderr);
  const all = outputs.join('\n');
  t.regex(all, /BACKEND_HOST/);
  t.deepEqual(leaks(all), []);
  t.notRegex(all, /second-line/);
});
