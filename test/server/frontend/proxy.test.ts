import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import test from 'ava';
import Koa from 'koa';
import { freePort } from '../../helpers/net.ts';
import { rawRequest, startBackendStub, startTestFrontend, until } from './helpers.ts';

test('a large upload streams through: the backend sees bytes before the client has finished', async (t) => {
  let received = 0;
  const hash = createHash('sha256');
  const stub = new Koa();
  stub.use(async (ctx) => {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      received += chunk.length;
      hash.update(chunk);
    }
    ctx.body = { received, sha256: hash.digest('hex'), te: ctx.get('transfer-encoding') };
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });

  const chunk = randomBytes(1024 * 1024);
  const total = 48;
  const sent = createHash('sha256');
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      `${frontend.url}/api/upload`,
      { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    void (async () => {
      // First megabyte, then wait until the backend has seen it: a proxy that buffered the
      // whole body would never forward anything before the end, and this would time out.
      req.write(chunk);
      sent.update(chunk);
      await until(() => received > 0, 'the first bytes to reach the backend');
      t.true(received < total * chunk.length);
      for (let i = 1; i < total; i += 1) {
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        sent.update(chunk);
      }
      req.end();
    })().catch(reject);
  });
  const { status, body } = await response;
  t.is(status, 200);
  const parsed = JSON.parse(body);
  t.is(parsed.received, total * chunk.length);
  t.is(parsed.sha256, sent.digest('hex'));
  t.is(parsed.te, 'chunked', 'an unknown-length upload stays chunked, not collected to a length');
});

