/**
 * Hostile uploads and oversized requests through the frontend, against the real backend and
 * frontend processes: oversized content (413), wrong types (415), invalid UTF-8, empty files,
 * path-traversal file names (a fast-check property), bodies over the PATCH limit, headers over
 * Node's limit. Every refusal is the JSON error shape naming the problem, and nothing of a refused
 * upload is stored.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { request } from 'node:http';
import { connect } from 'node:net';
import { startPair, type Pair } from './pair.ts';

const MAX = 4096;
let pair: Pair;

test.before(async () => {
  pair = await startPair({ env: { KNOWLEDGE_MAX_BYTES: String(MAX) } });
});
test.after.always(async () => {
  const { frontend, backend } = await pair.stop();
  if (frontend.code !== 0 || backend.code !== 0)
    throw new Error(`exit codes: frontend ${frontend.code}, backend ${backend.code}`);
});

function form(fileName: string, content: Buffer | string, fields: Record<string, string> = {}) {
  const data = new FormData();
  data.set('title', fields['title'] ?? 'Upload');
  for (const [k, v] of Object.entries(fields)) if (k !== 'title') data.set(k, v);
  data.set(
    'file',
    new Blob([typeof content === 'string' ? content : new Uint8Array(content)]),
    fileName,
  );
  return data;
}

async function upload(body: FormData | string, contentType?: string) {
  const res = await fetch(`${pair.url}/api/knowledge`, {
    method: 'POST',
    ...(contentType ? { headers: { 'content-type': contentType } } : {}),
    body,
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** A JSON POST on a connection of its own (node:http, no pool). */
function ownConnection(body: string): Promise<{ status: number; json: any }> {
  const { port } = new URL(pair.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/knowledge',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let json: any;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function storedCount(): Promise<number> {
  const res = await fetch(`${pair.url}/api/dashboard/stats`);
  return ((await res.json()) as { totalDocuments: number }).totalDocuments;
}

function isErrorShape(json: any, code: string): boolean {
  return json?.error?.code === code && typeof json.error.message === 'string';
}

/**
 * Oversized bodies are refused before being read; the backend then closes the connection. The
 * proxy occasionally reports that reset as 503 instead of relaying the 413 (docs/reliability.md,
 * known issues); a retry gets the 413.
 */
async function refused(
  send: () => Promise<{ status: number; json: any }>,
): Promise<{ status: number; json: any }> {
  let last = { status: 0, json: undefined as any };
  for (let attempt = 0; attempt < 4; attempt++) {
    // A client still sending when the connection is closed may see a reset instead of the 413.
    last = await send().catch(() => ({ status: 0, json: undefined }));
    if (last.status !== 503 && last.status !== 0) return last;
  }
  return last;
}

test.serial('oversized content: 413 naming the limit, nothing stored', async (t) => {
  const before = await storedCount();
  const big = 'a'.repeat(MAX + 1);
  const multipart = await refused(() => upload(form('big.md', big)));
  t.is(multipart.status, 413);
  t.true(isErrorShape(multipart.json, 'payload_too_large'), JSON.stringify(multipart.json));
  t.regex(multipart.json.error.message, /4096 bytes/);
  const json = await refused(() =>
    upload(JSON.stringify({ title: 't', content: big }), 'application/json'),
  );
  t.is(json.status, 413);
  t.true(isErrorShape(json.json, 'payload_too_large'));
  // A body far over every limit is refused without being read whole.
  // On a connection of its own: the server closes it mid-upload, which must not break the
  // pooled connections the other requests use.
  const huge = await refused(() =>
    ownConnection(JSON.stringify({ title: 't', content: 'x'.repeat(8 * 1024 * 1024) })),
  );
  // Refused before it is read whole: the 413, or for a client still sending, a cut connection.
  t.true(huge.status === 413 || huge.status === 0, String(huge.status));
  t.is(await storedCount(), before);
  // Exactly at the limit is fine.
  t.is((await upload(form('edge.md', 'b'.repeat(MAX)))).status, 201);
});

test.serial('wrong types: 415 for other file types and other body types', async (t) => {
  const before = await storedCount();
  for (const name of ['report.pdf', 'script.js', 'page.html', 'archive.md.exe', 'noextension']) {
    const res = await upload(form(name, 'text'));
    t.is(res.status, 415, name);
    t.true(isErrorShape(res.json, 'unsupported_media_type'), `${name}: ${res.text}`);
    t.deepEqual(res.json.error.details.accepted.sort(), ['.markdown', '.md', '.txt'].sort());
  }
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    const res = await upload('title=x&content=y', type);
    t.is(res.status, 415, type);
    t.true(isErrorShape(res.json, 'unsupported_media_type'));
  }
  t.is(await storedCount(), before);
});

