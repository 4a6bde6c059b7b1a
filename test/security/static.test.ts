/**
 * Static files never leave the UI directory: the real frontend server (startFrontend, a real
 * socket) serves a UI directory with a secret file next to it and a symlink inside it pointing
 * at that secret. Known traversal tricks and fast-check-built encodings of `..`, `/` and `\`
 * (single, double, overlong UTF-8, mixed) never return the secret, never 5xx, and always carry
 * the JSON error shape when refused.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFrontend, type FrontendHandle } from '../../server/frontend/index.ts';
import { createLogger } from '../../server/logging/logger.ts';
import { captureLines } from '../helpers/log-capture.ts';
import { freePort } from '../helpers/net.ts';
import { TRAVERSALS } from '../fuzz/arbitraries.ts';

const SECRET = `secret-${Math.random().toString(36).slice(2)}`;
let root: string;
let frontend: FrontendHandle;

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'elevendops-static-'));
  const ui = join(root, 'ui');
  await mkdir(join(ui, 'assets'), { recursive: true });
  await writeFile(join(ui, 'index.html'), '<!doctype html><title>shell</title>');
  await writeFile(join(ui, 'assets', 'app-AbCdEf12.js'), 'console.log("app")');
  await writeFile(join(root, 'secret.txt'), SECRET);
  await writeFile(join(root, 'package.json'), SECRET);
  await symlink(join(root, 'secret.txt'), join(ui, 'link-to-secret.txt'));
  await symlink(root, join(ui, 'assets', 'up'));
  frontend = await startFrontend(
    { port: 0, backendApiUrl: `http://127.0.0.1:${await freePort()}` },
    {
      logger: createLogger({ component: 'frontend', destination: captureLines() }),
      uiDir: ui,
      host: '127.0.0.1',
      port: 0,
    },
  );
});
test.after.always(async () => {
  await frontend?.close();
  await rm(root, { recursive: true, force: true });
});

/** Sends the path exactly as given (no client-side normalisation, unlike fetch). */
function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const { port } = new URL(frontend.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString('latin1')));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          type: String(res.headers['content-type'] ?? ''),
          body,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function judge(path: string, res: { status: number; type: string; body: string }): string[] {
  const wrong: string[] = [];
  if (res.body.includes(SECRET)) wrong.push('served the secret');
  if (res.status >= 500) wrong.push(`status ${res.status}`);
  if (
    res.status === 200 &&
    !res.body.includes('<title>shell</title>') &&
    res.body !== 'console.log("app")'
  )
    wrong.push(`served something else: ${res.body.slice(0, 60)}`);
  if (res.status >= 400) {
    if (!/^application\/json/.test(res.type)) wrong.push(`error as ${res.type}`);
    else if (
      typeof (JSON.parse(res.body) as { error?: { code?: unknown } }).error?.code !== 'string'
    )
      wrong.push('error without the JSON shape');
  }
  return wrong.map((w) => `${path}: ${w}`);
}

test('the UI itself is served (the setup works)', async (t) => {
  t.regex((await get('/')).body, /shell/);
  t.is((await get('/assets/app-AbCdEf12.js')).body, 'console.log("app")');
});

test('known traversal paths and the symlinks never reach the secret', async (t) => {
  const extra = [
    '/link-to-secret.txt',
    '/assets/up/secret.txt',
    '/assets/up/package.json',
    '/assets/up%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/..%252fsecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/assets/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt',
    '/assets/..\\..\\secret.txt',
    '/assets/%5c..%5c..%5csecret.txt',
  ];
  const wrong: string[] = [];
  // /api paths go to the proxy (no backend here): the fuzz tests cover them end to end.
  const statics = TRAVERSALS.filter((p) => !p.startsWith('/api/'));
  for (const path of [...statics, ...extra]) wrong.push(...judge(path, await get(path)));
  t.deepEqual(wrong, []);
});

/** Ways to write one character of a path. */
const encodings: Record<string, string[]> = {
  '.': ['.', '%2e', '%2E', '%252e', '%c0%ae', '%u002e', '%e0%80%ae'],
  '/': ['/', '%2f', '%2F', '%252f', '%c0%af', '\\', '%5c', '%255c'],
};
const dotdot = fc
  .tuple(fc.constantFrom(...encodings['.']!), fc.constantFrom(...encodings['.']!))
  .map(([a, b]) => a + b);
const sep = fc.constantFrom(...encodings['/']!);

testProp(
  'any encoding of ../ sequences never reaches the secret',
  [
    fc.constantFrom('', '/assets', '/documents', '/assets/up'),
    fc.array(fc.tuple(dotdot, sep), { minLength: 1, maxLength: 5 }),
    fc.constantFrom('secret.txt', 'package.json', 'ui/index.html', 'link-to-secret.txt'),
  ],
  async (t, prefix, ups, target) => {
    const path = `${prefix}/${ups.map(([d, s]) => d + s).join('')}${target}`;
    const res = await get(path);
    t.deepEqual(judge(path, res), []);
  },
  { numRuns: 150 },
);

test('with the backend unreachable, /api answers 503 JSON with Retry-After and the security headers', async (t) => {
  const res = await fetch(`${frontend.url}/api/knowledge`);
  t.is(res.status, 503);
  t.is(res.headers.get('retry-after'), '1');
  t.is(((await res.json()) as { error: { code: string } }).error.code, 'backend_unavailable');
  t.is(res.headers.get('x-content-type-options'), 'nosniff');
  t.is(res.headers.get('x-frame-options'), 'DENY');
  t.regex(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
});
