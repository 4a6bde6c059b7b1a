/**
 * `npm run synth` as users run it: a real child process writing real files (into a temporary
 * directory), the validator run on them, the exit codes.
 */
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function synth(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const {
      GOOGLE_CLOUD_PROJECT: _g,
      CLOUDSDK_CORE_PROJECT: _c,
      CLOUDSDK_RUN_REGION: _r,
      CDK8S_OUTDIR: _o,
      ...clean
    } = process.env;
    execFile(
      process.execPath,
      ['--import=tsx', 'scripts/synth.ts', ...args],
      { cwd: ROOT, env: { ...clean, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('writes every target, validates, exits 0', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'synth-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  // A stale file of an old layout must not survive in our directories.
  mkdirSync(join(out, 'local'), { recursive: true });
  writeFileSync(join(out, 'local', 'stale.yaml'), 'x: 1\n');
  mkdirSync(join(out, 'server'), { recursive: true });
  writeFileSync(join(out, 'server', 'main.js'), '// not ours\n');

  const r = await synth(['--outdir', out, '--region', 'europe-west1'], {
    GOOGLE_CLOUD_PROJECT: 'elevendops-prod',
  });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /synth: 6 files \(6 changed\) in \d+ ms, validated/);
  for (const f of [
    'cloudrun/service.yaml',
    'knative/service.yaml',
    'local/app.yaml',
    'local/dev-secrets.yaml',
    'local/firestore-emulator.yaml',
    'local/fake-gcs-server.yaml',
  ]) {
    t.true(existsSync(join(out, f)), f);
  }
  t.false(existsSync(join(out, 'local', 'stale.yaml')));
  t.true(existsSync(join(out, 'server', 'main.js')), 'synth must leave the rest of dist/ alone');
  const service = parse(readFileSync(join(out, 'cloudrun/service.yaml'), 'utf8'));
  t.is(service.metadata.namespace, 'elevendops-prod');
  t.is(service.metadata.labels['cloud.googleapis.com/location'], 'europe-west1');
  t.is(
    service.spec.template.spec.serviceAccountName,
    'elevendops-sa@elevendops-prod.iam.gserviceaccount.com',
  );
});

test('a second run leaves unchanged files untouched (no skaffold dev render loop)', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'synth-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const first = await synth(['--outdir', out, '--project', 'elevendops-prod']);
  t.is(first.code, 0, first.stderr);
  const file = join(out, 'cloudrun/service.yaml');
  const past = new Date(Date.now() - 60_000);
  utimesSync(file, past, past);
  const second = await synth(['--outdir', out, '--project', 'elevendops-prod']);
  t.is(second.code, 0, second.stderr);
  t.regex(second.stdout, /\(0 changed\)/);
  // (file systems keep sub-millisecond times: compare to the millisecond)
  t.true(Math.abs(statSync(file).mtimeMs - past.getTime()) < 1, 'the unchanged file was rewritten');
  // A different project changes the Cloud Run and Knative files only.
  const third = await synth(['--outdir', out, '--project', 'other-project']);
  t.regex(third.stdout, /\(2 changed\)/);
});

test('a bad deployment option is a clear error naming it, exit 2, no stack trace', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'synth-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = await synth(['--outdir', out, '--project', 'Not_A_Project']);
  t.is(r.code, 2);
  t.regex(r.stderr, /synth: project: "Not_A_Project" is not allowed/);
  t.notRegex(r.stderr, /\n\s+at /);
  const usage = await synth(['--nope']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /usage: npm run synth/);
});
