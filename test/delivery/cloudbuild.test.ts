/**
 * What cloudbuild.yaml must mean, beyond its schema: substitutions declared and well-formed,
 * tests and synth before the deploy, the image tagged with the commit only, the Skaffold call CI
 * depends on. The bash steps are really run (bash, with the substitutions Cloud Build would
 * apply); `npm` and `gcloud` are fakes there — named as such — that record their arguments.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCloudBuild, readRepoText, type CloudBuildStep } from './repo.ts';
import { parseShell } from './shell.ts';
import {
  applySubstitutions,
  BUILT_IN_SUBSTITUTIONS,
  stringsIn,
  substitutionRefs,
  USER_SUBSTITUTION_KEY,
} from './substitutions.ts';

const build = loadCloudBuild();
const declared = build.substitutions ?? {};
const { substitutions: _defaults, ...usingPart } = build as unknown as Record<string, unknown>;
const used = new Set(stringsIn(usingPart).flatMap((s) => substitutionRefs(s).map((r) => r.name)));

const stepById = (id: string): CloudBuildStep => {
  const step = build.steps.find((s) => s.id === id);
  if (!step) throw new Error(`no step ${id} in cloudbuild.yaml`);
  return step;
};
const nodeStep = build.steps[0]!;
const skaffoldStep = build.steps.find((s) => s.entrypoint === 'skaffold')!;

test('every substitution used is built in or declared, and every declared one is used', (t) => {
  for (const name of used)
    t.true(
      BUILT_IN_SUBSTITUTIONS.has(name) || name in declared,
      `\${${name}} is neither built in nor declared`,
    );
  // Manual builds default to MUST_MATCH: a declared but unused substitution fails them.
  for (const key of Object.keys(declared))
    t.true(used.has(key), `${key} is declared but never used`);
});

test('declared substitutions: _REGION, _REPOSITORY, _SERVICE, well-formed keys, non-empty defaults', (t) => {
  t.deepEqual(Object.keys(declared).sort(), ['_REGION', '_REPOSITORY', '_SERVICE']);
  for (const [key, value] of Object.entries(declared)) {
    t.regex(key, USER_SUBSTITUTION_KEY);
    t.true(typeof value === 'string' && value.trim() !== '', `${key} has no default`);
  }
  t.is(declared['_SERVICE'], 'elevendops');
});

test('logs to Cloud Logging only, with a timeout, no images: list (Skaffold pushes)', (t) => {
  t.is(build.options?.['logging'], 'CLOUD_LOGGING_ONLY');
  const seconds = Number(/^(\d+)s$/.exec(build.timeout ?? '')?.[1]);
  t.true(seconds >= 600 && seconds <= 24 * 3600, `timeout ${build.timeout}`);
  t.is(build.images, undefined);
});

test('builder images are pinned: a version tag, never latest or edge', (t) => {
  for (const step of build.steps) {
    const tag = /:([^/:@]+)$/.exec(step.name)?.[1];
    t.truthy(tag, `${step.id}: ${step.name} has no tag`);
    t.false(['latest', 'edge'].includes(tag!), `${step.id}: ${step.name}`);
  }
  const skaffoldImage = /^gcr\.io\/k8s-skaffold\/skaffold:v(\d+)\.(\d+)\.(\d+)$/.exec(
    skaffoldStep.name,
  );
  t.truthy(skaffoldImage, skaffoldStep.name);
  // skaffold/v4beta14 needs Skaffold 2.19 or newer.
  t.true(Number(skaffoldImage![1]) > 2 || Number(skaffoldImage![2]) >= 19, skaffoldStep.name);
});

test('CI deploys with the Skaffold release whose code the oracle tier checks skaffold.yaml against', (t) => {
  const goMod = readRepoText('test/delivery/skaffold-oracle/go.mod');
  const oracle = /^require github\.com\/GoogleContainerTools\/skaffold\/v2 (v[\d.]+)$/m.exec(
    goMod,
  )?.[1];
  t.truthy(oracle, 'no Skaffold version in the oracle harness go.mod');
  t.is(skaffoldStep.name, `gcr.io/k8s-skaffold/skaffold:${oracle}`);
});

test('the deploy step runs skaffold run -p cloudrun with the registry, commit tag, project and region', (t) => {
  t.is(skaffoldStep.entrypoint, 'skaffold');
  const args = skaffoldStep.args ?? [];
  t.is(args[0], 'run');
  t.true(args.includes('--profile=cloudrun') || args.join(' ').includes('-p cloudrun'));
  t.true(args.includes('--default-repo=${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}'));
  t.true(args.includes('--cloud-run-project=$PROJECT_ID'));
  t.true(args.includes('--cloud-run-location=${_REGION}'));
  t.true(build.steps.indexOf(skaffoldStep) > 0, 'tests and synth must run first');
  for (const step of build.steps)
    t.falsy(step.waitFor, `${step.id}: waitFor would let it run before the tests`);
});

test('images are tagged with the commit SHA only: --tag is a SHA substitution, latest appears nowhere', (t) => {
  const tags = (skaffoldStep.args ?? []).filter(
    (a) => a.startsWith('--tag=') || a.startsWith('-t'),
  );
  t.deepEqual(tags, ['--tag=$SHORT_SHA']);
  const code = readRepoText('cloudbuild.yaml')
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  t.notRegex(code, /\blatest\b/);
});

test('synth gets the build project and region, the same ones the deploy uses', (t) => {
  t.true((nodeStep.env ?? []).includes('GOOGLE_CLOUD_PROJECT=$PROJECT_ID'));
  t.true((nodeStep.env ?? []).includes('CLOUDSDK_RUN_REGION=${_REGION}'));
});

/** Runs a bash step's script as Cloud Build would, with fake `npm` and `gcloud` first on PATH. */
async function runStep(
  step: CloudBuildStep,
  values: Record<string, string>,
  fakes: { npmFailsOn?: string; gcloudImage?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string; npmCalls: string[] }> {
  assertBashStep(step);
  const dir = mkdtempSync(join(tmpdir(), 'cloudbuild-step-'));
  try {
    const log = join(dir, 'npm.log');
    writeFileSync(log, '');
    // Fake npm: records its arguments; fails for the one sub-command asked to.
    writeFileSync(
      join(dir, 'npm'),
      `#!/bin/sh\necho "$*" >> '${log}'\n[ "$1" = '${fakes.npmFailsOn ?? ''}' ] && exit 1\nexit 0\n`,
    );
    // Fake gcloud: answers `run services describe` with the configured image or URL.
    writeFileSync(
      join(dir, 'gcloud'),
      `#!/bin/sh\ncase "$*" in *containers*) echo '${fakes.gcloudImage ?? ''}' ;; *status.url*) echo 'https://elevendops.example.run.app' ;; esac\n`,
    );
    chmodSync(join(dir, 'npm'), 0o755);
    chmodSync(join(dir, 'gcloud'), 0o755);
    const script = applySubstitutions(step.args![1]!, values);
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          'bash',
          ['-c', script],
          { env: { PATH: `${dir}:${process.env['PATH']}` }, cwd: dir },
          (error, stdout, stderr) =>
            resolve({
              code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
              stdout,
              stderr,
            }),
        );
      },
    );
    const npmCalls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    return { ...result, npmCalls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertBashStep(step: CloudBuildStep): void {
  if (step.entrypoint !== 'bash' || step.args?.[0] !== '-c')
    throw new Error(`${step.id} is not a bash -c step`);
}

const values = (overrides: Record<string, string> = {}) => ({
  ...declared,
  PROJECT_ID: 'my-project',
  SHORT_SHA: 'abc1234',
  ...overrides,
});

test('test-and-synth: npm ci, npm test, npm run synth, in that order', async (t) => {
  t.regex(nodeStep.name, /^node:\d+/);
  const r = await runStep(nodeStep, values());
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.npmCalls, ['ci --no-audit --no-fund', 'test', 'run synth']);
});

