/**
 * cloudbuild.yaml through gcloud's own config loader (the code `gcloud builds submit` runs before
 * it calls the API), offline: every key must be a field of Cloud Build's Build message — stricter
 * and newer than the SchemaStore schema — and user substitution keys must have the right form.
 * Without gcloud the tests skip; with CI=true they fail instead.
 */
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gcloudInstalled } from './gcloud-oracle.ts';
import { repoFile } from './repo.ts';

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const loader = repoFile('test/delivery/fixtures/load-build-config.py');

interface Loaded {
  ok: boolean;
  error?: string;
  steps?: string[];
  substitutions?: Record<string, string>;
  logging?: string | null;
  timeout?: string;
}

/** The SDK root (…/google-cloud-sdk) and the Python gcloud itself would use. */
function sdk(): { root: string; python: string } {
  const gcloud = realpathSync(
    execFileSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8' }).trim(),
  );
  const root = dirname(dirname(gcloud));
  const bundled = join(root, 'platform', 'bundledpythonunix', 'bin', 'python3');
  const python = process.env['CLOUDSDK_PYTHON'] ?? (existsSync(bundled) ? bundled : 'python3');
  return { root, python };
}

function load(path: string, params: string[] = []): Promise<Loaded> {
  const { root, python } = sdk();
  return new Promise((resolve, reject) => {
    execFile(
      python,
      [loader, root, path, ...params],
      { timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${python} ${loader} failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Loaded);
      },
    );
  });
}

if (!gcloudInstalled()) {
  if (ci)
    test('gcloud is installed (required with CI=true)', (t) => t.fail('gcloud not found on PATH'));
  else
    test.skip('cloudbuild.yaml loads with gcloud’s own config loader (gcloud not installed)', () => {});
} else {
  const scratch = mkdtempSync(join(tmpdir(), 'cloudbuild-oracle-'));
  test.after.always(() => rmSync(scratch, { recursive: true, force: true }));
  const original = readFileSync(repoFile('cloudbuild.yaml'), 'utf8');
  const variant = (name: string, edit: (text: string) => string) => {
    const path = join(scratch, name);
    const text = edit(original);
    if (text === original) throw new Error(`variant ${name} changed nothing`);
    writeFileSync(path, text);
    return path;
  };

  test('cloudbuild.yaml loads with gcloud’s own config loader', async (t) => {
    const r = await load(repoFile('cloudbuild.yaml'));
    t.true(r.ok, r.error);
    t.deepEqual(r.steps, ['test-and-synth', 'registry-auth', 'deploy', 'verify']);
    t.is(r.logging, 'CLOUD_LOGGING_ONLY');
    t.deepEqual(Object.keys(r.substitutions ?? {}).sort(), ['_REGION', '_REPOSITORY', '_SERVICE']);
  });

  test('substitutions given on the command line override the defaults (gcloud builds submit --substitutions)', async (t) => {
    const r = await load(repoFile('cloudbuild.yaml'), ['_REGION=europe-west1']);
    t.true(r.ok, r.error);
    t.is(r.substitutions?.['_REGION'], 'europe-west1');
    t.is(r.substitutions?.['_SERVICE'], 'elevendops');
  });

  test('the loader is live: a misspelt step field and a malformed substitution key are rejected', async (t) => {
    const typo = await load(
      variant('typo.yaml', (s) => s.replace('    entrypoint: skaffold', '    entrypont: skaffold')),
    );
    t.false(typo.ok);
    t.regex(typo.error ?? '', /entrypont/);
    const key = await load(
      variant('key.yaml', (s) => s.replace('  _SERVICE: elevendops', '  _service: elevendops')),
    );
    t.false(key.ok);
    t.regex(key.error ?? '', /does not respect format/);
  });
}
