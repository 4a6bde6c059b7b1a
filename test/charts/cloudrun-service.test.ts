/**
 * The `CloudRunService` construct, feature by feature: defaults, where each setting lands in the
 * manifest (service vs revision annotations), what the knative target leaves out, and the errors
 * for props Cloud Run would reject.
 */
import test from 'ava';
import { App, Chart } from 'cdk8s';
import {
  CloudRunService,
  InvalidPropError,
  REVISION_ANNOTATIONS as R,
  SERVICE_ANNOTATIONS as S,
  type CloudRunServiceProps,
} from '../../charts/cloudrun-service.ts';

function manifest(props: CloudRunServiceProps): any {
  const chart = new Chart(new App(), 'test', { disableResourceNameHashes: true });
  new CloudRunService(chart, 'svc', props);
  const docs = chart.toJson();
  if (docs.length !== 1) throw new Error(`expected one object, got ${docs.length}`);
  return docs[0];
}

const base: CloudRunServiceProps = { name: 'hello', image: 'hello' };

test('defaults: Cloud Run defaults written out, so the manifest says what runs', (t) => {
  const m = manifest(base);
  t.is(m.metadata.name, 'hello');
  t.deepEqual(m.metadata.annotations, { [S.ingress]: 'all' });
  t.deepEqual(m.spec.template.metadata.annotations, {
    [R.minScale]: '0',
    [R.maxScale]: '100',
    [R.cpuThrottling]: 'true',
    [R.startupCpuBoost]: 'false',
  });
  const spec = m.spec.template.spec;
  t.is(spec.containerConcurrency, 80);
  t.is(spec.timeoutSeconds, 300);
  t.deepEqual(spec.containers[0], {
    name: 'app',
    image: 'hello',
    ports: [{ name: 'http1', containerPort: 8080 }],
    resources: { limits: { cpu: '1', memory: '512Mi' } },
  });
  t.is(m.spec.traffic, undefined);
});

test('below 1 CPU the default concurrency is 1, as Cloud Run requires', (t) => {
  const m = manifest({ ...base, cpu: '500m', memory: '256Mi' });
  t.is(m.spec.template.spec.containerConcurrency, 1);
});

test('service-level settings go on metadata, revision-level on the template', (t) => {
  const m = manifest({
    ...base,
    project: 'my-project-1',
    region: 'europe-west1',
    description: 'hi',
    launchStage: 'BETA',
    ingress: 'internal-and-cloud-load-balancing',
    labels: { team: 'docs' },
    executionEnvironment: 'gen2',
    cpuAlwaysAllocated: true,
    startupCpuBoost: true,
    sessionAffinity: true,
    cloudSqlInstances: ['my-project-1:europe-west1:db', 'other-proj:us-central1:db2'],
    vpc: { kind: 'connector', connector: 'my-connector', egress: 'all-traffic' },
    minInstances: 1,
    maxInstances: 5,
  });
  t.is(m.metadata.namespace, 'my-project-1');
  t.deepEqual(m.metadata.labels, { team: 'docs', 'cloud.googleapis.com/location': 'europe-west1' });
  t.deepEqual(m.metadata.annotations, {
    [S.ingress]: 'internal-and-cloud-load-balancing',
    [S.description]: 'hi',
    [S.launchStage]: 'BETA',
  });
  t.deepEqual(m.spec.template.metadata.labels, { team: 'docs' });
  t.deepEqual(m.spec.template.metadata.annotations, {
    [R.minScale]: '1',
    [R.maxScale]: '5',
    [R.cpuThrottling]: 'false',
    [R.startupCpuBoost]: 'true',
    [R.executionEnvironment]: 'gen2',
    [R.sessionAffinity]: 'true',
    [R.cloudSqlInstances]: 'my-project-1:europe-west1:db,other-proj:us-central1:db2',
    [R.vpcConnector]: 'my-connector',
    [R.vpcEgress]: 'all-traffic',
  });
});

