/**
 * Fuzzing: arbitrary JSON/YAML values, arbitrary text, and mutations of real manifests never make
 * the validator throw, and every finding it returns is well formed.
 */
import { fc, testProp } from '@fast-check/ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { validateManifest, validateYamlText, type Finding } from '../../validator/index.ts';
import { at } from '../../validator/path.ts';
import { parseQuantity } from '../../validator/quantity.ts';
import { base, set, steps } from './helpers.ts';

const CORPUS = new URL('../../../shared/corpus/cloudrun-accepted/', import.meta.url).pathname;
const manifests: unknown[] = [base()];
if (existsSync(CORPUS))
  for (const f of readdirSync(CORPUS).filter((x) => x.endsWith('.yaml')))
    manifests.push(parse(readFileSync(join(CORPUS, f), 'utf8')));

const target = fc.constantFrom('cloudrun' as const, 'knative' as const);

function wellFormed(findings: unknown): boolean {
  return (
    Array.isArray(findings) &&
    findings.every(
      (f: Finding) =>
        typeof f.rule === 'string' &&
        (f.severity === 'error' || f.severity === 'warning') &&
        typeof f.path === 'string' &&
        typeof f.message === 'string' &&
        f.message.length > 0 &&
        Object.keys(f).length === 4,
    )
  );
}

/** Every path in a parsed manifest, in our dotted syntax. */
function pathsOf(value: unknown, path = ''): string[] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => [at(path, i), ...pathsOf(v, at(path, i))]);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [at(path, k), ...pathsOf(v, at(path, k))]);
  return [];
}

testProp(
  'any JSON-like value: no throw, well-formed findings',
  [fc.anything(), target],
  (t, value, tgt) => {
    t.true(wellFormed(validateManifest(value, { target: tgt })));
  },
);

testProp(
  'any text: no throw; YAML errors become findings',
  [fc.string({ unit: 'grapheme', maxLength: 400 }), target],
  (t, text, tgt) => {
    t.true(wellFormed(validateYamlText(text, { target: tgt })));
  },
);

testProp(
  'any value written as YAML (multi-document too): no throw',
  [fc.array(fc.jsonValue(), { minLength: 1, maxLength: 3 }), target],
  (t, values, tgt) => {
    const text = values.map((v) => stringify(v)).join('---\n');
    const findings = validateYamlText(text, { target: tgt });
    t.true(wellFormed(findings));
    if (values.filter((v) => v !== null).length > 1)
      t.true(findings.every((f) => f.path.startsWith('documents[')));
  },
);

testProp(
  'real manifests with one field replaced or removed: no throw, findings well formed',
  [fc.nat(), fc.nat(), fc.oneof(fc.jsonValue(), fc.constant(undefined)), target],
  (t, which, where, replacement, tgt) => {
    const doc = structuredClone(manifests[which % manifests.length]) as Record<string, unknown>;
    const paths = pathsOf(doc);
    if (paths.length > 0) set(doc, paths[where % paths.length]!, replacement);
    const findings = validateManifest(doc, { target: tgt });
    t.true(wellFormed(findings));
    t.deepEqual(validateManifest(doc, { target: tgt }), findings, 'deterministic');
    // Round trip through YAML text gives the same findings.
    t.deepEqual(validateYamlText(stringify(doc), { target: tgt }), findings);
  },
  { numRuns: 200 },
);

testProp(
  'hostile YAML: deep nesting and alias bombs are findings, not crashes',
  [fc.integer({ min: 1, max: 20000 })],
  (t, depth) => {
    t.true(
      wellFormed(validateYamlText('['.repeat(depth) + ']'.repeat(depth), { target: 'cloudrun' })),
    );
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`,
      ),
    ].join('\n');
    const findings = validateYamlText(bomb, { target: 'knative' });
    t.true(wellFormed(findings));
    t.true(findings.some((f) => f.rule === 'yaml/syntax'));
  },
  { numRuns: 5 },
);

testProp(
  'dotted paths: at() and steps() round-trip annotation keys and indices',
  [fc.array(fc.oneof(fc.nat(), fc.stringMatching(/^[a-z][a-z0-9./-]{0,30}$/)), { maxLength: 6 })],
  (t, parts) => {
    const path = parts.reduce<string>((p, k) => at(p, k), '');
    t.deepEqual(steps(path), parts);
  },
);

testProp(
  'quantities: N Mi / Gi / m parse to bytes and cores',
  [fc.integer({ min: 0, max: 1_000_000 })],
  (t, n) => {
    t.is(parseQuantity(`${n}Mi`), n * 2 ** 20);
    t.is(parseQuantity(`${n}Gi`), n * 2 ** 30);
    t.is(parseQuantity(`${n}m`), n / 1000);
    t.is(parseQuantity(String(n)), n);
    t.is(parseQuantity(`${n} Mi`), undefined);
  },
);
