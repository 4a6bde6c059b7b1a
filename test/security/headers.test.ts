/**
 * Through the real frontend and backend processes: strict CORS (unknown origins get no CORS
 * header at all; the configured origin and the localhost origins of $PORT do, echoed, never `*`,
 * never with credentials), the security headers on every kind of response (UI, API, errors, 304,
 * HEAD, preflight; the proxy's 503 is in static.test.ts), HSTS only behind HTTPS. Also the answers Node's HTTP parser gives
 * on its own.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { connect } from 'node:net';
import { startPair, type Pair } from './pair.ts';

const ALLOWED = 'https://doctors.example';
let pair: Pair;
let port: number;

test.before(async () => {
  pair = await startPair({ env: { CORS_ORIGINS: ALLOWED } });
  port = Number(new URL(pair.url).port);
});
test.after.always(async () => {
  await pair?.stop();
});

const corsHeaders = (h: Headers) => [...h.keys()].filter((k) => k.startsWith('access-control-'));

const unknownOrigin = fc.oneof(
  fc.constantFrom(
    'https://evil.example',
    'null',
    'http://localhost:1',
    'http://127.0.0.1:1',
    'https://doctors.example.evil.com',
    'https://doctors.example:444',
    'http://doctors.example',
    'HTTPS://DOCTORS.EXAMPLE',
    'https://doctors.example/',
    `${ALLOWED}, https://evil.example`,
  ),
  fc.webUrl().map((u) => new URL(u).origin),
);

testProp(
  'unknown origins get no CORS header, on simple requests and preflights',
  [
    unknownOrigin,
    fc.constantFrom('/api/health', '/api/knowledge', '/api/knowledge/x', '/', '/api/nope'),
  ],
  async (t, origin, path) => {
    if (origin === ALLOWED) return;
    const simple = await fetch(`${pair.url}${path}`, { headers: { origin } });
    await simple.arrayBuffer();
    t.deepEqual(corsHeaders(simple.headers), [], `${origin} GET ${path}`);
    const preflight = await fetch(`${pair.url}${path}`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'content-type',
      },
    });
    await preflight.arrayBuffer();
    t.deepEqual(corsHeaders(preflight.headers), [], `${origin} OPTIONS ${path}`);
  },
  { numRuns: 40 },
);

test('the configured origin and the localhost origins of $PORT are allowed, echoed, without credentials', async (t) => {
  for (const origin of [ALLOWED, `http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
    const res = await fetch(`${pair.url}/api/knowledge`, { headers: { origin } });
    await res.arrayBuffer();
    t.is(res.headers.get('access-control-allow-origin'), origin);
    t.is(res.headers.get('access-control-allow-credentials'), null);
    t.regex(res.headers.get('vary') ?? '', /origin/i);
    const preflight = await fetch(`${pair.url}/api/knowledge`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
    t.is(preflight.status, 204);
    t.is(preflight.headers.get('access-control-allow-origin'), origin);
    t.regex(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
  }
});

const BASE = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function missing(h: Headers): string[] {
  const wrong = Object.entries(BASE)
    .filter(([k, v]) => h.get(k) !== v)
    .map(([k]) => k);
  const csp = h.get('content-security-policy') ?? '';
  if (!csp.includes("frame-ancestors 'none'") || !csp.includes("default-src 'none'"))
    wrong.push(`content-security-policy (${csp})`);
  return wrong;
}

test('security headers on every kind of response; HSTS only behind HTTPS', async (t) => {
  const created = await fetch(`${pair.url}/api/knowledge`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'headers', content: '# Headers\n' }),
  });
  const { id } = (await created.json()) as { id: string };
  t.deepEqual(missing(created.headers), [], 'POST 201');
  const index = await fetch(`${pair.url}/`);
  await index.arrayBuffer();
  const etag = index.headers.get('etag') ?? '';
  const cases: [string, RequestInit & { path: string }][] = [
    ['UI shell', { path: '/' }],
    ['client route', { path: '/documents/x' }],
    ['UI 304', { path: '/', headers: { 'if-none-match': etag } }],
    ['UI HEAD', { path: '/', method: 'HEAD' }],
    ['UI 404', { path: '/missing.js' }],
    ['UI 400', { path: '/%2e%2e/x' }],
    ['UI 405', { path: '/', method: 'POST' }],
    ['API 200', { path: '/api/knowledge' }],
    ['API content', { path: `/api/knowledge/${id}/content` }],
    ['API 404', { path: '/api/knowledge/nope' }],
    ['API 405', { path: '/api/health', method: 'DELETE' }],
    ['API 415', { path: '/api/knowledge', method: 'POST', body: 'x' }],
    [
      'API preflight',
      {
        path: '/api/knowledge',
        method: 'OPTIONS',
        headers: { origin: ALLOWED, 'access-control-request-method': 'POST' },
      },
    ],
  ];
  for (const [label, { path, ...init }] of cases) {
    const res = await fetch(`${pair.url}${path}`, init);
    await res.arrayBuffer();
    t.deepEqual(missing(res.headers), [], `${label}: ${res.status}`);
    t.is(res.headers.get('strict-transport-security'), null, `${label}: no HSTS over plain HTTP`);
    const https = await fetch(`${pair.url}${path}`, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-forwarded-proto': 'https' },
    });
    await https.arrayBuffer();
    t.regex(
      https.headers.get('strict-transport-security') ?? '',
      /max-age=\d{8,}/,
      `${label}: HSTS`,
    );
  }
  const ui = await fetch(`${pair.url}/`);
  await ui.arrayBuffer();
  const csp = ui.headers.get('content-security-policy') ?? '';
  t.regex(csp, /script-src 'self'/);
  t.notRegex(csp, /unsafe-inline|unsafe-eval/);
  t.regex(csp, /require-trusted-types-for 'script'/);
  t.regex(
    (await fetch(`${pair.url}/api/health`)).headers.get('content-security-policy') ?? '',
    /sandbox/,
  );
});

function raw(bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
}

/**
 * Requests Node's parser refuses (bad header syntax, unknown method, headers over 16 KiB) get
 * the JSON error shape and security headers from the frontend too (server/http/client-error.ts).
 */
for (const [label, request] of [
  ['bad header syntax', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'],
  ['unknown method', 'BREW /api/health HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['headers over 16 KiB', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
] as const) {
  test(`Node-level refusal (${label}) has the JSON error shape`, async (t) => {
    const answer = await raw(request);
    t.regex(answer, /^HTTP\/1\.1 4\d\d /);
    t.regex(answer, /content-type: application\/json/i);
    t.regex(answer, /x-content-type-options: nosniff/i);
    t.regex(answer.slice(answer.indexOf('\r\n\r\n') + 4), /^\{"error":\{"code":"[a-z_]+"/);
  });
}

test('Node-level refusals are still 4xx and the frontend survives them', async (t) => {
  for (const request of [
    'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
    'BREW /api/health HTTP/1.1\r\nHost: x\r\n\r\n',
    `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET / HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\n\r\n',
  ]) {
    t.regex(await raw(request), /^HTTP\/1\.1 4\d\d /);
  }
  t.true(pair.frontend.alive());
  const res = await fetch(`${pair.url}/api/health`);
  t.is(res.status, 200);
});