test('Direct VPC egress: one network interface as JSON, max instances capped at 100', (t) => {
  const m = manifest({
    ...base,
    vpc: { kind: 'direct', network: 'default', subnetwork: 'sub-a', tags: ['web'] },
  });
  const a = m.spec.template.metadata.annotations;
  t.deepEqual(JSON.parse(a[R.networkInterfaces]), [
    { network: 'default', subnetwork: 'sub-a', tags: ['web'] },
  ]);
  t.is(a[R.vpcEgress], 'private-ranges-only');
  const error = t.throws(
    () => manifest({ ...base, maxInstances: 200, vpc: { kind: 'direct', network: 'default' } }),
    {
      instanceOf: InvalidPropError,
    },
  );
  t.is(error.prop, 'maxInstances');
  t.regex(error.message, /200 .*1 to 100/);
});

test('secrets as env and as volumes, per target', (t) => {
  const props: CloudRunServiceProps = {
    ...base,
    secretEnv: [{ name: 'API_KEY', secretName: 'api-key', key: 'latest' }],
    secretVolumes: [
      {
        volumeName: 'certs',
        mountPath: '/etc/certs',
        secretName: 'tls-cert',
        items: [{ key: '3', path: 'cert.pem' }],
      },
    ],
  };
  const m = manifest(props);
  const c = m.spec.template.spec.containers[0];
  t.deepEqual(c.env, [
    { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'api-key', key: 'latest' } } },
  ]);
  t.deepEqual(c.volumeMounts, [{ name: 'certs', mountPath: '/etc/certs', readOnly: true }]);
  t.deepEqual(m.spec.template.spec.volumes, [
    { name: 'certs', secret: { secretName: 'tls-cert', items: [{ key: '3', path: 'cert.pem' }] } },
  ]);
  // Knative: the key is a key of a Kubernetes Secret, not a version.
  const k = manifest({
    ...props,
    target: 'knative',
    secretEnv: [{ name: 'API_KEY', secretName: 'app-secrets', key: 'api-key' }],
    secretVolumes: [
      {
        volumeName: 'certs',
        mountPath: '/etc/certs',
        secretName: 'tls',
        items: [{ key: 'tls.crt', path: 'cert.pem' }],
      },
    ],
  });
  t.deepEqual(k.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef, {
    name: 'app-secrets',
    key: 'api-key',
  });
  const error = t.throws(
    () =>
      manifest({
        ...props,
        secretEnv: [{ name: 'API_KEY', secretName: 'api-key', key: 'newest' }],
      }),
    {
      instanceOf: InvalidPropError,
    },
  );
  t.is(error.prop, 'secretEnv[0].key');
  t.true(error.message.includes('"newest"'));
});

test('probes: no port on the ingress container unless given; tcp liveness refused on Cloud Run', (t) => {
  const m = manifest({
    ...base,
    startupProbe: { type: 'tcp', periodSeconds: 2, failureThreshold: 30 },
    livenessProbe: { type: 'grpc', service: 'health', periodSeconds: 60 },
  });
  const c = m.spec.template.spec.containers[0];
  t.deepEqual(c.startupProbe, { tcpSocket: {}, periodSeconds: 2, failureThreshold: 30 });
  t.deepEqual(c.livenessProbe, { grpc: { service: 'health' }, periodSeconds: 60 });
  const error = t.throws(() => manifest({ ...base, livenessProbe: { type: 'tcp' } }), {
    instanceOf: InvalidPropError,
  });
  t.is(error.prop, 'livenessProbe.type');
  t.notThrows(() => manifest({ ...base, target: 'knative', livenessProbe: { type: 'tcp' } }));
});

test('startup window beyond 240 s is refused with the arithmetic', (t) => {
  const error = t.throws(
    () =>
      manifest({
        ...base,
        startupProbe: { type: 'http', path: '/', periodSeconds: 10, failureThreshold: 25 },
      }),
    { instanceOf: InvalidPropError },
  );
  t.is(error.prop, 'startupProbe.failureThreshold');
  t.regex(error.message, /25 × periodSeconds 10 .* = 250 s/);
});