test('a slow streamed response reaches the client piece by piece', async (t) => {
  let releaseSecond!: () => void;
  const secondMayGo = new Promise<void>((resolve) => (releaseSecond = resolve));
  const stub = new Koa();
  stub.use(async (ctx) => {
    ctx.respond = false;
    ctx.res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    ctx.res.write('first piece\n');
    await secondMayGo;
    ctx.res.end('second piece\n');
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });

  const pieces: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const req = request(`${frontend.url}/api/stream`, { agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (piece: string) => {
        pieces.push(piece);
        // The backend only sends the rest after the first piece has reached us.
        if (pieces.length === 1) releaseSecond();
      });
      res.on('end', resolve);
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  t.is(pieces[0], 'first piece\n');
  t.is(pieces.join(''), 'first piece\nsecond piece\n');
});

test('trace context and request id are forwarded, X-Forwarded-* set, hop-by-hop dropped', async (t) => {
  let seen: Record<string, string | string[] | undefined> = {};
  let seenUrl = '';
  const stub = new Koa();
  stub.use(async (ctx) => {
    seen = { ...ctx.headers };
    seenUrl = ctx.url;
    ctx.set('X-Backend', 'yes');
    ctx.set('Content-Security-Policy', 'default-src *');
    ctx.set('Keep-Alive', 'timeout=65');
    ctx.body = { ok: true };
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });

  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const cloudTrace = '4bf92f3577b34da6a3ce929d0e0e4736/123;o=1';
  const res = await rawRequest(`${frontend.url}/api/knowledge?q=a%20b&tag=x`, {
    headers: {
      traceparent,
      tracestate: 'vendor=1',
      'x-cloud-trace-context': cloudTrace,
      'x-request-id': 'req-abc-1',
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'elevendops-abc.a.run.app',
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'must not pass',
      'proxy-authorization': 'Basic c2VjcmV0',
      'x-custom': 'passes',
    },
  });
  t.is(res.status, 200);
  t.is(seenUrl, '/api/knowledge?q=a%20b&tag=x');
  t.is(seen['traceparent'], traceparent);
  t.is(seen['tracestate'], 'vendor=1');
  t.is(seen['x-cloud-trace-context'], cloudTrace);
  t.is(seen['x-request-id'], 'req-abc-1');
  t.is(seen['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  t.is(seen['x-forwarded-proto'], 'https');
  t.is(seen['x-forwarded-host'], 'elevendops-abc.a.run.app');
  t.is(seen['host'], `127.0.0.1:${backend.port}`);
  t.is(seen['x-custom'], 'passes');
  t.is(seen['x-secret-hop'], undefined);
  t.is(seen['proxy-authorization'], undefined);
  // Response: the backend's own headers pass, the frontend's security headers win.
  t.is(res.headers['x-backend'], 'yes');
  t.is(res.headers['x-request-id'], 'req-abc-1');
  t.is(
    res.headers['content-security-policy'],
    "default-src 'none'; frame-ancestors 'none'; sandbox",
  );
  t.is(res.headers['x-content-type-options'], 'nosniff');
  t.regex(String(res.headers['strict-transport-security']), /max-age=\d+/);
  t.deepEqual(JSON.parse(res.body.toString()), { ok: true });

  // Without a caller's request id, the proxy makes one and both sides agree on it.
  const fresh = await rawRequest(`${frontend.url}/api/x`, {
    headers: { host: 'example.test:8080' },
  });
  t.regex(String(fresh.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  t.is(seen['x-request-id'], fresh.headers['x-request-id']);
  t.is(seen['x-forwarded-for'], '127.0.0.1');
  t.is(seen['x-forwarded-proto'], 'http');
  t.is(seen['x-forwarded-host'], 'example.test:8080');
  t.is(fresh.headers['strict-transport-security'], undefined);
});

test('backend down: 503 JSON with Retry-After: 1 at once; back up: requests pass again', async (t) => {
  const port = await freePort();
  const frontend = await startTestFrontend(`http://127.0.0.1:${port}`);
  t.teardown(() => frontend.close());

  for (const [method, body] of [
    ['GET', undefined],
    ['POST', '{"title":"x"}'],
    ['DELETE', undefined],
  ] as const) {
    const started = Date.now();
    const res = await rawRequest(`${frontend.url}/api/health`, {
      method,
      ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
    });
    t.is(res.status, 503, method);
    t.is(res.headers['retry-after'], '1');
    t.regex(String(res.headers['content-type']), /^application\/json/);
    t.deepEqual(JSON.parse(res.body.toString()).error.code, 'backend_unavailable');
    t.truthy(JSON.parse(res.body.toString()).error.message);
    // Generous bound (a loaded CI box): the point is "no hang", not a latency figure.
    t.true(Date.now() - started < 5000, `${method} answered promptly`);
  }

  const stub = new Koa();
  stub.use(async (ctx) => {
    ctx.body = { status: 'healthy' };
  });
  const backend = await startBackendStub(stub, port);
  t.teardown(() => backend.close());
  const res = await rawRequest(`${frontend.url}/api/health`);
  t.is(res.status, 200);

  // Restart: pooled keep-alive sockets die with the old process; requests still get through.
  await fetch(`${frontend.url}/api/health`).then((r) => r.text());
  await backend.close();
  const during = await rawRequest(`${frontend.url}/api/health`);
  t.is(during.status, 503);
  const again = await startBackendStub(stub, port);
  t.teardown(() => again.close());
  const after = await rawRequest(`${frontend.url}/api/health`);
  t.is(after.status, 200);
});

test('a backend that accepts but never answers gets a 504 JSON, not a hang', async (t) => {
  const stub = new Koa();
  stub.use(() => new Promise<void>(() => undefined));
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url, { proxy: { idleTimeoutMs: 300 } });
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });
  const res = await rawRequest(`${frontend.url}/api/slow`);
  t.is(res.status, 504);
  t.is(JSON.parse(res.body.toString()).error.code, 'backend_timeout');
});

test('a backend dying mid-response truncates the response (detectable), never hangs', async (t) => {
  const stub = new Koa();
  stub.use(async (ctx) => {
    ctx.respond = false;
    ctx.res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    ctx.res.write('partial');
    setTimeout(() => ctx.req.socket.destroy(), 20);
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });
  const error = await t.throwsAsync(rawRequest(`${frontend.url}/api/partial`));
  t.truthy(error);
});

test('a client abandoning an upload aborts the upstream request too', async (t) => {
  let backendSawAbort = false;
  let backendGotBytes = 0;
  const stub = new Koa();
  stub.use(async (ctx) => {
    ctx.req.on('aborted', () => (backendSawAbort = true));
    ctx.req.on('error', () => (backendSawAbort = true));
    ctx.req.on('data', (c: Buffer) => (backendGotBytes += c.length));
    await new Promise((r) => ctx.req.once('close', r));
    ctx.body = 'never read';
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });
  const req = request(`${frontend.url}/api/upload`, { method: 'POST', agent: false });
  req.on('error', () => undefined);
  req.write(Buffer.alloc(64 * 1024, 1));
  await until(() => backendGotBytes > 0, 'bytes at the backend');
  req.destroy();
  await until(() => backendSawAbort, 'the backend to see the abort');
  t.pass();
});

test('an early answer (413) from the backend reaches the client while the upload still streams', async (t) => {
  const stub = new Koa();
  stub.use(async (ctx) => {
    // Answer at once, before the upload is over, and discard the rest of the body (what a
    // well-behaved server does so the answer is not lost to a TCP reset).
    ctx.req.resume();
    ctx.status = 413;
    ctx.body = { error: { code: 'payload_too_large', message: 'too big' } };
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });
  const res = await rawRequest(`${frontend.url}/api/knowledge`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: Buffer.alloc(8 * 1024 * 1024, 7),
  });
  t.is(res.status, 413);
  t.is(JSON.parse(res.body.toString()).error.code, 'payload_too_large');
});

test('status codes, HEAD and empty bodies pass through unchanged', async (t) => {
  const stub = new Koa();
  stub.use(async (ctx) => {
    if (ctx.path === '/api/gone') {
      ctx.status = 204;
      return;
    }
    if (ctx.path === '/api/cached') {
      ctx.status = 304;
      ctx.set('ETag', '"abc"');
      return;
    }
    ctx.status = 404;
    ctx.body = { error: { code: 'not_found', message: 'no such document' } };
  });
  const backend = await startBackendStub(stub);
  const frontend = await startTestFrontend(backend.url);
  t.teardown(async () => {
    await frontend.close();
    await backend.close();
  });
  t.is((await rawRequest(`${frontend.url}/api/gone`, { method: 'DELETE' })).status, 204);
  const cached = await rawRequest(`${frontend.url}/api/cached`);
  t.is(cached.status, 304);
  t.is(cached.headers['etag'], '"abc"');
  const missing = await rawRequest(`${frontend.url}/api/knowledge/zzz`);
  t.is(missing.status, 404);
  t.is(JSON.parse(missing.body.toString()).error.code, 'not_found');
  const head = await rawRequest(`${frontend.url}/api/knowledge/zzz`, { method: 'HEAD' });
  t.is(head.status, 404);
  t.is(head.body.length, 0);
});

test('a pooled connection that dies under a request: GET is re-sent once, POST gets 503', async (t) => {
  // A raw TCP backend stub that answers the first request on each connection (keep-alive) and
  // drops the connection when a second one arrives on it: what a backend closing an idle
  // socket at the moment the proxy reuses it looks like.
  const { createServer } = await import('node:net');
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    let served = 0;
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        buffer = buffer.slice(buffer.indexOf('\r\n\r\n') + 4);
        if (served++ === 0)
          socket.write(
            'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: keep-alive\r\n\r\n{"ok":true}',
          );
        else socket.destroy();
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const frontend = await startTestFrontend(`http://127.0.0.1:${port}`);
  t.teardown(async () => {
    await frontend.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  t.is((await rawRequest(`${frontend.url}/api/a`)).status, 200);
  const retried = await rawRequest(`${frontend.url}/api/b`);
  t.is(retried.status, 200, 'the GET went out again on a fresh connection');
  t.is(connections, 2);

  const post = await rawRequest(`${frontend.url}/api/c`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.is(post.status, 503, 'a request with a body is never sent twice');
  t.is(post.headers['retry-after'], '1');
});
