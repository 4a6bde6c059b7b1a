/**
 * Upstream Knative's own verdict on what the charts produce: the Go harness in test/oracle/knative
 * (knative.dev/serving at the release of our CRD copy, its defaulting and webhook validation)
 * must accept dist/knative/service.yaml and every manifest the construct builds for the knative
 * target from props it accepts. Built with `go build` into .tmp/ (gitignored), rebuilt only when
 * the harness changes.
 */
import { fc } from '@fast-check/ava';
import test from 'ava';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { CloudRunService, type CloudRunServiceProps } from '../../charts/cloudrun-service.ts';
import { synthesize } from '../../charts/synth.ts';
import { propsArb } from './helpers/arbitraries.ts';
import { buildOracle, oracleBinary, runOracle } from '../oracle/knative/harness.ts';

// Our own binary: the validator's oracle test builds its own, and two builds must not race.
const BINARY = oracleBinary('knative-oracle-charts');
const knative = (docs: readonly unknown[]) => runOracle(BINARY, docs);

function build(props: CloudRunServiceProps): unknown {
  const chart = new Chart(new App(), 'o', { disableResourceNameHashes: true });
  new CloudRunService(chart, 'svc', props);
  return chart.toJson()[0];
}

test.before(async (t) => {
  t.timeout(20 * 60_000);
  await buildOracle(BINARY);
});

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