test('test-and-synth: a failing test fails the step, and nothing is synthesized or deployed', async (t) => {
  const r = await runStep(nodeStep, values(), { npmFailsOn: 'test' });
  t.not(r.code, 0);
  t.deepEqual(r.npmCalls, ['ci --no-audit --no-fund', 'test']);
});

test('test-and-synth: without a commit SHA (a manual build) it refuses before doing anything', async (t) => {
  const r = await runStep(nodeStep, values({ SHORT_SHA: '' }));
  t.not(r.code, 0);
  t.deepEqual(r.npmCalls, []);
  t.regex(r.stderr, /SHORT_SHA is empty/);
});

test('verify: passes when the service runs this commit, fails when it runs another', async (t) => {
  const verify = stepById('verify');
  const good = await runStep(verify, values(), {
    gcloudImage: 'asia-east1-docker.pkg.dev/my-project/elevendops/elevendops:abc1234@sha256:0123',
  });
  t.is(good.code, 0, good.stderr);
  t.regex(good.stdout, /https:\/\/elevendops\.example\.run\.app/);
  const stale = await runStep(verify, values(), {
    gcloudImage: 'asia-east1-docker.pkg.dev/my-project/elevendops/elevendops:0ld5ha1@sha256:0123',
  });
  t.not(stale.code, 0);
  t.regex(stale.stderr, /expected an image tagged abc1234/);
});

test('the bash steps parse, and their gcloud calls go to the declared service and region', (t) => {
  for (const step of build.steps.filter((s) => s.entrypoint === 'bash')) {
    const commands = parseShell(applySubstitutions(step.args![1]!, values()));
    for (const c of commands.filter((x) => x.words[0] === 'gcloud')) {
      t.true(c.words.includes('elevendops'), c.words.join(' '));
      t.true(c.words.includes('--region=asia-east1'), c.words.join(' '));
      t.true(c.words.includes('--project=my-project'), c.words.join(' '));
    }
  }
});
