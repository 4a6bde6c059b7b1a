/**
 * Properties of the `CloudRunService` construct:
 * - any props it accepts give a manifest with no validator error for its target, that also
 *   passes the schema oracles (Knative CRD; Cloud Run v1 discovery for the cloudrun target);
 * - it fails only with InvalidPropError, never a crash;
 * - props it rejects are named: one bad prop in otherwise good props → the error names that prop
 *   and quotes the value.
 */
import { fc, testProp } from '@fast-check/ava';
import { App, Chart } from 'cdk8s';
import {
  CloudRunService,
  InvalidPropError,
  type CloudRunServiceProps,
  type Target,
} from '../../charts/cloudrun-service.ts';
import {
  cloudRunSchemaValidator,
  knativeSchemaValidator,
  schemaErrors,
  sharedMissing,
} from './helpers/oracles.ts';
import { validator } from './helpers/validator.ts';
import { propsArb } from './helpers/arbitraries.ts';

const shared = sharedMissing() === undefined;

function build(props: CloudRunServiceProps): Record<string, unknown> {
  const chart = new Chart(new App(), 'p', { disableResourceNameHashes: true });
  new CloudRunService(chart, 'svc', props);
  return chart.toJson()[0] as Record<string, unknown>;
}

for (const target of ['cloudrun', 'knative'] as const) {
  testProp(
    `${target}: accepted props give a manifest with no validator error and valid against the schemas`,
    [propsArb(target)],
    (t, props) => {
      let doc: Record<string, unknown>;
      try {
        doc = build(props);
      } catch (error) {
        // Rejected: must be our error, naming a prop, never a crash.
        t.true(error instanceof InvalidPropError, String(error));
        t.truthy((error as InvalidPropError).prop);
        return;
      }
      const errors = validator
        .validateManifest(doc, { target })
        .filter((f) => f.severity === 'error');
      t.deepEqual(errors, [], JSON.stringify(props));
      if (shared) {
        t.deepEqual(schemaErrors(knativeSchemaValidator(), doc), []);
        if (target === 'cloudrun') t.deepEqual(schemaErrors(cloudRunSchemaValidator(), doc), []);
      }
    },
    { numRuns: 150 },
  );
}

/** Good production-like props; each mutation below breaks exactly one of them. */
const good: CloudRunServiceProps = {
  name: 'elevendops',
  image: 'elevendops',
  cpu: '2',
  memory: '1Gi',
  serviceAccount: 'elevendops-sa@my-project.iam.gserviceaccount.com',
  env: { APP_ENV: 'production' },
  secretEnv: [{ name: 'API_KEY', secretName: 'api-key', key: 'latest' }],
  startupProbe: { type: 'http', path: '/api/health', periodSeconds: 5, failureThreshold: 24 },
  livenessProbe: { type: 'http', path: '/api/health', periodSeconds: 30 },
};

type Mutation = readonly [
  prop: string,
  value: fc.Arbitrary<unknown>,
  apply: (v: any) => CloudRunServiceProps,
];

