/**
 * fast-check arbitraries of `CloudRunService` props: mostly valid (so most samples are accepted
 * and reach the validator and the oracles), with a few invalid values mixed in.
 */
import { fc } from '@fast-check/ava';
import type {
  CloudRunServiceProps,
  ProbeProps,
  SidecarProps,
  Target,
} from '../../../charts/cloudrun-service.ts';

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

export const propsArb = (target: Target): fc.Arbitrary<CloudRunServiceProps> =>
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
