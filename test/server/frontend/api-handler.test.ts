/**
 * The `/api` fast path in front of Koa: it must route exactly what Koa would call an `/api` path
 * to the same backend path, and log proxied successes below info (the backend logs them) while
 * the frontend's own failures keep their line.
 */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import Koa from 'koa';
import { IncomingMessage, ServerResponse, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { apiLogLevel, apiRequestTarget } from '../../../server/frontend/api-handler.ts';
import { HOP_BY_HOP, connectionScopedNames } from '../../../server/frontend/headers.ts';
import { isApiPath } from '../../../server/frontend/security.ts';
import { freePort } from '../../helpers/net.ts';
import { rawRequest, startBackendStub, startTestFrontend, until } from './helpers.ts';

/** What Koa makes of a request target: `[ctx.path, ctx.querystring]`. */
function koaView(url: string): [string, string] {
  const req = new IncomingMessage(new Socket());
  req.url = url;
  const ctx = new Koa().createContext(req, new ServerResponse(req));
  return [ctx.path, ctx.querystring];
}

// Request targets near the `/api` boundary, with the characters that change how Koa parses them.
const piece = fc.constantFrom(
  '/api',
  '/apiary',
  '/',
  'api',
  '?',
  '&',
  '=',
  '#',
  ' ',
  '\t',
  '%2F',
  '..',
  '.',
  'x',
  'knowledge',
  '\u00a0',
);
const url = fc.oneof(
  fc.array(piece, { maxLength: 8 }).map((parts) => `/api${parts.join('')}`),
  fc.array(piece, { maxLength: 8 }).map((parts) => parts.join('')),
  fc.webUrl({ withQueryParameters: true }),
);

testProp(
  'the fast path takes only what Koa calls an /api path, with the same path and query',
  [url],
  (t, target) => {
    const [path, query] = koaView(target);
    const fast = apiRequestTarget(target);
    if (fast !== undefined) {
      t.true(isApiPath(path), `${target} is an /api path for Koa too`);
      t.is(fast, path + (query ? `?${query}` : ''));
    } else if (target.startsWith('/') && !/[\t\n\f\r #\u00a0\ufeff]/.test(target)) {
      // Plain origin-form targets are never left to Koa when they are /api paths.
      t.false(isApiPath(path), `${target} should take the fast path`);
    } else t.pass('an unusual target: Koa decides');
  },
);

test('the fast path: /api and below, query kept, an empty query dropped, pages left to Koa', (t) => {
  t.is(apiRequestTarget('/api'), '/api');
  t.is(apiRequestTarget('/api/'), '/api/');
  t.is(apiRequestTarget('/api?x=1'), '/api?x=1');
  t.is(apiRequestTarget('/api/knowledge?q=a%20b&tag=x'), '/api/knowledge?q=a%20b&tag=x');
  t.is(apiRequestTarget('/api/knowledge?'), '/api/knowledge');
  t.is(apiRequestTarget('/api/knowledge??'), '/api/knowledge??');
  for (const page of ['/', '/apiary', '/upload', '/api#x', 'http://h/api/x', undefined])
    t.is(apiRequestTarget(page), undefined, String(page));
});

test('log levels of /api exchanges: successes at debug, client errors and aborts at warn, 5xx at error', (t) => {
  t.is(apiLogLevel(200, false), 'debug');
  t.is(apiLogLevel(304, false), 'debug');
  t.is(apiLogLevel(200, true), 'warn');
  t.is(apiLogLevel(404, false), 'warn');
  t.is(apiLogLevel(503, false), 'error');
  t.is(apiLogLevel(504, true), 'error');
});

/** The definition of connection-scoped names, without the shortcut. */
function scopedByDefinition(headers: IncomingHttpHeaders): Set<string> {
  const names = new Set(HOP_BY_HOP);
  const connection = headers['connection'] as string | string[] | undefined;
  for (const value of typeof connection === 'string' ? [connection] : (connection ?? []))
    for (const token of value.split(','))
      if (token.trim() !== '') names.add(token.trim().toLowerCase());
  return names;
}

testProp(
  'connection-scoped names: the no-copy shortcut gives the same answer as the definition',
  [
    fc.option(
      fc.oneof(
        fc.constantFrom('keep-alive', 'close', 'Keep-Alive', 'close, x-a', 'upgrade'),
        fc.stringMatching(/^[a-zA-Z-]{1,10}(, ?[a-zA-Z-]{1,10}){0,2}$/),
      ),
      { nil: undefined },
    ),
    fc.subarray(['close', 'x-a', 'upgrade', 'keep-alive']),
  ],
  (t, connection, present) => {
    const headers: IncomingHttpHeaders = Object.fromEntries(present.map((n) => [n, 'v']));
    if (connection !== undefined) headers['connection'] = connection;
    const expected = scopedByDefinition(headers);
    const actual = connectionScopedNames(headers);
    // Callers only ask about fields that are present (and the fixed list).
    for (const name of [...Object.keys(headers), ...HOP_BY_HOP])
      t.is(actual.has(name), expected.has(name), name);
  },
);

test('proxied successes are logged at debug only; the frontend’s own failures at error, with the request id', async (t) => {
  const stub = new Koa();
  stub.use(async (ctx) => {
    ctx.status = ctx.path === '/api/missing' ? 404 : 200;
    ctx.body = { path: ctx.path };
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });
  const ok = await rawRequest(`${frontend.url}/api/knowledge`, {
    headers: { 'x-request-id': 'req-ok-1' },
  });
  t.is(ok.status, 200);
  const missing = await rawRequest(`${frontend.url}/api/missing`, {
    headers: { 'x-request-id': 'req-404-1' },
  });
  t.is(missing.status, 404);
  const requestLines = () =>
    frontend.logs.json().filter((l) => l['httpRequest'] !== undefined) as {
      severity?: string;
      requestId?: string;
      httpRequest: { status: number; requestUrl: string };
    }[];
  await until(() => requestLines().length >= 2, 'both request lines');
  const byId = new Map(requestLines().map((l) => [l.requestId, l]));
  t.is(byId.get('req-ok-1')?.severity, 'DEBUG');
  t.is(byId.get('req-ok-1')?.httpRequest.status, 200);
  t.is(byId.get('req-404-1')?.severity, 'WARNING');
  t.false(
    frontend.logs.json().some((l) => l['severity'] === 'INFO' && l['httpRequest'] !== undefined),
    'no proxied request at info',
  );

  // The backend is gone: the 503 the frontend answers itself is logged at error.
  const port = await freePort();
  const orphan = await startTestFrontend(`http://127.0.0.1:${port}`);
  t.teardown(() => orphan.close());
  const down = await rawRequest(`${orphan.url}/api/health?probe=1`, {
    headers: { 'x-request-id': 'req-down-1' },
  });
  t.is(down.status, 503);
  t.is(down.headers['x-request-id'], 'req-down-1');
  await until(
    () => orphan.logs.json().some((l) => l['requestId'] === 'req-down-1' && l['httpRequest']),
    'the failure line',
  );
  const failure = orphan.logs
    .json()
    .find((l) => l['requestId'] === 'req-down-1' && l['httpRequest']) as {
    severity: string;
    httpRequest: { status: number; requestUrl: string; requestMethod: string };
  };
  t.is(failure.severity, 'ERROR');
  t.is(failure.httpRequest.status, 503);
  t.is(failure.httpRequest.requestUrl, '/api/health?probe=1');
  t.is(failure.httpRequest.requestMethod, 'GET');
});

test('HEAD to an unreachable backend: 503 with the JSON length and no body', async (t) => {
  const frontend = await startTestFrontend(`http://127.0.0.1:${await freePort()}`);
  t.teardown(() => frontend.close());
  const res = await rawRequest(`${frontend.url}/api/health`, { method: 'HEAD' });
  t.is(res.status, 503);
  t.is(res.headers['retry-after'], '1');
  t.is(res.body.length, 0);
  t.true(Number(res.headers['content-length']) > 0);
  t.is(res.headers['x-content-type-options'], 'nosniff');
});
