/**
 * Random HTTP requests for fuzzing the service through the frontend: every route and the static
 * UI, with methods, paths (traversal and encoding tricks included), query strings, headers,
 * content types, framing and body sizes drawn at random. Header values stay within what
 * node:http will send (visible ASCII and tab); raw-socket fuzzing covers the rest.
 */
import { fc } from '@fast-check/ava';

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
}

const token = fc.stringMatching(/^[A-Za-z0-9._~-]{1,24}$/);
const visible = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));

export const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PATCH', 'DELETE', 'OPTIONS') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('PUT', 'TRACE', 'PROPFIND', 'BREW', 'CONNECTX', 'M-SEARCH', 'LOCK'),
  },
);

const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{20}$/),
  token,
  fc.constantFrom(
    '..',
    '%2e%2e',
    '%2F',
    '%E0%A4%A',
    '%00',
    'a%20b',
    '__proto__',
    'constructor',
    '%',
  ),
);

/** Traversal and encoding variants aimed at the static file server. */
export const TRAVERSALS = [
  '/../../etc/passwd',
  '/..%2f..%2fetc%2fpasswd',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/%252e%252e/%252e%252e/etc/passwd',
  '/..%5c..%5cetc%5cpasswd',
  '/..\\..\\etc\\passwd',
  '/assets/../../package.json',
  '/assets/..%2f..%2fpackage.json',
  '/assets/%2e%2e/%2e%2e/package.json',
  '//etc/passwd',
  '/.%2e/.%2e/etc/passwd',
  '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
  '/%uff0e%uff0e/etc/passwd',
  '/index.html%00.js',
  '/index.html/..',
  '/./index.html',
  '/assets/./../index.html',
  '/..',
  '/.',
  '/%2e',
  '/.env',
  '/.git/config',
  '/node_modules/koa/package.json',
  '/server/backend/main.ts',
  '/../secret.txt',
  '/%2e%2e/secret.txt',
  '/..%2fsecret.txt',
  '/link-to-secret.txt',
  '/api/../../etc/passwd',
  '/api/%2e%2e/%2e%2e/etc/passwd',
  '/api/knowledge/..%2f..%2fetc%2fpasswd/content',
];

const query = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('limit', 'before', 'q', 'tag', 'disease', 'limit[]', ''), token),
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9%:.~+=-]{0,30}$/),
        fc.constantFrom('0', '-1', '1e3', '101', '2026-01-01T00:00:00Z', '%ZZ', '%F0%9F', 'NaN'),
        fc.integer({ min: 190, max: 400 }).map((n) => 'q'.repeat(n)),
      ),
    ),
    { maxLength: 5 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));

export const path = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(
        '/api/knowledge',
        '/api/knowledge/',
        '/api/health',
        '/api/dashboard/stats',
        '/api',
        '/api/',
        '/apiary',
        '/',
        '/index.html',
        '/favicon.svg',
        '/documents',
        '/upload',
        '/assets/',
        '/assets/missing-abcdefgh.js',
      ),
      id.map((i) => `/api/knowledge/${i}`),
      id.map((i) => `/api/knowledge/${i}/content`),
      id.map((i) => `/documents/${i}`),
      fc.constantFrom(...TRAVERSALS),
      fc.stringMatching(/^\/[A-Za-z0-9/%._~;,:@!$&'()*+=-]{0,60}$/),
    ),
    query,
  )
  .map(([p, q]) => p + q);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'multipart/form-data',
  'multipart/form-data; boundary=XyZ',
  'multipart/form-data; boundary=',
  'text/plain',
  'text/markdown',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'garbage',
  ';;;',
  'application/json; charset=latin1',
);

const optionalHeaders = fc.record(
  {
    'content-type': contentType,
    accept: fc.constantFrom('*/*', 'application/json', 'text/html', '', 'x/y;q=bad'),
    'accept-encoding': fc.constantFrom('gzip', 'br', 'gzip;q=0, br;q=0, identity;q=0', '*', 'zz'),
    'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"x"', '"', ''), visible(80)),
    range: fc.constantFrom('bytes=0-1', 'bytes=-5', 'bytes=99999-', 'lines=1-2', 'bytes=a-b'),
    origin: fc.constantFrom(
      'https://evil.example',
      'null',
      'http://localhost',
      'http://127.0.0.1',
      'https://allowed.example',
    ),
    'x-forwarded-for': fc.constantFrom('1.2.3.4', '1.2.3.4, 5.6.7.8', 'not an ip', ''),
    'x-forwarded-proto': fc.constantFrom('https', 'http', 'gopher', ''),
    'x-forwarded-host': visible(60),
    traceparent: fc.oneof(
      fc.constant('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      visible(80),
    ),
    'x-cloud-trace-context': fc.oneof(
      fc.constant('105445aa7843bc8bf206b12000100000/1;o=1'),
      visible(80),
    ),
    'x-request-id': fc.oneof(token, visible(300)),
    cookie: visible(100),
    authorization: fc.constantFrom('Bearer x', 'Basic Og==', ''),
    expect: fc.constant('100-continue'),
    'x-http-method-override': fc.constantFrom('DELETE', 'PUT'),
    connection: fc.constantFrom('keep-alive', 'close', 'x-request-id, traceparent'),
  },
  { requiredKeys: [] },
);

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      title: fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue({ maxDepth: 1 })),
      disease: fc.oneof(fc.string(), fc.constant(null)),
      tags: fc.oneof(fc.array(fc.string(), { maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })),
      content: fc.oneof(
        fc.string({ unit: 'binary', maxLength: 500 }),
        fc.jsonValue({ maxDepth: 1 }),
      ),
      format: fc.oneof(fc.constantFrom('markdown', 'text', 'pdf'), fc.jsonValue({ maxDepth: 1 })),
      constructor: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  ),
);

const multipart = fc
  .record({
    fileName: fc.oneof(
      fc.constantFrom('a.md', 'notes.txt', '../../etc/passwd.md', 'x.exe', '', '.md', 'a\u0000.md'),
      fc.string({ maxLength: 40 }).map((s) => `${s}.md`),
    ),
    content: fc.string({ unit: 'binary', maxLength: 300 }),
    title: fc.string({ maxLength: 60 }),
  })
  .map(({ fileName, content, title }) =>
    Buffer.from(
      `--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\n${title}\r\n` +
        `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n` +
        `Content-Type: text/markdown\r\n\r\n${content}\r\n--XyZ--\r\n`,
    ),
  );

/** Sizes around the limits (4 KiB content limit in these tests; 64 KiB PATCH limit). */
const sized = fc
  .constantFrom(1, 4096, 4097, 65_536, 65_537, 300_000)
  .chain((n) => fc.constantFrom('{', 'a', '\u00ff').map((c) => Buffer.alloc(n, c)));

export const body = fc.option(
  fc.oneof(
    { weight: 4, arbitrary: jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
    { weight: 2, arbitrary: multipart },
    { weight: 1, arbitrary: sized },
    {
      weight: 1,
      arbitrary: jsonish.map((v) => Buffer.from(JSON.stringify(v)?.slice(0, -1) ?? '{')),
    },
  ),
  { nil: undefined },
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({ method, path, headers: optionalHeaders, body, chunked: fc.boolean() })
  .map(({ method, path, headers, body, chunked }) => {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined) {
      if (chunked) h['transfer-encoding'] = 'chunked';
      else h['content-length'] = String(body.length);
    }
    return { method, path, headers: h, body };
  });