test('traffic split with tags; latest revision when no revision is named', (t) => {
  const m = manifest({
    ...base,
    traffic: [
      { percent: 90, revisionName: 'hello-00001-abc' },
      { percent: 10, tag: 'canary' },
    ],
  });
  t.deepEqual(m.spec.traffic, [
    { percent: 90, revisionName: 'hello-00001-abc' },
    { percent: 10, latestRevision: true, tag: 'canary' },
  ]);
  const sum = t.throws(() => manifest({ ...base, traffic: [{ percent: 50 }] }), {
    instanceOf: InvalidPropError,
  });
  t.is(sum.prop, 'traffic');
  const prefix = t.throws(
    () => manifest({ ...base, traffic: [{ percent: 100, revisionName: 'other-1' }] }),
    {
      instanceOf: InvalidPropError,
    },
  );
  t.is(prefix.prop, 'traffic[0].revisionName');
});

test('sidecars: container dependencies, totals checked on the instance', (t) => {
  const m = manifest({
    ...base,
    cpu: '1',
    memory: '512Mi',
    dependsOn: ['collector'],
    sidecars: [
      {
        name: 'collector',
        image: 'otel/opentelemetry-collector',
        cpu: '1',
        memory: '512Mi',
        startupProbe: { type: 'http', path: '/', port: 13133 },
      },
    ],
  });
  t.is(m.spec.template.metadata.annotations[R.containerDependencies], '{"app":["collector"]}');
  const [app, collector] = m.spec.template.spec.containers;
  t.deepEqual(app.ports, [{ name: 'http1', containerPort: 8080 }]);
  t.is(collector.ports, undefined);
  t.deepEqual(collector.startupProbe, { httpGet: { path: '/', port: 13133 } });

  const noProbe = t.throws(
    () =>
      manifest({
        ...base,
        dependsOn: ['collector'],
        sidecars: [{ name: 'collector', image: 'c', cpu: '1' }],
      }),
    { instanceOf: InvalidPropError },
  );
  t.is(noProbe.prop, 'dependsOn[0]');
  t.regex(noProbe.message, /startupProbe/);

  // 1 + 0.5 = 1.5 vCPU is no Cloud Run size.
  const total = t.throws(
    () => manifest({ ...base, sidecars: [{ name: 'proxy', image: 'p', cpu: '0.5' }] }),
    {
      instanceOf: InvalidPropError,
    },
  );
  t.is(total.prop, 'cpu');
  t.regex(total.message, /"1.5" vCPU for the instance total/);

  const cycle = t.throws(
    () =>
      manifest({
        ...base,
        cpu: '2',
        memory: '2Gi',
        sidecars: [
          {
            name: 'a',
            image: 'a',
            cpu: '1',
            dependsOn: ['b'],
            startupProbe: { type: 'tcp', port: 1 },
          },
          {
            name: 'b',
            image: 'b',
            cpu: '1',
            dependsOn: ['a'],
            startupProbe: { type: 'tcp', port: 2 },
          },
        ],
      }),
    { instanceOf: InvalidPropError },
  );
  t.regex(cycle.message, /cycle/);
});

