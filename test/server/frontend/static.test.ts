import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import test from 'ava';
import { UI_CSP } from '../../../server/frontend/security.ts';
import { rawRequest, startTestFrontend } from './helpers.ts';

const SECRET = 'TOP-SECRET-OUTSIDE-THE-UI-ROOT';
const appJs = `console.log(${JSON.stringify('x'.repeat(4000))});\n`;

/** A built-UI directory, plus a secret file next to it that must never be served. */
async function fixture(t: { teardown: (fn: () => Promise<void>) => void }) {
  const base = await mkdtemp(join(tmpdir(), 'frontend-static-'));
  t.teardown(() => rm(base, { recursive: true, force: true }));
  const root = join(base, 'ui');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(base, 'secret.txt'), SECRET);
  await writeFile(join(root, '.env'), SECRET);
  await writeFile(
    join(root, 'index.html'),
    '<!doctype html><title>x</title><script type="module" src="/assets/app-Ab12_x9Z.js"></script>',
  );
  await writeFile(join(root, 'assets', 'app-Ab12_x9Z.js'), appJs);
  await writeFile(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  await symlink(join(base, 'secret.txt'), join(root, 'link.txt'));
  return root;
}

async function serve(t: Parameters<typeof fixture>[0] & { teardown: any }) {
  const uiDir = await fixture(t);
  const frontend = await startTestFrontend('http://127.0.0.1:9', { uiDir });
  t.teardown(() => frontend.close());
  return frontend;
}

test('hashed assets are immutable, index.html revalidates, both with ETags and 304s', async (t) => {
  const frontend = await serve(t);
  const asset = await rawRequest(`${frontend.url}/assets/app-Ab12_x9Z.js`);
  t.is(asset.status, 200);
  t.is(asset.headers['cache-control'], 'public, max-age=31536000, immutable');
  t.regex(String(asset.headers['content-type']), /^text\/javascript/);
  t.is(asset.body.toString(), appJs);
  t.truthy(asset.headers['etag']);

  const index = await rawRequest(`${frontend.url}/`);
  t.is(index.status, 200);
  t.is(index.headers['cache-control'], 'no-cache');
  t.regex(String(index.headers['content-type']), /^text\/html/);
  t.is(index.headers['content-security-policy'], UI_CSP);

  const again = await rawRequest(`${frontend.url}/`, {
    headers: { 'if-none-match': String(index.headers['etag']) },
  });
  t.is(again.status, 304);
  t.is(again.body.length, 0);
  const favicon = await rawRequest(`${frontend.url}/favicon.svg`);
  t.is(favicon.headers['cache-control'], 'no-cache');
  t.is(favicon.headers['content-type'], 'image/svg+xml');
});

test('assets are sent compressed when the client accepts it, identical once decoded', async (t) => {
  const frontend = await serve(t);
  const url = `${frontend.url}/assets/app-Ab12_x9Z.js`;
  const br = await rawRequest(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  t.is(br.headers['content-encoding'], 'br');
  t.is(br.headers['vary'], 'Accept-Encoding');
  t.true(br.body.length < appJs.length / 10);
  t.is(brotliDecompressSync(br.body).toString(), appJs);
  const gz = await rawRequest(url, { headers: { 'accept-encoding': 'gzip' } });
  t.is(gz.headers['content-encoding'], 'gzip');
  t.is(gunzipSync(gz.body).toString(), appJs);
  const plain = await rawRequest(url, { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
  t.is(plain.headers['content-encoding'], undefined);
  t.is(plain.body.toString(), appJs);
});

test('client-side routes get the app shell; missing files get a 404 JSON', async (t) => {
  const frontend = await serve(t);
  // `/apiary` is a page, not the API: only `/api` and `/api/…` are proxied.
  for (const path of ['/upload', '/documents/k7Qm2xv9PZa0rT1bC3dE', '/a/b/c?x=1', '/apiary']) {
    const res = await rawRequest(`${frontend.url}${path}`);
    t.is(res.status, 200, path);
    t.regex(res.body.toString(), /<!doctype html>/);
    t.is(res.headers['cache-control'], 'no-cache');
  }
  const missing = await rawRequest(`${frontend.url}/assets/missing-12345678.js`);
  t.is(missing.status, 404);
  t.is(JSON.parse(missing.body.toString()).error.code, 'not_found');
  const post = await rawRequest(`${frontend.url}/`, { method: 'POST', body: 'x' });
  t.is(post.status, 405);
  t.is(post.headers['allow'], 'GET, HEAD');
});

/** Sends a request line exactly as written (no client normalises the path). */
function rawPath(url: string, path: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

test('no path reaches a file outside the UI directory, a dot-file or a symlink', async (t) => {
  const frontend = await serve(t);
  const attempts = [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/assets%2f..%2f..%2fsecret.txt',
    '/%252e%252e/secret.txt',
    '/.env',
    '/link.txt',
    '/secret.txt%00.js',
    '//secret.txt',
    '/./../secret.txt',
    `/${'../'.repeat(12)}etc/passwd`,
  ];
  for (const path of attempts) {
    const response = await rawPath(frontend.url, path);
    t.false(response.includes(SECRET), path);
    t.false(response.includes('root:x:0:0'), path);
    t.regex(response, /^HTTP\/1\.1 (200|400|404) /, path);
  }
});

test('security headers on every response; HSTS only behind HTTPS', async (t) => {
  const frontend = await serve(t);
  const res = await rawRequest(`${frontend.url}/`);
  t.is(res.headers['x-content-type-options'], 'nosniff');
  t.is(res.headers['x-frame-options'], 'DENY');
  t.is(res.headers['referrer-policy'], 'no-referrer');
  t.is(res.headers['cross-origin-opener-policy'], 'same-origin');
  t.regex(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
  t.regex(String(res.headers['content-security-policy']), /script-src 'self'(;|$)/);
  t.notRegex(String(res.headers['content-security-policy']), /unsafe-inline|unsafe-eval/);
  t.is(res.headers['strict-transport-security'], undefined);
  t.is(res.headers['x-powered-by'], undefined);
  const https = await rawRequest(`${frontend.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
  t.regex(String(https.headers['strict-transport-security']), /^max-age=\d{8}; includeSubDomains$/);
  const api = await rawRequest(`${frontend.url}/api/health`);
  t.is(api.headers['x-content-type-options'], 'nosniff');
  t.is(
    api.headers['content-security-policy'],
    "default-src 'none'; frame-ancestors 'none'; sandbox",
  );
});

test('without a built UI the API still works and pages say how to build it', async (t) => {
  const frontend = await startTestFrontend('http://127.0.0.1:9', { uiDir: '/nonexistent' });
  t.teardown(() => frontend.close());
  const res = await rawRequest(`${frontend.url}/`);
  t.is(res.status, 503);
  t.regex(JSON.parse(res.body.toString()).error.message, /npm run build:ui/);
});
