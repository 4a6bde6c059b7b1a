/**
 * HTTP fuzzing of every route through the frontend, against the real backend and frontend
 * processes: random methods, paths, query strings, headers, content types, framings and body
 * sizes (./arbitraries.ts), then random bytes on a raw socket. Every answer: no 5xx but 503, the
 * frontend's security headers, and for errors the JSON error shape without a stack; afterwards
 * both processes are alive, logged no error and no crash, and stop with exit 0.
 */
import anyTest, { type TestFn } from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { request } from 'node:http';
import { connect } from 'node:net';
import { REPO_ROOT, startPair, type Pair } from '../security/pair.ts';
import { fuzzRequest, type FuzzRequest } from './arbitraries.ts';

const test = anyTest as TestFn<{ pair: Pair }>;
/** Requests answered 503 although the backend ran all along (logged: a known proxy issue). */
const unavailable: string[] = [];
let pair: Pair | undefined;
const results = { requests: 0, byStatus: new Map<number, number>(), raw: 0, nodeLevel: 0 };

/**
 * Node's HTTP parser answers requests it cannot parse (unknown methods, bad header syntax,
 * headers over 16 KiB) itself, before any of our code runs: a bare 400/431 with no body and no
 * security headers. The frontend has no `clientError` handler to turn these into the JSON error
 * shape (the backend has one) - a known gap, pinned by test/security/limits.test.ts
 * (`test.failing`); here such answers are counted, not judged.
 */
/**
 * A socket Node's parser gave up on (garbage pipelined after a request) reaches Koa's error event
 * and the frontend logs it at ERROR ("frontend request failed", HPE_*): client garbage, not a
 * fault of ours - counted and reported (docs/reliability.md), not judged a crash.
 */
function parseErrorLine(line: string): boolean {
  return /"code":"HPE_[A-Z_]+"/.test(line) && line.includes('frontend request failed');
}

export function isNodeLevel(res: Answer): boolean {
  return res.headers['x-request-id'] === undefined && res.body.length === 0 && res.status >= 400;
}

test.before(async () => {
  pair = await startPair({
    env: { KNOWLEDGE_MAX_BYTES: '4096', CORS_ORIGINS: 'https://allowed.example' },
  });
  // Some real documents, so random ids and lists meet data.
  for (const n of [1, 2, 3])
    await fetch(`${pair.url}/api/knowledge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: `seed ${n}`, tags: ['seed'], content: `# Seed ${n}\n` }),
    });
});
test.after.always(async () => {
  if (pair?.backend.alive() || pair?.frontend.alive()) await pair.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly error?: string;
}

function send(base: string, req: FuzzRequest): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(a);
      }
    };
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, connection: 'close' },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (e) =>
          finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: 'no answer in 30 s' });
      r.destroy();
    }, 30_000);
    r.on('error', (e) =>
      finish({ status: 0, headers: {}, body: Buffer.alloc(0), error: e.message }),
    );
    r.end(req.body);
  });
}

/** What is wrong with one answer (empty when nothing). */
export function problemsOf(req: FuzzRequest, res: Answer): string[] {
  const wrong: string[] = [];
  if (res.status === 0) {
    // The server may cut off a body it refused to read (413, 415): a reset while still sending.
    const large = (req.body?.length ?? 0) > 4096;
    if (!(large && /ECONNRESET|EPIPE|socket hang up/.test(res.error ?? '')))
      wrong.push(`no answer: ${res.error}`);
    return wrong;
  }
  if (res.status >= 500 && res.status !== 503) wrong.push(`status ${res.status}`);
  const h = res.headers;
  if (h['x-content-type-options'] !== 'nosniff') wrong.push('no X-Content-Type-Options: nosniff');
  if (h['x-frame-options'] !== 'DENY') wrong.push('no X-Frame-Options: DENY');
  if (!String(h['content-security-policy'] ?? '').includes("frame-ancestors 'none'"))
    wrong.push('no CSP with frame-ancestors');
  if (h['referrer-policy'] !== 'no-referrer') wrong.push('no Referrer-Policy');
  const text = res.body.toString('utf8');
  if (text.includes('    at ') || text.includes(REPO_ROOT))
    wrong.push('a stack trace or a path on the server in the body');
  if (res.status >= 400 && req.method !== 'HEAD') {
    if (!/^application\/json/.test(String(h['content-type'])))
      wrong.push(`error as ${String(h['content-type'])}`);
    try {
      const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown } }).error;
      if (typeof error?.code !== 'string' || typeof error.message !== 'string')
        wrong.push('error without {error: {code, message}}');
    } catch {
      wrong.push(`error body is not JSON: ${text.slice(0, 80)}`);
    }
  }
  if (h['access-control-allow-origin'] === '*') wrong.push('CORS wildcard');
  const origin = req.headers['origin'];
  if (h['access-control-allow-origin'] !== undefined && h['access-control-allow-origin'] !== origin)
    wrong.push(`CORS allows ${String(h['access-control-allow-origin'])} for origin ${origin}`);
  if (origin === 'https://evil.example' || origin === 'null')
    if (Object.keys(h).some((k) => k.startsWith('access-control-')))
      wrong.push(`CORS headers for the unknown origin ${origin}`);
  return wrong;
}

