/**
 * Upstream Knative's own verdict on what the charts produce: the Go harness in test/oracle/knative
 * (knative.dev/serving at the release of our CRD copy, its defaulting and webhook validation)
 * must accept dist/knative/service.yaml and every manifest the construct builds for the knative
 * target from props it accepts. Built with `go build` into .tmp/ (gitignored), rebuilt only when
 * the harness changes.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fc } from '@fast-check/ava';
import test from 'ava';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { CloudRunService, type CloudRunServiceProps } from '../../charts/cloudrun-service.ts';
import { synthesize } from '../../charts/synth.ts';
import { propsArb } from './helpers/arbitraries.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HARNESS = join(ROOT, 'test', 'oracle', 'knative');
// Our own binary: the validator's oracle test builds its own, and two builds must not race.
const BINARY = join(ROOT, '.tmp', 'knative-oracle-charts');

interface Verdict {
  readonly index: number;
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
}

function buildHarness(): void {
  const sources = ['main.go', 'go.mod', 'go.sum'].map((f) => statSync(join(HARNESS, f)).mtimeMs);
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs > Math.max(...sources)) return;
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const r = spawnSync('go', ['build', '-o', BINARY, '.'], {
    cwd: HARNESS,
    encoding: 'utf8',
    timeout: 15 * 60_000,
    env: { ...process.env, GOFLAGS: '-mod=readonly' },
  });
  if (r.status !== 0) throw new Error(`go build of the Knative oracle failed:\n${r.stderr}`);
}

function knative(docs: readonly unknown[]): Promise<Verdict[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(BINARY, [], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(
        stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Verdict),
      );
    });
    child.stdin!.end(docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  });
}

function build(props: CloudRunServiceProps): unknown {
  const chart = new Chart(new App(), 'o', { disableResourceNameHashes: true });
  new CloudRunService(chart, 'svc', props);
  return chart.toJson()[0];
}

test.before(() => buildHarness());

test('Knative accepts dist/knative/service.yaml, without even a warning', async (t) => {
  const file = synthesize({ project: 'elevendops-prod' }).files.find(
    (f) => f.path === 'knative/service.yaml',
  )!;
  const [verdict] = await knative([parse(file.text)]);
  t.deepEqual(verdict, { index: 0, ok: true, errors: [], warnings: [] });
});

test('Knative accepts every manifest the construct builds for the knative target', async (t) => {
  const docs: unknown[] = [];
  const props: CloudRunServiceProps[] = [];
  for (const p of fc.sample(propsArb('knative'), 300)) {
    try {
      docs.push(build(p));
      props.push(p);
    } catch {
      // Rejected at construction: the props test checks those errors.
    }
  }
  t.true(docs.length >= 100, `only ${docs.length} of 300 samples accepted`);
  const verdicts = await knative(docs);
  t.is(verdicts.length, docs.length);
  const rejected = verdicts
    .filter((v) => !v.ok)
    .map((v) => `${v.errors.join('; ')}\n  props: ${JSON.stringify(props[v.index])}`);
  t.deepEqual(rejected, []);
});
