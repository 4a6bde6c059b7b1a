import test from 'ava';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../../server/logging/logger.ts';
import { formatLatency, requestIdFrom, requestLogger } from '../../../server/logging/http.ts';
import { captureLines } from '../../helpers/log-capture.ts';

async function serve(app: Koa): Promise<{ url: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

test('each request is logged once, after the response, with httpRequest and its trace', async (t) => {
  const out = captureLines();
  const logger = createLogger({ component: 'backend', projectId: 'my-project', destination: out });
  const app = new Koa();
  app.use(requestLogger(logger));
  app.use(async (ctx) => {
    logger.info('handling');
    ctx.status = ctx.path === '/missing' ? 404 : 200;
    ctx.body = ctx.path === '/missing' ? { error: 'nope' } : 'hello world';
  });
  const server = await serve(app);
  t.teardown(server.close);

  const res = await fetch(`${server.url}/hello?x=1`, {
    method: 'POST',
    body: 'abc',
    headers: {
      'user-agent': 'ava',
      'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/74;o=1',
      'x-request-id': 'req-42',
    },
  });
  t.is(await res.text(), 'hello world');
  t.is(res.headers.get('x-request-id'), 'req-42');
  await fetch(`${server.url}/missing`);
  await new Promise((r) => setTimeout(r, 50));

  const entries = out.json();
  const handling = entries.find((e) => e['message'] === 'handling')!;
  t.is(
    handling['logging.googleapis.com/trace'],
    'projects/my-project/traces/105445aa7843bc8bf206b12000100000',
  );
  t.is(handling['logging.googleapis.com/spanId'], '000000000000004a');
  t.is(handling['logging.googleapis.com/trace_sampled'], true);

  const requests = entries.filter((e) => e['httpRequest'] !== undefined);
  t.is(requests.length, 2);
  const [first, second] = requests as any[];
  t.is(first.httpRequest.requestMethod, 'POST');
  t.is(first.httpRequest.requestUrl, '/hello?x=1');
  t.is(first.httpRequest.status, 200);
  t.is(first.httpRequest.requestSize, '3');
  t.is(first.httpRequest.responseSize, '11');
  t.is(first.httpRequest.userAgent, 'ava');
  t.is(first.httpRequest.remoteIp, '127.0.0.1');
  t.regex(first.httpRequest.latency, /^\d+\.\d{6}s$/);
  t.is(first.requestId, 'req-42');
  t.is(first.severity, 'INFO');
  t.is(second.httpRequest.status, 404);
  t.is(second.severity, 'WARNING');
  t.regex(second.requestId, /^[0-9a-f-]{36}$/);
});

test('request ids: sane ones are kept, anything else is replaced', (t) => {
  t.is(requestIdFrom('abc-123'), 'abc-123');
  t.regex(requestIdFrom('bad id with spaces'), /^[0-9a-f-]{36}$/);
  t.regex(requestIdFrom('x'.repeat(200)), /^[0-9a-f-]{36}$/);
  t.regex(requestIdFrom(undefined), /^[0-9a-f-]{36}$/);
});

test('latency is a protobuf Duration string', (t) => {
  t.is(formatLatency(12_345_678n), '0.012346s');
  t.is(formatLatency(2_000_000_000n), '2.000000s');
});