testProp(
  'fuzzed requests through the frontend: no 5xx but 503, security headers, JSON errors, no stack',
  [fc.array(fuzzRequest, { minLength: 1, maxLength: 6 })],
  async (t, requests) => {
    for (const req of requests) {
      const res = await send(pair!.url, req);
      results.requests++;
      results.byStatus.set(res.status, (results.byStatus.get(res.status) ?? 0) + 1);
      if (res.status === 503)
        unavailable.push(
          `${req.method} ${req.path} ${JSON.stringify(req.headers)} body ${req.body?.length ?? 0} B`,
        );
      if (isNodeLevel(res)) {
        results.nodeLevel++;
        t.true(res.status === 400 || res.status === 431, `${req.method} ${req.path}`);
        continue;
      }
      const wrong = problemsOf(req, res);
      t.deepEqual(
        wrong,
        [],
        `${req.method} ${req.path} ${JSON.stringify(req.headers)} body ${req.body?.length ?? 0} B -> ${res.status} ${res.body.toString().slice(0, 200)}`,
      );
      t.true(pair!.backend.alive() && pair!.frontend.alive(), 'both processes still run');
    }
  },
  { numRuns: 80 },
);

/** Raw bytes on a socket: anything from garbage to almost-HTTP. */
const rawInput = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 600 }).map((b) => Buffer.from(b)),
  fc
    .tuple(
      fc.constantFrom('GET', 'POST', 'PATCH', 'G\u0000T', ''),
      fc.constantFrom('/', '/api/health', '/api/knowledge', '*', 'http://x/', '/\u00ff'),
      fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/9', ''),
      // eslint-disable-next-line no-control-regex
      fc.array(fc.stringMatching(/^[\x00-\x7f]{0,40}$/), { maxLength: 6 }),
      fc.constantFrom('\r\n', '\n', '\r'),
    )
    .map(([m, p, v, headers, eol]) =>
      Buffer.from(`${m} ${p} ${v}${eol}Host: x${eol}${headers.join(eol)}${eol}${eol}`, 'latin1'),
    ),
);

function raw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes));
    let text = '';
    socket.setTimeout(20_000, () => socket.destroy());
    socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
}

testProp(
  'raw garbage on the socket never crashes the frontend or gets a 5xx',
  [rawInput],
  async (t, bytes) => {
    const answer = await raw(Number(new URL(pair!.url).port), bytes);
    results.raw++;
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1];
    if (answer !== '') t.truthy(status, `not HTTP: ${JSON.stringify(answer.slice(0, 100))}`);
    if (status) t.true(Number(status) < 500 || status === '503', answer.slice(0, 200));
    t.true(pair!.frontend.alive() && pair!.backend.alive());
  },
  { numRuns: 60 },
);

test.serial.after(
  'afterwards: both alive, nothing logged as an error or crash, exit 0',
  async (t) => {
    const p = pair!;
    t.true(p.backend.alive() && p.frontend.alive());
    const { frontend, backend } = await p.stop();
    t.is(frontend.code, 0);
    t.is(backend.code, 0);
    const lines = p
      .output()
      .split('\n')
      .filter((l) => l.trim() !== '');
    const bad = lines.filter(
      (l) =>
        // 503s are logged at ERROR by the request log (the start-up probes and the proxy issue
        // below); anything else at ERROR is a finding.
        (/"severity":"(ERROR|CRITICAL|ALERT|EMERGENCY)"/.test(l) &&
          !/"status":503/.test(l) &&
          !parseErrorLine(l)) ||
        /uncaught|unhandled/i.test(l) ||
        !l.startsWith('{'),
    );
    // Allowed by the rule (503 is the one 5xx permitted) but worth knowing: see docs/reliability.md,
    // "503 for a request with a body on a reused proxy connection".
    if (unavailable.length > 0)
      t.log(`answered 503 although the backend was up:\n${unavailable.join('\n')}`);
    t.deepEqual(bad, [], 'no error, crash or non-JSON line in either log');
    const parseErrors = lines.filter(parseErrorLine).length;
    if (parseErrors > 0)
      t.log(`${parseErrors} client parse errors logged at ERROR by the frontend`);
    t.log(
      `${results.requests} fuzzed requests (${JSON.stringify(Object.fromEntries([...results.byStatus].sort((a, b) => a[0] - b[0])))}), of which ${results.nodeLevel} answered by Node's parser; ${results.raw} raw inputs`,
    );
  },
);
