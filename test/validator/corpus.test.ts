/**
 * The corpus of real Cloud Run manifests believed accepted (../shared/corpus/cloudrun-accepted):
 * every file passes the Cloud Run target without errors, except the files SOURCES.md names as
 * holding deploy-time placeholders, whose errors are exactly the placeholder fields listed here.
 * Skips (with a message) where ../shared is absent, e.g. on a user's machine.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateYamlText } from '../../validator/index.ts';
import { errors, steps } from './helpers.ts';

const CORPUS = new URL('../../../shared/corpus/cloudrun-accepted/', import.meta.url).pathname;
const C = (i: number) => `spec.template.spec.containers[${i}]`;

/** File number -> the exact error paths, each a field holding an unsubstituted placeholder. */
const PLACEHOLDER_ERRORS: Readonly<Record<string, readonly string[]>> = {
  '02': [`${C(0)}.image`, `${C(1)}.image`],
  '03': ['metadata.name'],
  '05': ['metadata.name', `${C(0)}.image`, `${C(1)}.image`],
  '06': ['metadata.name', `${C(0)}.image`, `${C(1)}.image`],
  '08': [`${C(0)}.image`, `${C(1)}.image`],
  '13': ['metadata.name'],
  '26': ['metadata.name', `${C(0)}.image`],
  '27': [
    `${C(0)}.ports[0].containerPort`,
    'spec.template.spec.serviceAccountName',
    `${C(0)}.image`,
    `${C(1)}.image`,
  ],
  '28': [`${C(0)}.image`, `${C(1)}.image`],
};

/** What an unsubstituted placeholder looks like: %X%, ${x}, an ALL_CAPS word, bracketed prose. */
const PLACEHOLDER = /%[A-Z_]+%|\$\{[^}]+\}|^[A-Z][A-Z0-9_]*$|【/;

const present = existsSync(CORPUS);
const files = present
  ? readdirSync(CORPUS)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : [];
const sources = present ? readFileSync(join(CORPUS, 'SOURCES.md'), 'utf8') : '';

function valueAt(doc: unknown, path: string): unknown {
  let node = doc;
  for (const step of steps(path))
    node = (node as Record<string | number, unknown> | undefined)?.[step];
  return node;
}

test('the corpus is present (../shared/corpus/cloudrun-accepted)', (t) => {
  if (!present) {
    t.log(`skipped: ${CORPUS} not found (the corpus lives in ../shared next to the repository)`);
    t.pass();
    return;
  }
  t.true(files.length >= 31, `${files.length} files`);
});

for (const file of files) {
  const number = file.slice(0, 2);
  test(`corpus ${file} passes the cloudrun target`, (t) => {
    const text = readFileSync(join(CORPUS, file), 'utf8');
    const found = errors(validateYamlText(text, { target: 'cloudrun' }));
    const expected = PLACEHOLDER_ERRORS[number] ?? [];
    t.deepEqual(
      found.map((f) => f.path).sort(),
      [...expected].sort(),
      JSON.stringify(found, null, 1),
    );
    if (expected.length === 0) return;
    // Only files SOURCES.md itself names as holding placeholders may have errors...
    const row = sources.split('\n').find((line) => line.startsWith(`| ${file} `));
    t.truthy(row, `${file} has a row in SOURCES.md`);
    t.regex(row!, /placeholder/i, `SOURCES.md names ${file} as holding placeholders`);
    // ...and only on fields whose value is a placeholder.
    const doc: unknown = parse(text);
    for (const path of expected)
      t.regex(String(valueAt(doc, path)), PLACEHOLDER, `${file} ${path} holds a placeholder`);
  });
}