const MUTATIONS: readonly Mutation[] = [
  [
    'name',
    fc.constantFrom('Elevendops', '-a', 'a-', 'a'.repeat(50), '1a', 'a_b'),
    (v) => ({ ...good, name: v }),
  ],
  ['image', fc.constantFrom('', 'Has Upper', 'a b', 'x@sha256:12'), (v) => ({ ...good, image: v })],
  [
    'port',
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 65536 }), fc.constant(80.5)),
    (v) => ({ ...good, port: v }),
  ],
  [
    'cpu',
    fc.constantFrom('3', '5', '16', '0.05', '1.5', '2 cpus', '', '-1'),
    (v) => ({ ...good, cpu: v }),
  ],
  [
    'memory',
    fc.constantFrom('64Mi', '16Gi', '33Gi', '1Tb', '', '512'),
    (v) => ({ ...good, memory: v }),
  ],
  [
    'minInstances',
    fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 1001 }), fc.constant(1.5)),
    (v) => ({ ...good, minInstances: v }),
  ],
  [
    'maxInstances',
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 })),
    (v) => ({ ...good, maxInstances: v }),
  ],
  [
    'concurrency',
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 }), fc.constant(2.5)),
    (v) => ({ ...good, concurrency: v }),
  ],
  [
    'timeoutSeconds',
    fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 3601 })),
    (v) => ({ ...good, timeoutSeconds: v }),
  ],
  [
    'executionEnvironment',
    fc.constantFrom('gen3', 'GEN2', ''),
    (v) => ({ ...good, executionEnvironment: v }),
  ],
  ['ingress', fc.constantFrom('public', 'ALL', 'none'), (v) => ({ ...good, ingress: v })],
  [
    'serviceAccount',
    fc.constantFrom('runner', 'a@b.com', 'x@y.iam.gserviceaccount.org'),
    (v) => ({ ...good, serviceAccount: v }),
  ],
  [
    'env.',
    fc.constantFrom({ PORT: '1' }, { K_SERVICE: 'x' }, { '1BAD': 'x' }, { OK: '$(HOME)' }),
    (v) => ({ ...good, env: v }),
  ],
  [
    'secretEnv[0]',
    fc.constantFrom(
      { key: 'newest' },
      { secretName: 'has space' },
      { name: 'K_REVISION' },
      { name: 'APP_ENV' },
    ),
    (v) => ({ ...good, secretEnv: [{ ...good.secretEnv![0]!, ...v }] }),
  ],
  [
    'startupProbe',
    fc.constantFrom(
      { periodSeconds: 0 },
      { failureThreshold: 0 },
      { path: 'nope' },
      { failureThreshold: 100 },
      { timeoutSeconds: 6 },
    ),
    (v) => ({ ...good, startupProbe: { ...good.startupProbe!, ...v } }),
  ],
  [
    'livenessProbe',
    fc.constantFrom({ type: 'tcp' }, { periodSeconds: 3601 }, { initialDelaySeconds: -1 }),
    (v) => ({ ...good, livenessProbe: { ...good.livenessProbe!, ...v } }),
  ],
  [
    'labels.',
    fc.constantFrom({ Bad: 'x' }, { ok: 'UPPER' }, { 'run.googleapis.com/x': 'y' }),
    (v) => ({ ...good, labels: v }),
  ],
  [
    'description',
    fc.integer({ min: 513, max: 2000 }).map((n) => 'x'.repeat(n)),
    (v) => ({ ...good, description: v }),
  ],
  [
    'cloudSqlInstances[0]',
    fc.constantFrom('db', 'p:db', 'P:us-central1:db'),
    (v) => ({ ...good, cloudSqlInstances: [v] }),
  ],
  [
    'vpc.',
    fc.constantFrom(
      { kind: 'connector', connector: 'Bad Name' },
      { kind: 'direct' },
      { kind: 'connector', connector: 'c', egress: 'all' },
    ),
    (v) => ({ ...good, vpc: v }),
  ],
  [
    'traffic',
    fc.constantFrom(
      [{ percent: 90 }],
      [{ percent: 101 }],
      [
        { percent: 50, tag: 'x' },
        { percent: 50, tag: 'x' },
      ],
    ),
    (v) => ({ ...good, traffic: v }),
  ],
  [
    'sidecars',
    fc.constantFrom([{ name: 'app', image: 'x', cpu: '1' }], [{ name: 'Bad', image: 'x' }]),
    (v) => ({ ...good, sidecars: v }),
  ],
  ['dependsOn[0]', fc.constantFrom('missing', 'app'), (v) => ({ ...good, dependsOn: [v] })],
];

testProp(
  'one bad prop: the construct throws naming that prop',
  [
    fc
      .integer({ min: 0, max: MUTATIONS.length - 1 })
      .chain((i) => fc.tuple(fc.constant(i), MUTATIONS[i]![1])),
  ],
  (t, [i, value]) => {
    const [prop, , apply] = MUTATIONS[i]!;
    const error = t.throws(() => build(apply(value)), { instanceOf: InvalidPropError });
    if (!error) return;
    t.true(error.prop.startsWith(prop), `${error.prop} does not name ${prop}`);
    t.true(error.message.startsWith(`${error.prop}:`));
    if (typeof value === 'number' || (typeof value === 'string' && value.length < 100)) {
      t.true(
        error.message.includes(JSON.stringify(value)),
        `${error.message} does not quote ${JSON.stringify(value)}`,
      );
    }
  },
  { numRuns: 300 },
);

testProp(
  'the good props themselves are accepted on both targets',
  [fc.constantFrom<Target>('cloudrun', 'knative')],
  (t, target) => {
    const props =
      target === 'cloudrun'
        ? good
        : {
            ...good,
            target,
            serviceAccount: 'elevendops-sa',
            secretEnv: [{ name: 'API_KEY', secretName: 'app', key: 'api-key' }],
          };
    t.notThrows(() => build(props));
  },
);
