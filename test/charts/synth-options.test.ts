import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { parseSynthArgs, SynthUsageError } from '../../charts/synth-options.ts';

test('defaults: dist, validation on, placeholder project with a warning', (t) => {
  const c = parseSynthArgs([], {});
  t.is(c.outDir, 'dist');
  t.true(c.validate);
  t.deepEqual(c.options, {});
  t.is(c.warnings.length, 1);
  t.regex(c.warnings[0]!, /your-project-id/);
});

test('project and region from flags before the environment', (t) => {
  const env = {
    GOOGLE_CLOUD_PROJECT: 'from-env',
    CLOUDSDK_RUN_REGION: 'us-central1',
    CDK8S_OUTDIR: 'out',
  };
  t.deepEqual(parseSynthArgs([], env).options, { project: 'from-env', region: 'us-central1' });
  t.is(parseSynthArgs([], env).outDir, 'out');
  const c = parseSynthArgs(
    ['--project', 'from-flag', '--region=europe-west1', '--outdir', 'x'],
    env,
  );
  t.deepEqual(c.options, { project: 'from-flag', region: 'europe-west1' });
  t.is(c.outDir, 'x');
  t.deepEqual(c.warnings, []);
  t.deepEqual(parseSynthArgs([], { CLOUDSDK_CORE_PROJECT: 'gcloud-project' }).options, {
    project: 'gcloud-project',
  });
  t.deepEqual(parseSynthArgs([], { GOOGLE_CLOUD_PROJECT: '  ' }).options, {});
});

test('bucket, CORS origins and --no-validate', (t) => {
  const c = parseSynthArgs(
    ['--bucket', 'b', '--cors-origins', 'https://a.example, https://b.example', '--no-validate'],
    {},
  );
  t.deepEqual(c.options, { bucket: 'b', corsOrigins: ['https://a.example', 'https://b.example'] });
  t.false(c.validate);
});

test('unknown arguments and missing values are usage errors that show the usage', (t) => {
  for (const argv of [['--projct', 'x'], ['--project'], ['--region='], ['extra']]) {
    const error = t.throws(() => parseSynthArgs(argv, {}), { instanceOf: SynthUsageError });
    t.regex(error.message, /usage: npm run synth/);
  }
});

testProp(
  'never throws anything but a usage error',
  [
    fc.array(
      fc.oneof(fc.string(), fc.constantFrom('--project', '--region', '--outdir', '--no-validate')),
    ),
  ],
  (t, argv) => {
    try {
      parseSynthArgs(argv, {});
      t.pass();
    } catch (error) {
      t.true(error instanceof SynthUsageError);
    }
  },
);
