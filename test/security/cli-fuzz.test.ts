/**
 * The config and validator CLIs as real processes (`bin/cloudrun-kit.js`, as a user runs them)
 * under arbitrary input: random environments for `config --check` (every known variable, secrets
 * included, plus noise, with any values) and random YAML for `validate` (garbage, random
 * documents, mutated and truncated real manifests). They never crash: only the documented exit
 * codes (config 0/78, validate 0/1), no stack trace, JSON output that parses, and no secret value
 * echoed. Bounded: a few dozen processes in all.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SERVICE_SECRETS } from '../../server/config/secrets.ts';
import { VARIABLES } from '../../server/config/variables.ts';
import { REPO_ROOT } from './pair.ts';
import { synthesize } from '../../charts/synth.ts';

const CLI = join(REPO_ROOT, 'bin/cloudrun-kit.js');
let dir: string;
test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'elevendops-cli-fuzz-'));
});
test.after.always(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
}

const STACK = /\n\s+at .+\(?.+:\d+:\d+\)?/;
const secretNames = SERVICE_SECRETS.map((s) => s.env);
/** Env values cannot hold NUL; anything else goes. */
const anyValue = fc
  .oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', ' ', 'true', 'false', '0', '-1', '65536', '8080', 'production', 'gcp'),
    fc.constantFrom('http://127.0.0.1:8000', 'https://x', '127.0.0.1', '0.0.0.0', '::1', '1e3'),
    fc.integer().map(String),
  )
  .map((v) => v.replaceAll('\0', ''));

const environment = fc
  .tuple(
    fc.dictionary(fc.constantFrom(...Object.keys(VARIABLES), ...secretNames), anyValue, {
      maxKeys: 12,
      noNullPrototype: true,
    }),
    fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/), anyValue, {
      maxKeys: 3,
      noNullPrototype: true,
    }),
    // Distinctive secret values so an echo is unmistakable.
    fc.subarray(secretNames),
  )
  .map(([known, noise, secrets]) => {
    const env: Record<string, string> = { ...noise, ...known };
    for (const name of secrets) env[name] = `${name.toLowerCase()}-fuzz-secret-Qx7`;
    return env;
  });

testProp(
  'config --check under any environment: exit 0 or 78, no stack, no secret value echoed',
  [environment],
  async (t, env) => {
    const res = await cli(['config', '--check'], env);
    const all = res.out + res.err;
    const where = `${JSON.stringify(env)} -> ${res.code} ${all.slice(0, 400)}`;
    t.true(res.code === 0 || res.code === 78, where);
    t.false(STACK.test(all), `stack trace: ${where}`);
    for (const name of secretNames) {
      const value = env[name];
      // Only the distinctive values: a random one ("production") may appear for other reasons.
      if (value?.includes('-fuzz-secret-'))
        t.false(all.includes(value), `echoed ${name}: ${where}`);
    }
    if (res.code === 78) t.regex(all, /[A-Z_]{3,}/, 'a failure names a variable');
  },
  { numRuns: 12 },
);

// The real Cloud Run manifest, synthesized here: a fresh checkout has no dist/ yet.
const manifest = synthesize({ project: 'fuzz-project' }).files.find(
  (f) => f.path === 'cloudrun/service.yaml',
)!.text;

/** Random edits of the real manifest: truncation, deletion, duplication, odd characters. */
const mutatedManifest = fc
  .array(
    fc.tuple(
      fc.constantFrom('cut', 'delete', 'insert', 'tab'),
      fc.nat({ max: manifest.length }),
      fc.nat({ max: 40 }),
      fc.constantFrom(
        ': ',
        '- ',
        '\t',
        '{',
        '[',
        '&a',
        '*a',
        '!!binary',
        '\u00a0',
        '---\n',
        '"',
        "'",
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((edits) => {
    let text = manifest;
    for (const [kind, at, len, piece] of edits) {
      const i = Math.min(at, text.length);
      if (kind === 'cut') text = text.slice(0, i);
      else if (kind === 'delete') text = text.slice(0, i) + text.slice(i + len);
      else if (kind === 'insert') text = text.slice(0, i) + piece + text.slice(i);
      else text = text.slice(0, i) + '\t' + text.slice(i);
    }
    return text;
  });

const yamlText = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => stringify(v)),
  fc
    .record({
      apiVersion: fc.constantFrom('serving.knative.dev/v1', 'v1', 'x'),
      kind: fc.constantFrom('Service', 'Deployment'),
      metadata: fc.jsonValue({ maxDepth: 2 }),
      spec: fc.jsonValue({ maxDepth: 4 }),
    })
    .map((doc) => stringify(doc)),
  mutatedManifest,
  fc.constantFrom(
    '',
    '---',
    '--- !!map\n? a\n',
    'a: &x [*x]\n',
    '%YAML 9.9\n---\na: 1',
    'a: !!js/function "x"',
  ),
);

testProp(
  'validate on arbitrary YAML: exit 0 or 1, JSON that parses, one entry per file, no stack',
  [fc.array(yamlText, { minLength: 1, maxLength: 5 }), fc.constantFrom('cloudrun', 'knative')],
  async (t, texts, target) => {
    const files = await Promise.all(
      texts.map(async (text, i) => {
        const file = join(dir, `doc-${process.hrtime.bigint()}-${i}.yaml`);
        await writeFile(file, text);
        return file;
      }),
    );
    const res = await cli(['validate', '--target', target, '--format', 'json', ...files], {});
    const where = `${res.code} ${res.err.slice(0, 300)}`;
    t.true(res.code === 0 || res.code === 1, where);
    t.false(STACK.test(res.out + res.err), `stack trace: ${where}`);
    const report = JSON.parse(res.out) as { files: { file: string; findings: unknown[] }[] };
    t.is(report.files.length, files.length);
    const errors = report.files.some((f) =>
      (f.findings as { severity: string }[]).some((x) => x.severity === 'error'),
    );
    t.is(res.code, errors ? 1 : 0, 'exit code agrees with the findings');
    const text = await cli(['validate', '--target', target, files[0]!], {});
    t.true(text.code === 0 || text.code === 1);
    t.false(STACK.test(text.out + text.err));
  },
  { numRuns: 8 },
);