test('knative target: Kubernetes names, no Cloud Run annotations, Cloud Run-only settings left out', (t) => {
  const m = manifest({
    ...base,
    target: 'knative',
    project: 'my-project-1',
    region: 'asia-east1',
    ingress: 'internal',
    serviceAccount: 'runner',
    cpuAlwaysAllocated: true,
    executionEnvironment: 'gen2',
    sessionAffinity: true,
    dependsOn: ['db'],
    sidecars: [
      { name: 'db', image: 'postgres', cpu: '1', startupProbe: { type: 'tcp', port: 5432 } },
    ],
  });
  const text = JSON.stringify(m);
  t.false(text.includes('run.googleapis.com'));
  t.is(m.metadata.namespace, undefined);
  t.deepEqual(m.metadata.labels, { 'networking.knative.dev/visibility': 'cluster-local' });
  t.is(m.spec.template.spec.serviceAccountName, 'runner');
  t.is(m.spec.template.spec.containers[1].startupProbe, undefined);
  t.deepEqual(m.spec.template.metadata.annotations, {
    'autoscaling.knative.dev/min-scale': '0',
    'autoscaling.knative.dev/max-scale': '100',
  });

  t.is(m.spec.template.spec.containers[0].securityContext.runAsNonRoot, true);
  const open = manifest({ ...base, target: 'knative', securityContext: 'none' });
  t.is(open.spec.template.spec.containers[0].securityContext, undefined);

  const email = t.throws(
    () => manifest({ ...base, target: 'knative', serviceAccount: 'sa@p.iam.gserviceaccount.com' }),
    { instanceOf: InvalidPropError },
  );
  t.is(email.prop, 'serviceAccount');
  const port = t.throws(() => manifest({ ...base, target: 'knative', port: 8012 }), {
    instanceOf: InvalidPropError,
  });
  t.regex(port.message, /Knative reserves/);
  const timeout = t.throws(() => manifest({ ...base, target: 'knative', timeoutSeconds: 900 }), {
    instanceOf: InvalidPropError,
  });
  t.regex(timeout.message, /"?900"? is not allowed: an integer from 1 to 600/);
});

test('the CPU / memory matrix', (t) => {
  const ok: [string, string][] = [
    ['0.08', '128Mi'],
    ['500m', '1Gi'],
    ['1', '4Gi'],
    ['2', '8Gi'],
    ['4', '2Gi'],
    ['8', '32Gi'],
  ];
  for (const [cpu, memory] of ok)
    t.notThrows(() => manifest({ ...base, cpu, memory }), `${cpu} ${memory}`);
  const bad: [string, string, string][] = [
    ['0.5', '2Gi', 'memory'],
    ['1', '8Gi', 'memory'],
    ['4', '1Gi', 'memory'],
    ['3', '1Gi', 'cpu'],
    ['1.5', '1Gi', 'cpu'],
    ['1', '64Mi', 'memory'],
    ['1', '64Gi', 'memory'],
  ];
  for (const [cpu, memory, prop] of bad) {
    const error = t.throws(
      () => manifest({ ...base, cpu, memory }),
      { instanceOf: InvalidPropError },
      `${cpu} ${memory}`,
    );
    t.is(error.prop, prop, `${cpu} ${memory}`);
  }
  const gen2 = t.throws(
    () => manifest({ ...base, memory: '256Mi', executionEnvironment: 'gen2' }),
    {
      instanceOf: InvalidPropError,
    },
  );
  t.regex(gen2.message, /gen2.*at least 512Mi/);
  const throttle = t.throws(
    () => manifest({ ...base, cpu: '0.5', memory: '512Mi', cpuAlwaysAllocated: true }),
    {
      instanceOf: InvalidPropError,
    },
  );
  t.is(throttle.prop, 'cpuAlwaysAllocated');
});

test('reserved and secret-shaped env are refused where Cloud Run would refuse them', (t) => {
  const reserved = t.throws(() => manifest({ ...base, env: { PORT: '9000' } }), {
    instanceOf: InvalidPropError,
  });
  t.is(reserved.prop, 'env.PORT');
  const reference = t.throws(() => manifest({ ...base, env: { A: '$(B)' } }), {
    instanceOf: InvalidPropError,
  });
  t.is(reference.prop, 'env.A');
  const duplicate = t.throws(
    () =>
      manifest({
        ...base,
        env: { KEY: 'x' },
        secretEnv: [{ name: 'KEY', secretName: 'k', key: 'latest' }],
      }),
    { instanceOf: InvalidPropError },
  );
  t.is(duplicate.prop, 'secretEnv[0].name');
});
