/**
 * The backend under storage faults (the real embedded adapters wrapped with fault injection):
 * outages give 503 with Retry-After and leave nothing orphaned; corrupted content never reaches
 * a client as if it were right; health follows the dependencies. Also the seed's property 4 and
 * "malformed requests never give a 5xx other than 503" over any dependency state.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect } from 'node:net';
import { FileDocumentStore, FsBlobStore, type Stores } from '../../../server/storage/index.ts';
import { healthReport, HealthMonitor } from '../../../server/backend/health.ts';
import { withFaults, type BlobOp, type DocumentOp, type Faults } from '../storage/faults.ts';
import { startTestBackend } from './harness.ts';
import { assertConsistent } from './routes-suite.ts';
import { malformedRequest, send } from './malformed.ts';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => unhandled.push(reason));

const dirs: string[] = [];
test.after.always(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
test.after('no unhandled rejection happened in any test', (t) => {
  t.deepEqual(unhandled, []);
});

async function embedded(): Promise<Stores> {
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-faults-'));
  dirs.push(dataDir);
  const [documents, blobs] = await Promise.all([
    FileDocumentStore.open({ dataDir }),
    FsBlobStore.open({ dataDir }),
  ]);
  return { documents, blobs };
}

async function start(
  t: { teardown: (fn: () => Promise<void>) => void },
  before: (faults: Faults) => void = () => {},
) {
  const { stores, faults } = withFaults(await embedded());
  // Faults wanted from the start are set before the backend runs its first (warm-up) check.
  before(faults);
  const api = await startTestBackend(stores);
  t.teardown(() => api.stop());
  return { api, faults };
}

const ERROR_SHAPE = (body: any) =>
  typeof body?.error?.code === 'string' && typeof body.error.message === 'string';

test('Firestore down: create is 503 with Retry-After and writes nothing', async (t) => {
  const { api, faults } = await start(t);
  faults.documentsDown.add('query');
  faults.documentsDown.add('create');
  const res = await api.create({ title: 't', content: 'c' });
  t.is(res.status, 503);
  t.is(res.headers.get('retry-after'), '2');
  t.deepEqual(res.body.error, {
    code: 'unavailable',
    message: 'the document database is unavailable; retry shortly',
    details: { dependency: 'firestore' },
  });
  faults.heal();
  await assertConsistent(t, api.stores);
  t.deepEqual(await api.stores.blobs.list('knowledge/'), []);
});

test('metadata write fails after the content landed: the content stays for the sweep', async (t) => {
  const { api, faults } = await start(t);
  faults.documentsDown.add('create');
  const res = await api.create({ title: 't', content: 'c' });
  t.is(res.status, 503);
  t.is(faults.calls.get('blobs.putIfAbsent'), 1, 'the content was written first');
  t.is(faults.calls.get('blobs.delete'), undefined, 'and not deleted: the write may still land');
  faults.heal();
  t.is((await api.stores.blobs.list('knowledge/')).length, 1);
  t.deepEqual(
    await api.app.backend.service.sweepOrphans(60_000),
    [],
    'young objects are left alone',
  );
  t.deepEqual(await api.app.backend.service.sweepOrphans(0, 0), [], 'outside the window: kept');
  t.is((await api.app.backend.service.sweepOrphans(0)).length, 1, 'old unreferenced ones go');
  t.is((await api.create({ title: 't', content: 'c' })).status, 201, 'a retry succeeds');
  await assertConsistent(t, api.stores);
  t.true(api.logs().some((l) => String(l['message']).includes('left for the orphan sweep')));
});

test('metadata write lands but its answer is lost: 201, and the content is kept', async (t) => {
  const { api, faults } = await start(t);
  faults.documentsLostAnswer.add('create');
  const res = await api.create({ title: 't', content: 'lost answer' });
  t.is(res.status, 201);
  faults.heal();
  t.deepEqual((await api.json(`/api/knowledge/${res.body.id}`)).body, res.body);
  t.is(await (await api.fetch(`/api/knowledge/${res.body.id}/content`)).text(), 'lost answer');
  t.deepEqual(await api.app.backend.service.sweepOrphans(0), [], 'nothing is an orphan');
  await assertConsistent(t, api.stores);
});

test('storage down: create is 503 and no metadata is written', async (t) => {
  const { api, faults } = await start(t);
  faults.blobsDown.add('putIfAbsent');
  const res = await api.create({ title: 't', content: 'c' });
  t.is(res.status, 503);
  t.is(res.body.error.details.dependency, 'storage');
  t.is(faults.calls.get('documents.create'), undefined);
  faults.heal();
  t.deepEqual((await api.json('/api/knowledge')).body.items, []);
});

test('delete interrupted after the metadata: 503, and repeating it finishes the job', async (t) => {
  const { api, faults } = await start(t);
  const { body: doc } = await api.create({ title: 't', content: 'c' });
  faults.blobsDown.add('delete');
  const first = await api.fetch(`/api/knowledge/${doc.id}`, { method: 'DELETE' });
  t.is(first.status, 503);
  t.is((await api.json(`/api/knowledge/${doc.id}`)).status, 404, 'gone from the API at once');
  faults.heal();
  t.is((await api.fetch(`/api/knowledge/${doc.id}`, { method: 'DELETE' })).status, 204);
  t.deepEqual(await api.stores.blobs.list('knowledge/'), []);
});

async function rawGet(
  url: string,
): Promise<{ status: number; length: string | undefined; received: Buffer; aborted: boolean }> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      let aborted = false;
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('aborted', () => (aborted = true));
      res.on('error', () => (aborted = true));
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          length: res.headers['content-length'],
          received: Buffer.concat(chunks),
          aborted: aborted || !res.complete,
        }),
      );
    });
    // Reset before any byte of the response: as good as an abort for the client.
    req.on('error', () =>
      resolve({ status: 0, length: undefined, received: Buffer.alloc(0), aborted: true }),
    );
    req.end();
  });
}

for (const [label, corrupt] of [
  ['same length', 'Xbcdefgh'],
  ['shorter', 'abc'],
  ['longer', 'abcdefghijk'],
] as const) {
  test(`content that no longer matches its hash (${label}) is never delivered whole`, async (t) => {
    const { api, faults } = await start(t);
    const { body: doc } = await api.create({ title: 't', content: 'abcdefgh' });
    faults.corruptReads = Buffer.from(corrupt);
    const res = await rawGet(`${api.url}/api/knowledge/${doc.id}/content`);
    t.true(res.status === 200 || res.status === 0, `status ${res.status}`);
    t.true(res.aborted, 'the response is cut off');
    t.true(res.received.length < 8, `received ${res.received.length} of 8 bytes`);
    await new Promise((r) => setTimeout(r, 50));
    t.true(
      api.logs().some((l) => l['severity'] === 'ERROR' && /integrity/.test(JSON.stringify(l))),
    );
    faults.heal();
    t.is(await (await api.fetch(`/api/knowledge/${doc.id}/content`)).text(), 'abcdefgh');
  });
}

test('health: 503 naming the failed dependency, 200 again once it is back', async (t) => {
  const { api, faults } = await start(t, (f) => f.documentsDown.add('ping'));
  const down = await api.json('/api/health');
  t.is(down.status, 503);
  t.is(down.body.status, 'unhealthy');
  t.like(down.body.checks, {
    firestore: { status: 'error', error: 'unavailable' },
    storage: { status: 'ok' },
  });
  faults.heal();
  // The result is cached for ~2 s: poll (generously) until the next check sees the recovery.
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline && status !== 200) {
    status = (await api.json('/api/health')).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  t.is(status, 200);
});

test('health checks are cached and shared between concurrent probes', async (t) => {
  let pings = 0;
  let now = 1_000_000;
  const probe = { adapter: 'x', ping: async () => void pings++, close: async () => {} };
  const monitor = new HealthMonitor({ probes: { a: probe }, cacheMs: 2000, clock: () => now });
  await Promise.all(Array.from({ length: 10 }, () => monitor.checks()));
  t.is(pings, 1, 'concurrent probes share one check');
  now += 1999;
  await monitor.checks();
  t.is(pings, 1, 'reused within the cache lifetime');
  now += 1;
  await monitor.checks();
  t.is(pings, 2, 'run again once it expired');
});

test('health: a dependency that never answers is reported as a timeout', async (t) => {
  const hang = { adapter: 'x', ping: () => new Promise<void>(() => {}), close: async () => {} };
  const monitor = new HealthMonitor({ probes: { a: hang }, timeoutMs: 50 });
  const checks = await monitor.checks();
  t.like(checks['a'], { status: 'error', error: 'timeout' });
});

const checkArb = fc.record({
  status: fc.constantFrom('ok' as const, 'error' as const),
  adapter: fc.constantFrom('firestore', 'gcs', 'embedded'),
  latencyMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  checkedAt: fc
    .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
    .map((d) => d.toISOString()),
});

testProp(
  'seed property 4: the health report has a valid status, timestamp and version for any dependency state',
  [
    fc.dictionary(fc.constantFrom('firestore', 'storage', 'other'), checkArb, {
      noNullPrototype: true,
    }),
    fc.string({ minLength: 1 }),
    fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }),
    fc.nat({ max: 1e9 }),
    fc.boolean(),
  ],
  (t, checks, version, now, uptimeMs, draining) => {
    const { httpStatus, body } = healthReport({
      checks: checks,
      version,
      now,
      startedAt: new Date(now.getTime() - uptimeMs),
      draining,
    });
    const allOk = Object.values(checks).every((c) => c.status === 'ok');
    t.true(body.status === 'healthy' || body.status === 'unhealthy');
    t.is(body.status === 'healthy', allOk && !draining);
    t.is(httpStatus, body.status === 'healthy' ? 200 : 503);
    t.regex(body.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    t.is(new Date(body.timestamp).toISOString(), body.timestamp);
    t.is(body.version, version);
    t.true(body.uptimeSeconds >= 0 && Math.abs(body.uptimeSeconds - uptimeMs / 1000) < 0.001);
    t.deepEqual(body.checks, checks);
  },
);

const docOps: DocumentOp[] = ['ping', 'get', 'create', 'update', 'delete', 'query'];
const blobOps: BlobOp[] = ['ping', 'putIfAbsent', 'read', 'delete', 'list'];

testProp(
  'seed property 4 over HTTP: any combination of failing dependencies gives a well-formed 200/503',
  [fc.subarray(docOps), fc.subarray(blobOps)],
  async (t, docsDown, blobsDown) => {
    const { stores, faults } = withFaults(await embedded());
    docsDown.forEach((op) => faults.documentsDown.add(op));
    blobsDown.forEach((op) => faults.blobsDown.add(op));
    const api = await startTestBackend(stores);
    try {
      const res = await api.json('/api/health');
      const healthy = !docsDown.includes('ping') && !blobsDown.includes('ping');
      t.is(res.status, healthy ? 200 : 503);
      t.is(res.body.status, healthy ? 'healthy' : 'unhealthy');
      t.is(new Date(res.body.timestamp).toISOString(), res.body.timestamp);
      t.is(res.body.version, '9.9.9-test');
      t.is(res.body.checks.firestore.status, docsDown.includes('ping') ? 'error' : 'ok');
      t.is(res.body.checks.storage.status, blobsDown.includes('ping') ? 'error' : 'ok');
    } finally {
      await api.stop();
    }
  },
  { numRuns: 30 },
);

testProp(
  'random malformed requests never produce a 5xx other than 503, and errors keep one shape',
  [
    fc.array(malformedRequest, { minLength: 1, maxLength: 8 }),
    fc.subarray(docOps),
    fc.subarray(blobOps),
  ],
  async (t, requests, docsDown, blobsDown) => {
    const { stores, faults } = withFaults(await embedded());
    const api = await startTestBackend(stores);
    try {
      // A real document, so some random requests hit existing data.
      await api.create({ title: 'seed', content: 'seed' });
      docsDown.forEach((op) => faults.documentsDown.add(op));
      blobsDown.forEach((op) => faults.blobsDown.add(op));
      for (const req of requests) {
        const res = await send(api.url, req);
        const where = `${req.method} ${req.path} ${JSON.stringify(req.headers)} -> ${res.status} ${res.body.toString().slice(0, 200)}`;
        t.true(res.status < 500 || res.status === 503, where);
        if (res.status === 503 && !req.path.startsWith('/api/health'))
          t.truthy(res.headers['retry-after'], where);
        if (res.status >= 400 && req.method !== 'HEAD') {
          t.regex(String(res.headers['content-type']), /^application\/json/, where);
          const body = JSON.parse(res.body.toString()) as unknown;
          if (!req.path.startsWith('/api/health')) t.true(ERROR_SHAPE(body), where);
          t.false(res.body.toString().includes('    at '), `no stack: ${where}`);
        }
      }
      // 503s are logged at ERROR by the request logger; anything else at ERROR would be a bug.
      const errors = api
        .logs()
        .filter((l) => l['severity'] === 'ERROR' && (l as any).httpRequest?.status !== 503);
      t.deepEqual(errors, [], 'no internal error was logged');
    } finally {
      await api.stop();
    }
  },
  { numRuns: 60 },
);

test('a request Node cannot parse gets the JSON error shape too', async (t) => {
  const { api } = await start(t);
  const { port } = new URL(api.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.end('GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
    );
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  t.regex(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
  t.regex(raw, /content-type: application\/json/i);
  t.is(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code, 'bad_request');
});

/** Sends a whole oversized request over a raw socket, then reads until the server answers. */
function sendOversized(url: string, chunked: boolean): Promise<{ text: string; reset: boolean }> {
  const { port } = new URL(url);
  const body = Buffer.alloc(8 * 1024 * 1024, 'x');
  return new Promise((resolve) => {
    let text = '';
    let reset = false;
    const socket = connect(Number(port), '127.0.0.1', () => void sendAll());
    // Read nothing until everything is sent: a reset arriving meanwhile would discard the answer.
    socket.pause();
    const sendAll = async () => {
      socket.write(
        'POST /api/knowledge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
          (chunked
            ? 'Transfer-Encoding: chunked\r\n\r\n'
            : `Content-Length: ${body.length}\r\n\r\n`),
      );
      // Keep sending after the server has refused, as a streaming proxy does.
      for (let offset = 0; offset < body.length; offset += 64 * 1024) {
        const piece = body.subarray(offset, offset + 64 * 1024);
        const data = chunked
          ? Buffer.concat([
              Buffer.from(`${piece.length.toString(16)}\r\n`),
              piece,
              Buffer.from('\r\n'),
            ])
          : piece;
        if (!socket.write(data)) await new Promise((r) => socket.once('drain', r));
        if (socket.destroyed) break;
      }
      if (chunked && !socket.destroyed) socket.write('0\r\n\r\n');
      await new Promise((r) => setImmediate(r));
      socket.resume();
    };
    socket.on('data', (c: Buffer) => {
      text += c.toString();
      if (text.includes('\r\n\r\n') && text.includes('}}')) socket.end();
    });
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ text, reset }));
  });
}

for (const chunked of [false, true]) {
  test(`an oversized ${chunked ? 'chunked' : 'declared'} body gets its 413 even while the client keeps sending`, async (t) => {
    const { api } = await start(t);
    const { text, reset } = await sendOversized(api.url, chunked);
    t.false(reset, 'no connection reset');
    t.regex(text, /^HTTP\/1\.1 413 /);
    t.regex(text, /"payload_too_large"/);
  });
}
