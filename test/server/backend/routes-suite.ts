/**
 * The backend's HTTP behaviour, registered once per storage setup: `routes.test.ts` (embedded
 * file stores) and `routes.emulators.test.ts` (Firestore + Cloud Storage emulators through the
 * official clients). Each test starts its own backend on fresh, isolated stores.
 */
import test, { type ExecutionContext } from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { createHash } from 'node:crypto';
import type { Stores } from '../../../server/storage/index.ts';
import { ALLOWED_ORIGIN, MAX_BYTES, startTestBackend, type TestBackend } from './harness.ts';
import { readAll } from '../storage/contract.ts';
import { malformedRequest, send } from './malformed.ts';

export interface SuiteOptions {
  /** fast-check runs for the expensive HTTP properties. @default 40 */
  readonly propertyRuns?: number;
  /** Health check deadline (generous against a cold emulator on a loaded machine). @default 2000 */
  readonly healthTimeoutMs?: number;
}

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');
const DOC_KEYS = [
  'contentType',
  'createdAt',
  'disease',
  'fileName',
  'id',
  'sha256',
  'size',
  'storagePath',
  'tags',
  'title',
  'updatedAt',
];

/** Every metadata record has its content with the recorded hash and size, and vice versa. */
export async function assertConsistent(t: ExecutionContext, stores: Stores): Promise<Set<string>> {
  const docs = await stores.documents.query('knowledge_documents', {
    orderBy: { field: 'sortKey', direction: 'desc' },
    limit: 10_000,
  });
  const blobs = await stores.blobs.list('knowledge/');
  const paths = new Set(blobs.map((b) => b.path));
  for (const doc of docs) {
    const path = doc.data['storagePath'] as string;
    t.true(paths.has(path), `metadata ${doc.id} points at missing content ${path}`);
    const bytes = await readAll((await stores.blobs.read(path))!);
    t.is(sha256(bytes), doc.data['sha256'] as string, `content of ${doc.id} has the recorded hash`);
    paths.delete(path);
  }
  t.deepEqual([...paths], [], 'no content without metadata');
  return new Set(docs.map((d) => d.id));
}

