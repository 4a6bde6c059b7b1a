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
  type ProbeProps,
  type SidecarProps,
  type Target,
} from '../../charts/cloudrun-service.ts';
import {
  cloudRunSchemaValidator,
  knativeSchemaValidator,
  schemaErrors,
  sharedMissing,
} from './helpers/oracles.ts';
import { validator } from './helpers/validator.ts';

const shared = sharedMissing() === undefined;

function build(props: CloudRunServiceProps): Record<string, unknown> {
  const chart = new Chart(new App(), 'p', { disableResourceNameHashes: true });
  new CloudRunService(chart, 'svc', props);
  return chart.toJson()[0] as Record<string, unknown>;
}

/** Mostly valid values (so most samples are accepted and validated), a few invalid ones. */
const v = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 24 }, { arbitrary: invalid, weight: 1 });
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** CPU / memory pairs inside Cloud Run's matrix at 1 vCPU or more. */
const SIZES: readonly (readonly [string, string])[] = [
  ['1', '512Mi'],
  ['1000m', '1Gi'],
  ['1', '4Gi'],
  ['2', '512M'],
  ['2', '8Gi'],
  ['4', '2Gi'],
  ['4', '16Gi'],
  ['6', '4Gi'],
  ['8', '32Gi'],
];
const FRACTIONAL: readonly (readonly [string, string])[] = [
  ['0.08', '128Mi'],
  ['0.25', '512Mi'],
  ['500m', '1Gi'],
  ['0.999', '1Gi'],
];
const BAD_SIZES: readonly (readonly [string, string])[] = [
  ['3', '1Gi'],
  ['1.5', '1Gi'],
  ['1', '64Mi'],
  ['1', '8Gi'],
  ['4', '1Gi'],
];
const dnsLabel = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
const envName = fc
  .stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/)
  .filter((n) => !n.startsWith('K_') && n !== 'PORT');
const labelPart = fc.stringMatching(/^[a-z]([a-z0-9_-]{0,6}[a-z0-9])?$/);

/** Probe timing inside Cloud Run's bounds (startup window ≤ 240 s). */
const probeTiming = fc
  .record({
    initialDelaySeconds: fc.integer({ min: 0, max: 30 }),
    periodSeconds: fc.integer({ min: 1, max: 10 }),
    failureThreshold: fc.integer({ min: 1, max: 20 }),
  })
  .chain((t) =>
    fc
      .record({ timeoutSeconds: fc.integer({ min: 1, max: t.periodSeconds }) })
      .map((x) => ({ ...t, ...x })),
  )
  .chain((t) =>
    fc
      .subarray(Object.keys(t))
      .map((keys) => Object.fromEntries(keys.map((k) => [k, t[k as keyof typeof t]]))),
  );

function probe(
  kinds: readonly ('http' | 'tcp' | 'grpc')[],
  port: fc.Arbitrary<number | undefined>,
): fc.Arbitrary<ProbeProps> {
  return fc
    .tuple(
      fc.constantFrom(...kinds),
      port,
      fc.constantFrom('/', '/api/health', '/healthz'),
      probeTiming,
    )
    .map(([type, p, path, timing]) => {
      const portPart = p === undefined ? {} : { port: p };
      if (type === 'http') return { type, path, ...portPart, ...timing };
      return { type, ...portPart, ...timing };
    });
}

const sidecar: fc.Arbitrary<SidecarProps> = fc.record(
  {
    name: dnsLabel,
    image: fc.constantFrom('otel/opentelemetry-collector', 'nginx:1.27', 'redis'),
    // With the ingress container's whole CPUs, a whole-CPU sidecar often keeps a valid total.
    cpu: fc.constantFrom('1', '2', '0.5'),
    memory: fc.constantFrom('256Mi', '512Mi', '1Gi'),
    env: fc.dictionary(envName, fc.string({ maxLength: 8 }), { maxKeys: 3, noNullPrototype: true }),
    startupProbe: probe(['http', 'tcp', 'grpc'], fc.integer({ min: 1, max: 65535 })),
    livenessProbe: probe(['http', 'grpc'], fc.integer({ min: 1, max: 65535 })),
  },
  { requiredKeys: ['name', 'image', 'startupProbe'] },
);