test.serial('invalid UTF-8 and empty files are refused with the reason', async (t) => {
  const before = await storedCount();
  for (const bytes of [
    Buffer.from([0xff, 0xfe, 0x00, 0x41]),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('ok then \xed\xa0\x80', 'latin1'),
  ]) {
    const res = await upload(form('bad.md', bytes));
    t.is(res.status, 415);
    t.regex(res.json.error.message, /not UTF-8/);
  }
  const empty = await upload(form('empty.md', ''));
  t.is(empty.status, 400);
  t.true(isErrorShape(empty.json, 'validation_failed'));
  t.regex(empty.text, /must not be empty/);
  const noFile = await upload(
    (() => {
      const f = new FormData();
      f.set('title', 'no file');
      return f;
    })(),
  );
  t.is(noFile.status, 400);
  t.true(isErrorShape(noFile.json, 'invalid_multipart'));
  t.is(await storedCount(), before);
});

const TRAVERSAL_NAMES = [
  '../../../etc/passwd.md',
  '..\\..\\windows\\system32\\notes.md',
  '/etc/passwd.md',
  '....//....//x.md',
  '%2e%2e%2fsecret.md',
  '..md',
  '.hidden.md',
  'a/../../b.txt',
  'C:\\temp\\x.txt',
  '\u202egnp.md',
  'con.md',
];

const fileName = fc.oneof(
  fc.constantFrom(...TRAVERSAL_NAMES),
  fc
    .array(fc.constantFrom('..', '.', '', '%2e%2e', 'a', '~', '\\', 'ü', '\u0000'), {
      minLength: 1,
      maxLength: 6,
    })
    .map((parts) => `${parts.join('/')}.md`),
  fc.string({ maxLength: 60 }).map((s) => `${s}.txt`),
);

testProp(
  'path-traversal file names are stored under a safe name, inside the document',
  [fileName],
  async (t, name) => {
    const content = `traversal ${Math.random()}`;
    const res = await upload(form(name, content));
    // Names busboy cannot carry (NUL) may be refused; otherwise the upload is accepted.
    if (res.status !== 201) {
      t.true(res.status === 400 || res.status === 415, `${JSON.stringify(name)} -> ${res.text}`);
      t.true(typeof res.json?.error?.code === 'string');
      return;
    }
    const doc = res.json;
    t.notRegex(doc.fileName, /[\\/]|^\.|\.\./, `${JSON.stringify(name)} -> ${doc.fileName}`);
    t.regex(doc.fileName, /\.(md|txt|markdown)$/);
    t.is(doc.storagePath, `knowledge/${doc.id}/${doc.fileName}`);
    const back = await fetch(`${pair.url}/api/knowledge/${doc.id}/content`);
    t.is(await back.text(), content);
    t.regex(back.headers.get('content-disposition') ?? '', /^inline; filename\*=UTF-8''[^/\\]+$/);
    await fetch(`${pair.url}/api/knowledge/${doc.id}`, { method: 'DELETE' });
  },
  { numRuns: 40 },
);

test.serial('PATCH bodies over 64 KiB: 413; request headers over 16 KiB: 431', async (t) => {
  const created = await upload(
    JSON.stringify({ title: 'limits', content: 'limits' }),
    'application/json',
  );
  t.is(created.status, 201);
  const patch = await refused(async () => {
    const res = await fetch(`${pair.url}/api/knowledge/${created.json.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x'.repeat(70 * 1024) }),
    });
    return { status: res.status, json: await res.json() };
  });
  t.is(patch.status, 413);
  t.true(isErrorShape(patch.json, 'payload_too_large'));

  const raw = await new Promise<string>((resolve) => {
    const socket = connect(Number(new URL(pair.url).port), '127.0.0.1', () =>
      socket.end(`GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
  });
  t.regex(raw, /^HTTP\/1\.1 431 /);
  t.true(pair.frontend.alive() && pair.backend.alive());
});
