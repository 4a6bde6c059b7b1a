/** Properties of the UI's pure helpers (parsers of user input, URLs and routes). */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { ApiError, formatBytes, listQueryString, parseTags } from '../../ui/src/api.ts';
import { parseRoute } from '../../ui/src/router.ts';

testProp(
  'tags: trimmed, non-empty, comma-free, distinct, in first-seen order',
  [fc.string({ maxLength: 80 })],
  (t, text) => {
    const tags = parseTags(text);
    for (const tag of tags) {
      t.is(tag, tag.trim());
      t.not(tag, '');
      t.false(tag.includes(','));
    }
    t.is(new Set(tags).size, tags.length);
    const expected = [
      ...new Set(
        text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ];
    t.deepEqual(tags, expected);
  },
);

const value = fc.option(fc.string({ maxLength: 20 }), { nil: undefined });

testProp(
  'list query strings round-trip every non-empty value',
  [value, value, value, value],
  (t, q, disease, tag, before) => {
    const query = { q, disease, tag, before };
    const qs = listQueryString(query);
    const params = new URLSearchParams(qs);
    for (const [key, v] of Object.entries(query))
      t.is(params.get(key), v === undefined || v === '' ? null : v);
    t.true(qs === '' || qs.startsWith('?'));
  },
);

testProp(
  'document routes decode their id; nothing else is a document route',
  [fc.string({ minLength: 1, maxLength: 30 })],
  (t, id) => {
    const route = parseRoute(`/documents/${encodeURIComponent(id)}`, '');
    t.deepEqual(route, { name: 'document', id });
  },
);

test('routes', (t) => {
  t.is(parseRoute('/', '?q=x').name, 'library');
  t.is((parseRoute('/', '?q=a+b') as { params: URLSearchParams }).params.get('q'), 'a b');
  t.is(parseRoute('/upload', '').name, 'upload');
  t.deepEqual(parseRoute('/documents/a/b', ''), { name: 'not-found', path: '/documents/a/b' });
  t.deepEqual(parseRoute('/nope', ''), { name: 'not-found', path: '/nope' });
});

test('API errors expose field problems by top-level field name', (t) => {
  const error = new ApiError(400, 'validation_failed', 'bad', {
    fields: [
      { field: '/title', message: 'too long' },
      { field: '/tags/3', message: 'empty' },
      { nonsense: true },
    ],
  });
  t.deepEqual(error.fields, [
    { field: 'title', message: 'too long' },
    { field: 'tags', message: 'empty' },
  ]);
  t.deepEqual(new ApiError(503, 'unavailable', 'x').fields, []);
});

test('byte sizes read naturally', (t) => {
  t.is(formatBytes(0), '0 B');
  t.is(formatBytes(1023), '1023 B');
  t.is(formatBytes(1536), '1.5 KB');
  t.is(formatBytes(1024 * 1024), '1.0 MB');
});