const propsArb = (target: Target): fc.Arbitrary<CloudRunServiceProps> =>
  fc
    .record(
      {
        name: v(dnsLabel, fc.constantFrom('Bad', 'x-', '9lives')),
        project: v(fc.constantFrom('my-project', 'elevendops-prod'), fc.constant('BAD')),
        region: fc.constantFrom('asia-east1', 'us-central1', 'europe-west4'),
        description: fc.string({ maxLength: 40 }),
        labels: fc.dictionary(labelPart, v(labelPart, fc.constant('-x')), {
          maxKeys: 3,
          noNullPrototype: true,
        }),
        image: fc.constantFrom(
          'elevendops',
          'gcr.io/p/app:1.2.3',
          'asia-east1-docker.pkg.dev/p/r/app@sha256:' + 'a'.repeat(64),
        ),
        port: v(
          fc
            .integer({ min: 1, max: 65535 })
            .filter((n) => ![8008, 8012, 8013, 8022, 9090, 9091].includes(n)),
          fc.constantFrom(0, 8012, 70000),
        ),
        portName: fc.constantFrom('http1' as const, 'h2c' as const),
        size: fc.oneof(
          { arbitrary: fc.constantFrom(...SIZES), weight: 16 },
          { arbitrary: fc.constantFrom(...FRACTIONAL), weight: 3 },
          { arbitrary: fc.constantFrom(...BAD_SIZES), weight: 1 },
        ),
        minInstances: fc.integer({ min: 0, max: 5 }),
        maxInstances: v(fc.integer({ min: 5, max: 100 }), fc.constantFrom(0, 1001)),
        concurrency: v(fc.integer({ min: 1, max: 1000 }), fc.constantFrom(0, 1001)),
        timeoutSeconds: v(fc.integer({ min: 1, max: 600 }), fc.constantFrom(0, 3601)),
        cpuAlwaysAllocated: fc.boolean(),
        startupCpuBoost: fc.boolean(),
        executionEnvironment: fc.constantFrom('gen1' as const, 'gen2' as const),
        ingress: fc.constantFrom(
          'all' as const,
          'internal' as const,
          'internal-and-cloud-load-balancing' as const,
        ),
        serviceAccount: v(
          target === 'cloudrun'
            ? fc.constantFrom('app-runner@my-project.iam.gserviceaccount.com')
            : fc.constantFrom('runner', 'default'),
          fc.constantFrom(
            target === 'cloudrun' ? 'runner' : 'app@my-project.iam.gserviceaccount.com',
          ),
        ),
        env: fc.dictionary(
          envName,
          fc.string({ maxLength: 12 }).filter((x) => !x.includes('$(')),
          { maxKeys: 5, noNullPrototype: true },
        ),
        secretEnv: fc.uniqueArray(
          fc.record({
            name: fc.stringMatching(/^SECRET_[A-Z]{1,6}$/),
            secretName:
              target === 'cloudrun' ? fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/) : dnsLabel,
            key:
              target === 'cloudrun'
                ? fc.constantFrom('latest', '1', '42')
                : fc.stringMatching(/^[a-z][a-z.-]{0,8}$/),
          }),
          { maxLength: 3, selector: (s) => s.name },
        ),
        secretVolumes: fc
          .uniqueArray(
            fc.record({
              volumeName: dnsLabel,
              mountPath: dnsLabel.map((n) => `/etc/${n}`),
              secretName:
                target === 'cloudrun' ? fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/) : dnsLabel,
            }),
            { maxLength: 2, selector: (x) => x.volumeName },
          )
          .filter((vs) => new Set(vs.map((x) => x.mountPath)).size === vs.length),
        startupProbe: probe(['http', 'tcp', 'grpc'], maybe(fc.integer({ min: 1, max: 65535 }))),
        livenessProbe: probe(
          target === 'cloudrun' ? ['http', 'grpc'] : ['http', 'grpc', 'tcp'],
          fc.constant(undefined),
        ),
        vpc: fc.oneof(
          fc.record({
            kind: fc.constant('connector' as const),
            connector: dnsLabel,
            egress: fc.constantFrom('all-traffic' as const, 'private-ranges-only' as const),
          }),
          fc.record(
            {
              kind: fc.constant('direct' as const),
              network: dnsLabel,
              subnetwork: dnsLabel,
              tags: fc.array(dnsLabel, { maxLength: 2 }),
            },
            { requiredKeys: ['kind', 'network'] },
          ),
        ),
        cloudSqlInstances: fc.array(
          fc.constantFrom('my-project:asia-east1:db', 'p-2:us-central1:main'),
          { maxLength: 2 },
        ),
        sessionAffinity: fc.boolean(),
        traffic: v(
          fc.constantFrom(
            [{ percent: 100 }],
            [
              { percent: 80, tag: 'stable' },
              { percent: 20, tag: 'canary' },
            ],
            [{ percent: 100, revisionName: 'x' }],
          ),
          fc.constant([{ percent: 50 }]),
        ),
        sidecars: fc.uniqueArray(sidecar, { maxLength: 2, selector: (x) => x.name }),
      },
      { requiredKeys: ['name', 'image', 'size'] },
    )
    .chain(({ size, ...p }) =>
      // Dependencies only among the containers that exist; revision names carry the service's.
      fc.subarray((p.sidecars ?? []).map((x) => x.name)).map((dependsOn) => ({
        ...p,
        target,
        cpu: size[0],
        memory: size[1],
        ...((p.traffic?.[0] as { revisionName?: string } | undefined)?.revisionName
          ? { traffic: [{ percent: 100, revisionName: `${String(p.name)}-00001-abc` }] }
          : {}),
        ...(dependsOn.length ? { dependsOn } : {}),
      })),
    );

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