export function backendRouteSuite(
  name: string,
  makeStores: () => Promise<Stores>,
  options: SuiteOptions = {},
): void {
  const runs = options.propertyRuns ?? 40;
  const backendOptions =
    options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs };
  const start = async (t: ExecutionContext): Promise<TestBackend> => {
    const backend = await startTestBackend(await makeStores(), backendOptions);
    t.teardown(() => backend.stop());
    return backend;
  };

  test(`${name}: create, read, list, content and delete one document`, async (t) => {
    const api = await start(t);
    const content =
      '# Metformin\n\nFirst line for *type 2* diabetes. 😀 <script>alert(1)</script>\n';
    const created = await api.create({
      title: '  Type 2 diabetes  ',
      disease: 'diabetes',
      tags: ['guideline', 'metformin', 'guideline'],
      content,
    });
    t.is(created.status, 201);
    const doc = created.body;
    t.deepEqual(Object.keys(doc).sort(), DOC_KEYS);
    t.regex(doc.id, /^[A-Za-z0-9]{20}$/);
    t.is(created.headers.get('location'), `/api/knowledge/${doc.id}`);
    t.is(doc.title, 'Type 2 diabetes');
    t.deepEqual(doc.tags, ['guideline', 'metformin']);
    t.is(doc.size, Buffer.byteLength(content));
    t.is(doc.sha256, sha256(content));
    t.is(doc.contentType, 'text/markdown; charset=utf-8');
    t.is(doc.storagePath, `knowledge/${doc.id}/content.md`);
    t.is(doc.createdAt, doc.updatedAt);
    t.is(new Date(doc.createdAt).toISOString(), doc.createdAt);

    t.deepEqual((await api.json(`/api/knowledge/${doc.id}`)).body, doc);
    const list = await api.json('/api/knowledge');
    t.deepEqual(list.body, { items: [doc], nextBefore: null });

    const res = await api.fetch(`/api/knowledge/${doc.id}/content`);
    t.is(res.status, 200);
    t.is(res.headers.get('content-type'), 'text/markdown; charset=utf-8');
    t.is(res.headers.get('content-length'), String(doc.size));
    t.is(res.headers.get('etag'), `"${doc.sha256}"`);
    t.is(res.headers.get('x-content-sha256'), doc.sha256);
    t.is(
      res.headers.get('repr-digest'),
      `sha-256=:${createHash('sha256').update(content).digest('base64')}:`,
    );
    t.regex(res.headers.get('content-security-policy') ?? '', /sandbox/);
    t.is(await res.text(), content);
    const cached = await api.fetch(`/api/knowledge/${doc.id}/content`, {
      headers: { 'if-none-match': `"${doc.sha256}"` },
    });
    t.is(cached.status, 304);
    const head = await api.fetch(`/api/knowledge/${doc.id}/content`, { method: 'HEAD' });
    t.is(head.status, 200);
    t.is(head.headers.get('content-length'), String(doc.size));

    t.is((await api.fetch(`/api/knowledge/${doc.id}`, { method: 'DELETE' })).status, 204);
    t.is((await api.fetch(`/api/knowledge/${doc.id}`, { method: 'DELETE' })).status, 204);
    const gone = await api.json(`/api/knowledge/${doc.id}`);
    t.is(gone.status, 404);
    t.is(gone.body.error.code, 'not_found');
    t.is((await api.json(`/api/knowledge/${doc.id}/content`)).status, 404);
    t.deepEqual(await api.stores.blobs.list('knowledge/'), []);
  });

  test(`${name}: multipart upload of a .txt file with form fields`, async (t) => {
    const api = await start(t);
    const form = new FormData();
    form.append('title', 'Asthma inhaler technique');
    form.append('disease', 'asthma');
    form.append('tags', 'patient, inhaler');
    form.append('tags', 'howto');
    form.append(
      'file',
      new Blob(['\ufeffStep 1: shake.\r\nStep 2: breathe out.\n']),
      '../../dir/Inhaler guide (v2)?.TXT',
    );
    const res = await api.json('/api/knowledge', { method: 'POST', body: form });
    t.is(res.status, 201, JSON.stringify(res.body));
    t.is(res.body.contentType, 'text/plain; charset=utf-8');
    t.deepEqual(res.body.tags, ['patient', 'inhaler', 'howto']);
    t.is(res.body.fileName, 'Inhaler guide _v2__.TXT');
    t.is(res.body.storagePath, `knowledge/${res.body.id}/Inhaler guide _v2__.TXT`);
    const content = await api.fetch(`/api/knowledge/${res.body.id}/content`);
    t.deepEqual(
      Buffer.from(await content.arrayBuffer()),
      Buffer.from('\ufeffStep 1: shake.\r\nStep 2: breathe out.\n'),
      'the BOM and CRLF are kept byte for byte',
    );
  });

  test(`${name}: client errors name the problem`, async (t) => {
    const api = await start(t);
    const bad = await api.create({ title: ' ', tags: ['ok', 7], content: '', extra: true });
    t.is(bad.status, 400);
    t.is(bad.body.error.code, 'validation_failed');
    t.deepEqual(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort(), [
      '/content',
      '/extra',
      '/tags/1',
      '/title',
    ]);

    const broken = await api.json('/api/knowledge', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title": ',
    });
    t.is(broken.status, 400);
    t.is(broken.body.error.code, 'invalid_json');

    const wrongType = await api.json('/api/knowledge', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    t.is(wrongType.status, 415);
    t.deepEqual(wrongType.body.error.details.accepted, ['application/json', 'multipart/form-data']);

    const pdf = new FormData();
    pdf.append('title', 'x');
    pdf.append('file', new Blob(['%PDF-1.4']), 'paper.pdf');
    t.is((await api.json('/api/knowledge', { method: 'POST', body: pdf })).status, 415);

    const binary = new FormData();
    binary.append('title', 'x');
    binary.append('file', new Blob([new Uint8Array([0xff, 0xfe, 0x00, 0xc3])]), 'notes.md');
    const notUtf8 = await api.json('/api/knowledge', { method: 'POST', body: binary });
    t.is(notUtf8.status, 415);
    t.regex(notUtf8.body.error.message, /UTF-8/);

    const noFile = new FormData();
    noFile.append('title', 'x');
    t.is(
      (await api.json('/api/knowledge', { method: 'POST', body: noFile })).body.error.code,
      'invalid_multipart',
    );

    const big = await api.create({ title: 'big', content: 'é'.repeat(MAX_BYTES / 2 + 1) });
    t.is(big.status, 413);
    t.deepEqual(big.body.error.details, { limitBytes: MAX_BYTES });
    const bigFile = new FormData();
    bigFile.append('title', 'big');
    bigFile.append('file', new Blob(['x'.repeat(MAX_BYTES + 1)]), 'big.md');
    t.is((await api.json('/api/knowledge', { method: 'POST', body: bigFile })).status, 413);
    const exact = await api.create({ title: 'exact', content: 'x'.repeat(MAX_BYTES) });
    t.is(exact.status, 201, 'exactly the limit is accepted');

    const dup = await api.create({ title: 'again', content: 'x'.repeat(MAX_BYTES) });
    t.is(dup.status, 409);
    t.deepEqual(dup.body.error, {
      code: 'duplicate_content',
      message: 'a document with identical content already exists',
      details: { existingId: exact.body.id },
    });

    const route = await api.json('/api/nothing-here');
    t.is(route.status, 404);
    const method = await api.json('/api/knowledge', { method: 'PUT' });
    t.is(method.status, 405);
    t.regex(method.headers.get('allow') ?? '', /GET/);
    t.is(method.body.error.code, 'method_not_allowed');

    for (const query of ['limit=0', 'limit=101', 'limit=abc', 'before=yesterday', 'tag=a&tag=b']) {
      const res = await api.json(`/api/knowledge?${query}`);
      t.is(res.status, 400, query);
      t.is(res.body.error.code, 'validation_failed', query);
    }
    for (const res of [bad, broken, wrongType, big, dup, route, method]) {
      t.false(JSON.stringify(res.body).includes('    at '), 'no stack trace in an error body');
      t.is(res.headers.get('content-type'), 'application/json; charset=utf-8');
    }
  });

  test(`${name}: list is newest first, filters, searches and pages without gaps`, async (t) => {
    const api = await start(t);
    const specs = [
      { title: 'Insulin dosing', disease: 'diabetes', tags: ['dosing'] },
      { title: 'Inhaler guide', disease: 'asthma', tags: ['patient', 'howto'] },
      { title: 'Metformin', disease: 'diabetes', tags: ['guideline'] },
      { title: 'Peak flow diary', disease: 'asthma', tags: ['patient'] },
      { title: 'General hygiene', tags: ['patient'] },
      { title: 'HbA1c targets', disease: 'diabetes', tags: ['guideline', 'targets'] },
      { title: 'Spacer cleaning', disease: 'asthma', tags: ['howto'] },
    ];
    const created: any[] = [];
    for (const [i, spec] of specs.entries()) {
      const res = await api.create({ ...spec, content: `document ${i}` });
      t.is(res.status, 201);
      created.push(res.body);
    }
    const newestFirst = [...created].reverse().map((d) => d.id);
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: any = await api.json(
        `/api/knowledge?limit=3${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`,
      );
      t.is(res.status, 200);
      pages.push(res.body.items.map((d: any) => d.id));
      cursor = res.body.nextBefore;
    } while (cursor);
    t.deepEqual(pages.flat(), newestFirst);
    t.deepEqual(
      pages.map((p) => p.length),
      [3, 3, 1],
    );

    const ids = async (query: string) =>
      (await api.json(`/api/knowledge?${query}`)).body.items.map((d: any) => d.title);
    t.deepEqual(await ids('disease=asthma'), [
      'Spacer cleaning',
      'Peak flow diary',
      'Inhaler guide',
    ]);
    t.deepEqual(await ids('tag=patient'), ['General hygiene', 'Peak flow diary', 'Inhaler guide']);
    t.deepEqual(await ids('disease=asthma&tag=howto'), ['Spacer cleaning', 'Inhaler guide']);
    t.deepEqual(await ids('q=IN'), [
      'Spacer cleaning',
      'HbA1c targets', // tag "guideline"
      'Metformin',
      'Inhaler guide',
      'Insulin dosing',
    ]);
    t.deepEqual(await ids('q=guideline&disease=diabetes'), ['HbA1c targets', 'Metformin']);
    t.deepEqual(await ids('q=zzz'), []);
    const searchPage = await api.json('/api/knowledge?q=in&limit=2');
    t.is(searchPage.body.items.length, 2);
    const rest = await api.json(
      `/api/knowledge?q=in&limit=2&before=${encodeURIComponent(searchPage.body.nextBefore)}`,
    );
    t.deepEqual(
      rest.body.items.map((d: any) => d.title),
      ['Metformin', 'Inhaler guide'],
    );

    const before = await api.json(
      `/api/knowledge?before=${encodeURIComponent(created[3].createdAt)}`,
    );
    t.true(before.body.items.every((d: any) => d.createdAt < created[3].createdAt));

    const stats = await api.json('/api/dashboard/stats');
    t.deepEqual(stats.body, {
      totalDocuments: 7,
      totalBytes: created.reduce((n, d) => n + d.size, 0),
      withoutDisease: 1,
      byDisease: [
        { disease: 'asthma', count: 3 },
        { disease: 'diabetes', count: 3 },
      ],
      byTag: [
        { tag: 'patient', count: 3 },
        { tag: 'guideline', count: 2 },
        { tag: 'howto', count: 2 },
        { tag: 'dosing', count: 1 },
        { tag: 'targets', count: 1 },
      ],
    });
  });

  test(`${name}: PATCH changes metadata only`, async (t) => {
    const api = await start(t);
    const { body: doc } = await api.create({
      title: 'Old',
      disease: 'flu',
      tags: ['a'],
      content: 'text',
    });
    const patch = (id: string, body: unknown) =>
      api.json(`/api/knowledge/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const res = await patch(doc.id, { title: ' New ', disease: null, tags: ['b', 'b', 'c'] });
    t.is(res.status, 200);
    t.like(res.body, {
      id: doc.id,
      title: 'New',
      disease: null,
      tags: ['b', 'c'],
      sha256: doc.sha256,
    });
    t.true(res.body.updatedAt >= doc.updatedAt);
    t.is(res.body.createdAt, doc.createdAt);
    t.deepEqual((await api.json(`/api/knowledge/${doc.id}`)).body, res.body);
    t.is((await patch(doc.id, {})).status, 400);
    t.is((await patch(doc.id, { content: 'new' })).body.error.details.fields[0].field, '/content');
    t.is((await patch('AAAAAAAAAAAAAAAAAAAA', { title: 'x' })).status, 404);
    t.is((await patch('../../etc', { title: 'x' })).status, 404);
  });

  test(`${name}: CORS only for configured origins; security headers everywhere`, async (t) => {
    const api = await start(t);
    const allowed = await api.fetch('/api/knowledge', { headers: { origin: ALLOWED_ORIGIN } });
    t.is(allowed.headers.get('access-control-allow-origin'), ALLOWED_ORIGIN);
    t.regex(allowed.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
    t.is(allowed.headers.get('access-control-allow-credentials'), null);
    const other = await api.fetch('/api/knowledge', {
      headers: { origin: 'https://evil.example' },
    });
    t.is(other.status, 200);
    for (const [name] of other.headers) t.false(name.startsWith('access-control-'), name);
    const preflight = await api.fetch('/api/knowledge', {
      method: 'OPTIONS',
      headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST' },
    });
    t.is(preflight.status, 204);
    t.regex(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const evilPreflight = await api.fetch('/api/knowledge', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'DELETE' },
    });
    t.is(evilPreflight.headers.get('access-control-allow-origin'), null);
    for (const res of [allowed, other, await api.fetch('/api/nope')]) {
      t.is(res.headers.get('x-content-type-options'), 'nosniff');
      t.is(res.headers.get('x-frame-options'), 'DENY');
      t.is(res.headers.get('referrer-policy'), 'no-referrer');
      t.regex(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      t.is(res.headers.get('cache-control'), 'no-store');
      t.truthy(res.headers.get('x-request-id'));
    }
  });

  test(`${name}: health reports both dependencies`, async (t) => {
    const api = await start(t);
    const res = await api.json('/api/health');
    t.is(res.status, 200);
    t.is(res.body.status, 'healthy');
    t.is(res.body.version, '9.9.9-test');
    t.deepEqual(Object.keys(res.body.checks).sort(), ['firestore', 'storage']);
    for (const check of Object.values<any>(res.body.checks)) {
      t.is(check.status, 'ok');
      t.true(check.latencyMs >= 0);
    }
  });

  testProp(
    `${name}: any Unicode content round-trips byte for byte (create → get → list → content → delete)`,
    [
      fc.string({ unit: 'binary', minLength: 1, maxLength: 600 }),
      fc
        .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
        .filter((s) => /\S/.test(s) && ![...s].some((c) => c < ' ' || c === '\u007f')),
    ],
    async (t, content, title) => {
      const api = await startTestBackend(await makeStores(), backendOptions);
      try {
        const created = await api.create({
          title,
          content,
          tags: [title.slice(0, 50).trim() || 'x'],
        });
        t.is(created.status, 201, JSON.stringify(created.body));
        const id = created.body.id;
        t.is(created.body.title, title.trim());
        t.deepEqual((await api.json(`/api/knowledge/${id}`)).body, created.body);
        const listed = await api.json('/api/knowledge');
        t.deepEqual(listed.body.items, [created.body]);
        const res = await api.fetch(`/api/knowledge/${id}/content`);
        const bytes = Buffer.from(await res.arrayBuffer());
        t.deepEqual(bytes, Buffer.from(content, 'utf8'));
        t.is(sha256(bytes), String(res.headers.get('x-content-sha256')));
        t.is((await api.fetch(`/api/knowledge/${id}`, { method: 'DELETE' })).status, 204);
        t.is((await api.json(`/api/knowledge/${id}`)).status, 404);
        t.deepEqual((await api.json('/api/knowledge')).body.items, []);
      } finally {
        await api.stop();
      }
    },
    { numRuns: Math.max(5, Math.floor(runs / 2)) },
  );

  testProp(
    `${name}: concurrent creates and deletes leave a consistent store`,
    [
      fc.array(
        fc.record({
          content: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }),
          deleteIt: fc.boolean(),
          deleteTwice: fc.boolean(),
        }),
        { minLength: 1, maxLength: 12 },
      ),
    ],
    async (t, ops) => {
      const api = await startTestBackend(await makeStores(), backendOptions);
      try {
        const results = await Promise.all(
          ops.map(async (op, i) => {
            const res = await api.create({ title: `doc ${i}`, content: `${i}:${op.content}` });
            t.is(res.status, 201);
            if (op.deleteIt) {
              const deletes = [api.fetch(`/api/knowledge/${res.body.id}`, { method: 'DELETE' })];
              if (op.deleteTwice)
                deletes.push(api.fetch(`/api/knowledge/${res.body.id}`, { method: 'DELETE' }));
              for (const d of await Promise.all(deletes)) t.is(d.status, 204);
            }
            return { id: res.body.id as string, kept: !op.deleteIt };
          }),
        );
        const remaining = await assertConsistent(t, api.stores);
        t.deepEqual(
          [...remaining].sort(),
          results
            .filter((r) => r.kept)
            .map((r) => r.id)
            .sort(),
        );
        const listed = await api.json('/api/knowledge?limit=100');
        t.deepEqual(listed.body.items.map((d: any) => d.id).sort(), [...remaining].sort());
      } finally {
        await api.stop();
      }
    },
    { numRuns: Math.max(5, Math.floor(runs / 2)) },
  );

  testProp(
    `${name}: random malformed requests never produce a 5xx`,
    [fc.array(malformedRequest, { minLength: 1, maxLength: 6 })],
    async (t, requests) => {
      const api = await startTestBackend(await makeStores(), backendOptions);
      try {
        await api.create({ title: 'seed', content: 'seed' });
        for (const req of requests) {
          const res = await send(api.url, req);
          const where = `${req.method} ${req.path} ${JSON.stringify(req.headers)} -> ${res.status} ${res.body.toString().slice(0, 200)}`;
          t.true(res.status < 500, where);
          if (res.status >= 400 && req.method !== 'HEAD') {
            const body = JSON.parse(res.body.toString()) as { error?: { code?: unknown } };
            t.is(typeof body.error?.code, 'string', where);
          }
        }
        await assertConsistent(t, api.stores);
      } finally {
        await api.stop();
      }
    },
    { numRuns: Math.max(5, Math.floor(runs / 2)) },
  );
}
