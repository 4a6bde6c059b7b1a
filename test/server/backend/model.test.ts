/** Properties of the backend's pure pieces: file names, cursors, ids, schemas, verification. */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import {
  contentTypeOf,
  parseBefore,
  safeFileName,
  sortKeyOf,
  MARKDOWN,
  PLAIN_TEXT,
} from '../../../server/backend/knowledge/model.ts';
import { isId, newId } from '../../../server/backend/ids.ts';
import { checkCreate, checkPatch, isWellFormed } from '../../../server/backend/knowledge/schema.ts';
import { VerifyingStream, matchesSearch } from '../../../server/backend/knowledge/service.ts';
import { assertObjectPath } from '../../../server/storage/index.ts';

const anyName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc
    .tuple(
      fc.string({ unit: 'grapheme', maxLength: 150 }),
      fc.constantFrom('.md', '.MD', '.txt', '.markdown'),
    )
    .map(([a, b]) => a + b),
  fc.constantFrom(
    '',
    '.',
    '..',
    '.md',
    '../../etc/passwd.md',
    'C:\\Users\\x\\notes.txt',
    '.hidden.md',
    'a'.repeat(500) + '.md',
    'a'.repeat(96) + '....' + 'b'.repeat(20) + '.md',
  ),
);

testProp(
  'safeFileName: any upload name becomes one safe object-path segment',
  [anyName],
  (t, name) => {
    const safe = safeFileName(name, '.md');
    t.true(safe.length > 0);
    t.true([...safe].length <= 100, safe);
    t.false(
      [...safe].some((c) => c === '/' || c === '\\' || c < ' ' || c === '\u007f'),
      safe,
    );
    t.false(safe.startsWith('.'), safe);
    t.false(safe.includes('..'), safe);
    t.notThrows(() => assertObjectPath(`knowledge/${newId()}/${safe}`));
    const type = contentTypeOf(name.split(/[\\/]/).pop() ?? '');
    if (type !== undefined) t.is(contentTypeOf(safe), type, 'an accepted extension survives');
  },
);

test('contentTypeOf: only markdown and text extensions, case-insensitive', (t) => {
  t.is(contentTypeOf('a.MD'), MARKDOWN);
  t.is(contentTypeOf('a.markdown'), MARKDOWN);
  t.is(contentTypeOf('notes.Txt'), PLAIN_TEXT);
  for (const bad of ['a.pdf', 'a.md.exe', 'md', 'a.html', ''])
    t.is(contentTypeOf(bad), undefined, bad);
});

const instant = fc.date({
  noInvalidDate: true,
  min: new Date(Date.UTC(1970, 0, 1)),
  max: new Date(Date.UTC(9999, 11, 31)),
});

testProp(
  'parseBefore: a document created at t is listed before a cursor at t′ exactly when t < t′',
  [instant, instant, fc.constant(null).map(() => newId())],
  (t, created, cursor, id) => {
    const key = sortKeyOf(created.toISOString(), id);
    const bound = parseBefore(cursor.toISOString());
    t.is(bound, cursor.toISOString());
    t.is(key < bound!, created.getTime() < cursor.getTime());
    t.is(parseBefore(key), key, 'a cursor handed out is taken back as is');
  },
);

testProp(
  'parseBefore: arbitrary text never throws and gives a usable bound or nothing',
  [fc.string({ unit: 'binary', maxLength: 60 })],
  (t, text) => {
    const bound = parseBefore(text);
    t.pass();
    if (bound !== undefined)
      t.regex(bound, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z(~[A-Za-z0-9]{20})?$/);
  },
);

test('parseBefore accepts offsets and normalises them to UTC', (t) => {
  t.is(parseBefore('2026-11-26T12:00:00+02:00'), '2026-11-26T10:00:00.000Z');
  for (const bad of [
    'yesterday',
    '2026-13-01T00:00:00Z',
    '2026-11-26',
    '2026-11-26T10:00:00',
    '1e3',
  ])
    t.is(parseBefore(bad), undefined, bad);
});

test('ids are 20 characters of [A-Za-z0-9] and distinct', (t) => {
  const ids = new Set(Array.from({ length: 2000 }, newId));
  t.is(ids.size, 2000);
  for (const id of ids) t.true(isId(id));
  t.false(isId('short'));
  t.false(isId('../../../../../../../'));
});

testProp(
  'isWellFormed is exactly "survives UTF-8 unchanged"',
  [
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 20,
    }),
  ],
  (t, s) => {
    t.is(isWellFormed(s), Buffer.from(s, 'utf8').toString('utf8') === s);
  },
);

testProp(
  'request schemas never throw, and accept only what they promise',
  [fc.anything()],
  (t, body) => {
    const created = checkCreate(body);
    if (created.ok) {
      t.is(typeof created.value.title, 'string');
      t.true(created.value.title.trim().length > 0);
      t.is(typeof created.value.content, 'string');
    } else {
      t.true(created.problems.length > 0);
    }
    const patched = checkPatch(body);
    if (!patched.ok)
      t.true(patched.problems.every((p) => typeof p.field === 'string' && p.message.length > 0));
  },
);

async function collect(chunks: Buffer[], expectedSha: string, expectedSize: number) {
  const out: Buffer[] = [];
  let error: unknown;
  try {
    await pipeline(
      Readable.from(chunks),
      new VerifyingStream(expectedSha, expectedSize),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
  } catch (e) {
    error = e;
  }
  return { bytes: Buffer.concat(out), error };
}

testProp(
  'VerifyingStream: right bytes pass whole; wrong bytes fail before the last byte is released',
  [
    fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 8 }),
    fc.nat(),
    fc.integer({ min: 1, max: 255 }),
  ],
  async (t, arrays, position, delta) => {
    const chunks = arrays.map((a) => Buffer.from(a));
    const whole = Buffer.concat(chunks);
    const sha = createHash('sha256').update(whole).digest('hex');
    const good = await collect(chunks, sha, whole.length);
    t.is(good.error, undefined);
    t.deepEqual(good.bytes, whole);

    const bad = chunks.map((c) => Buffer.from(c));
    const flat = position % whole.length;
    let offset = 0;
    for (const c of bad) {
      if (flat < offset + c.length) {
        c[flat - offset] = (c[flat - offset]! + delta) % 256;
        break;
      }
      offset += c.length;
    }
    const corrupted = await collect(bad, sha, whole.length);
    t.truthy(corrupted.error);
    t.true(corrupted.bytes.length < whole.length);
  },
);

test('matchesSearch looks at title, disease, tags and file name, ignoring case', (t) => {
  const doc = {
    id: 'x',
    title: 'Insulin Dosing',
    disease: 'Diabetes',
    tags: ['Guideline'],
    fileName: 'dose-chart.md',
    contentType: MARKDOWN,
    size: 1,
    sha256: '',
    storagePath: '',
    createdAt: '',
    updatedAt: '',
  };
  for (const q of ['insulin', 'DIAB', 'guide', 'chart']) t.true(matchesSearch(doc, q), q);
  t.false(matchesSearch(doc, 'asthma'));
});
