/**
 * The rule cases: for each rule, a mutation of the base manifest that breaks it and one that sits
 * exactly on its boundary and passes. Used by rules.test.ts and by the Knative oracle test.
 */
import type { Target } from '../../validator/index.ts';
import { ANN, C0, SANN, set, withSidecar, type Doc } from './helpers.ts';

export type Mutation = (d: Doc) => unknown;
export interface Case {
  readonly rule: string;
  readonly targets: readonly Target[];
  readonly why: string;
  readonly breaks: Mutation;
  readonly passes: Mutation;
  /** The finding's path in the breaking case, when it matters. */
  readonly path?: string;
}

const BOTH: readonly Target[] = ['cloudrun', 'knative'];
const CR: readonly Target[] = ['cloudrun'];
const KN: readonly Target[] = ['knative'];

/** A mutation that sets each [path, value] pair in turn. */
const m =
  (...pairs: [string, unknown][]): Mutation =>
  (d) => {
    for (const [p, v] of pairs) set(d, p, v);
    return d;
  };
const limits = (cpu: string, memory: string, extra: [string, unknown][] = []) =>
  m([`${C0}.resources.limits`, { cpu, memory }], ...extra);
const secretEnv = (name: string, secret = 'my-secret', key: string | null = 'latest') => ({
  name,
  valueFrom: { secretKeyRef: key === null ? { name: secret } : { name: secret, key } },
});
const gpu = (extra: [string, unknown][] = []) =>
  m(
    [`${C0}.resources.limits`, { cpu: '4', memory: '16Gi', 'nvidia.com/gpu': '1' }],
    ['spec.template.spec.nodeSelector', { 'run.googleapis.com/accelerator': 'nvidia-l4' }],
    [`${ANN}[run.googleapis.com/cpu-throttling]`, 'false'],
    ...extra,
  );
const volume = (v: Doc, mount: Doc = {}) =>
  m(
    ['spec.template.spec.volumes', [{ name: 'data', ...v }]],
    [`${C0}.volumeMounts`, [{ name: 'data', mountPath: '/data', ...mount }]],
  );
const sidecar =
  (s: Doc, ...pairs: [string, unknown][]): Mutation =>
  (d) => {
    withSidecar(d, s);
    return m(...pairs)(d);
  };
const probe = (kind: string, p: Doc) => m([`${C0}.${kind}`, p]);
const traffic = (...targets: Doc[]) => m(['spec.traffic', targets]);
const replace =
  (doc: unknown): Mutation =>
  () =>
    doc;

export const CASES: readonly Case[] = [
  // shape
  {
    rule: 'shape/document',
    targets: BOTH,
    why: 'a list is not a Service',
    breaks: replace([]),
    passes: (d) => d,
  },
  {
    rule: 'shape/api-version',
    targets: BOTH,
    why: 'v1beta1',
    breaks: m(['apiVersion', 'serving.knative.dev/v1beta1']),
    passes: (d) => d,
  },
  {
    rule: 'shape/kind',
    targets: BOTH,
    why: 'a Configuration',
    breaks: m(['kind', 'Configuration']),
    passes: (d) => d,
  },
  {
    rule: 'shape/unknown-field',
    targets: BOTH,
    why: 'a Job field in a Service (deploy-cloudrun#508)',
    breaks: m(['spec.template.spec.parallelism', 1]),
    passes: m(['metadata.generation', 4]),
    path: 'spec.template.spec.parallelism',
  },
  {
    rule: 'shape/unknown-field',
    targets: KN,
    why: 'a Kubernetes field outside the Knative mask',
    breaks: m([`${C0}.stdin`, true]),
    passes: m([`${C0}.workingDir`, '/app']),
  },
  {
    rule: 'shape/unsupported-field',
    targets: CR,
    why: 'envFrom',
    breaks: m([`${C0}.envFrom`, [{ prefix: 'X' }]]),
    passes: m([`${C0}.workingDir`, '/app']),
  },
  {
    rule: 'shape/feature-flag',
    targets: KN,
    why: 'nodeSelector behind kubernetes.podspec-nodeselector',
    breaks: m(['spec.template.spec.nodeSelector', { disk: 'ssd' }]),
    passes: m(['spec.template.spec.enableServiceLinks', false]),
  },
  {
    rule: 'shape/type',
    targets: CR,
    why: 'a fractional integer',
    breaks: m(['spec.template.spec.containerConcurrency', '1.5']),
    passes: m(['spec.template.spec.containerConcurrency', '80']),
  },
  {
    rule: 'shape/type',
    targets: KN,
    why: 'an integer written as a string',
    breaks: m(['spec.template.spec.containerConcurrency', '80']),
    passes: m(['spec.template.spec.containerConcurrency', 80]),
  },
  {
    rule: 'shape/type',
    targets: BOTH,
    why: 'an env value that is a number',
    breaks: m([`${C0}.env`, [{ name: 'N', value: 8 }]]),
    passes: m([`${C0}.env`, [{ name: 'N', value: '8' }]]),
  },
  {
    rule: 'shape/string-map-value',
    targets: BOTH,
    why: 'minScale: 1 unquoted (bigcommerce 9daba73)',
    breaks: m([`${ANN}[autoscaling.knative.dev/minScale]`, 1]),
    passes: m([`${ANN}[autoscaling.knative.dev/minScale]`, '1']),
  },
  // names
  {
    rule: 'names/service-name',
    targets: BOTH,
    why: '64 characters',
    breaks: m(['metadata.name', 'a'.repeat(64)]),
    passes: m(['metadata.name', `a${'b'.repeat(62)}`]),
  },
  {
    rule: 'names/service-name',
    targets: BOTH,
    why: 'an underscore',
    breaks: m(['metadata.name', 'my_service']),
    passes: m(['metadata.name', 'my-service']),
  },
  {
    rule: 'names/service-name-length',
    targets: CR,
    why: '50 characters',
    breaks: m(['metadata.name', 'a'.repeat(50)]),
    passes: m(['metadata.name', 'a'.repeat(49)]),
  },
  {
    rule: 'names/generate-name',
    targets: CR,
    why: 'a 31-character prefix',
    breaks: m(['metadata.generateName', 'a'.repeat(31)]),
    passes: m(['metadata.generateName', 'a'.repeat(30)]),
  },
  {
    rule: 'names/generate-name',
    targets: KN,
    why: 'an uppercase prefix',
    breaks: m(['metadata.generateName', 'App-']),
    passes: m(['metadata.name', undefined], ['metadata.generateName', 'app-']),
  },
  {
    rule: 'names/name-required',
    targets: CR,
    why: 'no name',
    breaks: m(['metadata.name', undefined]),
    passes: (d) => d,
  },
  {
    rule: 'names/name-required',
    targets: KN,
    why: 'neither name nor generateName',
    breaks: m(['metadata.name', undefined]),
    passes: m(['metadata.name', undefined], ['metadata.generateName', 'app-']),
  },
  {
    rule: 'names/revision-name',
    targets: BOTH,
    why: '64 characters',
    breaks: m(['spec.template.metadata.name', `app-${'x'.repeat(60)}`]),
    passes: m(['spec.template.metadata.name', `app-${'x'.repeat(59)}`]),
  },
  {
    rule: 'names/revision-name',
    targets: KN,
    why: 'no service-name prefix',
    breaks: m(['spec.template.metadata.name', 'other-00001']),
    passes: m(['spec.template.metadata.name', 'app-00001']),
  },
  {
    rule: 'names/container-name-syntax',
    targets: BOTH,
    why: 'uppercase',
    breaks: m([`${C0}.name`, 'App']),
    passes: m([`${C0}.name`, 'a'.repeat(63)]),
  },
  {
    rule: 'names/container-name',
    targets: BOTH,
    why: 'duplicate',
    breaks: sidecar({ name: 'app' }),
    passes: sidecar({ name: 'app2' }),
  },
  {
    rule: 'names/container-name',
    targets: KN,
    why: 'queue-proxy is reserved',
    breaks: m([`${C0}.name`, 'queue-proxy']),
    passes: m([`${C0}.name`, 'queue-proxy2']),
  },
  {
    rule: 'names/volume-name',
    targets: CR,
    why: 'cloudsql is reserved',
    breaks: (d) => {
      volume({ emptyDir: { medium: 'Memory' } })(d);
      return m(
        ['spec.template.spec.volumes[0].name', 'cloudsql'],
        [`${C0}.volumeMounts[0].name`, 'cloudsql'],
      )(d);
    },
    passes: volume({ emptyDir: { medium: 'Memory' } }),
  },
  {
    rule: 'names/volume-name',
    targets: KN,
    why: 'an underscore',
    breaks: (d) => {
      volume({ emptyDir: {} })(d);
      return m(
        ['spec.template.spec.volumes[0].name', 'my_vol'],
        [`${C0}.volumeMounts[0].name`, 'my_vol'],
      )(d);
    },
    passes: volume({ emptyDir: {} }),
  },
  {
    rule: 'names/label',
    targets: KN,
    why: 'a 64-character value',
    breaks: m(['metadata.labels', { team: 'a'.repeat(64) }]),
    passes: m(['metadata.labels', { team: 'a'.repeat(63) }]),
  },
  {
    rule: 'names/label',
    targets: CR,
    why: 'an uppercase key',
    breaks: m(['metadata.labels', { Team: 'x' }]),
    passes: m(['metadata.labels', { team: 'x', 'cloud.googleapis.com/location': 'europe-west1' }]),
  },
  // annotations
  {
    rule: 'annotations/known',
    targets: CR,
    why: 'a made-up run.googleapis.com annotation',
    breaks: m([`${ANN}[run.googleapis.com/made-up]`, 'x']),
    passes: m([`${ANN}[example.com/anything]`, 'x']),
  },
  {
    rule: 'annotations/level',
    targets: CR,
    why: 'secrets on the Service (terraform-google-cloud-run#16)',
    breaks: m([`${SANN}[run.googleapis.com/secrets]`, 'a:projects/p/secrets/s']),
    passes: m([`${ANN}[run.googleapis.com/secrets]`, 'a:projects/p/secrets/s']),
    path: 'metadata.annotations[run.googleapis.com/secrets]',
  },
  {
    rule: 'annotations/level',
    targets: CR,
    why: 'ingress on the template',
    breaks: m([`${ANN}[run.googleapis.com/ingress]`, 'all']),
    passes: m([`${SANN}[run.googleapis.com/ingress]`, 'all']),
  },
  {
    rule: 'annotations/level',
    targets: BOTH,
    why: 'autoscaling on the Service',
    breaks: m([`${SANN}[autoscaling.knative.dev/minScale]`, '1']),
    passes: m([`${ANN}[autoscaling.knative.dev/minScale]`, '1']),
  },
  {
    rule: 'annotations/value',
    targets: CR,
    why: 'ingress public',
    breaks: m([`${SANN}[run.googleapis.com/ingress]`, 'public']),
    passes: m([`${SANN}[run.googleapis.com/ingress]`, 'internal-and-cloud-load-balancing']),
  },
  {
    rule: 'annotations/value',
    targets: CR,
    why: 'description of 513 characters',
    breaks: m([`${SANN}[run.googleapis.com/description]`, 'd'.repeat(513)]),
    passes: m([`${SANN}[run.googleapis.com/description]`, 'd'.repeat(512)]),
  },
  {
    rule: 'annotations/value',
    targets: CR,
    why: 'two network interfaces',
    breaks: m([
      `${ANN}[run.googleapis.com/network-interfaces]`,
      '[{"network":"a"},{"network":"b"}]',
    ]),
    passes: m([
      `${ANN}[run.googleapis.com/network-interfaces]`,
      '[{"network":"a","subnetwork":"b","tags":["t"]}]',
    ]),
  },
  {
    rule: 'annotations/value',
    targets: CR,
    why: 'scaling target 0.96',
    breaks: m([`${ANN}[run.googleapis.com/scaling-cpu-target]`, '0.96']),
    passes: m([`${ANN}[run.googleapis.com/scaling-cpu-target]`, '0.95']),
  },
  {
    rule: 'annotations/container-dependencies',
    targets: CR,
    why: 'a dependency on a container that does not exist',
    breaks: sidecar({ startupProbe: { tcpSocket: { port: 9000 } } }, [
      `${ANN}[run.googleapis.com/container-dependencies]`,
      '{app: [ghost]}',
    ]),
    passes: sidecar({ startupProbe: { tcpSocket: { port: 9000 } } }, [
      `${ANN}[run.googleapis.com/container-dependencies]`,
      '{app: [sidecar]}',
    ]),
  },
  {
    rule: 'annotations/container-dependencies',
    targets: CR,
    why: 'the depended-on container has no startupProbe (cloud-run-samples#230)',
    breaks: sidecar({}, [
      `${ANN}[run.googleapis.com/container-dependencies]`,
      '{"app":["sidecar"]}',
    ]),
    passes: sidecar({ startupProbe: { httpGet: { port: 9000 } } }, [
      `${ANN}[run.googleapis.com/container-dependencies]`,
      '{"app":["sidecar"]}',
    ]),
    path: 'spec.template.spec.containers[1].startupProbe',
  },
  // scaling
  {
    rule: 'scaling/min-max',
    targets: BOTH,
    why: 'min above max',
    breaks: m([`${ANN}[autoscaling.knative.dev/minScale]`, '11']),
    passes: m([`${ANN}[autoscaling.knative.dev/minScale]`, '10']),
  },
  {
    rule: 'scaling/min-max',
    targets: KN,
    why: 'max-scale 0 means unlimited',
    breaks: m(
      [`${ANN}[autoscaling.knative.dev/max-scale]`, '1'],
      [`${ANN}[autoscaling.knative.dev/min-scale]`, '2'],
    ),
    passes: m(
      [`${ANN}[autoscaling.knative.dev/max-scale]`, '0'],
      [`${ANN}[autoscaling.knative.dev/min-scale]`, '2'],
    ),
  },
  {
    rule: 'scaling/value',
    targets: KN,
    why: 'negative min-scale',
    breaks: m([`${ANN}[autoscaling.knative.dev/min-scale]`, '-1']),
    passes: m([`${ANN}[autoscaling.knative.dev/min-scale]`, '0']),
  },
  {
    rule: 'scaling/value',
    targets: KN,
    why: 'initial-scale 0',
    breaks: m([`${ANN}[autoscaling.knative.dev/initial-scale]`, '0']),
    passes: m([`${ANN}[autoscaling.knative.dev/initial-scale]`, '1']),
  },
  {
    rule: 'scaling/value',
    targets: KN,
    why: 'target below 0.01',
    breaks: m([`${ANN}[autoscaling.knative.dev/target]`, '0.009']),
    passes: m([`${ANN}[autoscaling.knative.dev/target]`, '0.01']),
  },
  {
    rule: 'scaling/direct-vpc-max',
    targets: CR,
    why: 'maxScale 101 with network-interfaces (runway 438)',
    breaks: m(
      [`${ANN}[run.googleapis.com/network-interfaces]`, '[{"network":"n"}]'],
      [`${ANN}[autoscaling.knative.dev/maxScale]`, '101'],
    ),
    passes: m(
      [`${ANN}[run.googleapis.com/network-interfaces]`, '[{"network":"n"}]'],
      [`${ANN}[autoscaling.knative.dev/maxScale]`, '100'],
    ),
  },
  {
    rule: 'scaling/no-max-scale',
    targets: BOTH,
    why: 'no maxScale',
    breaks: m([`${ANN}[autoscaling.knative.dev/maxScale]`, undefined]),
    passes: (d) => d,
  },
  // revision
  {
    rule: 'revision/containers',
    targets: BOTH,
    why: 'no containers',
    breaks: m(['spec.template.spec.containers', []]),
    passes: (d) => d,
  },
  {
    rule: 'revision/container-concurrency',
    targets: BOTH,
    why: '1001',
    breaks: m(['spec.template.spec.containerConcurrency', 1001]),
    passes: m(['spec.template.spec.containerConcurrency', 1000]),
  },
  {
    rule: 'revision/timeout-seconds',
    targets: CR,
    why: '3601',
    breaks: m(['spec.template.spec.timeoutSeconds', 3601]),
    passes: m(['spec.template.spec.timeoutSeconds', 3600]),
  },
  {
    rule: 'revision/timeout-seconds',
    targets: KN,
    why: '601',
    breaks: m(['spec.template.spec.timeoutSeconds', 601]),
    passes: m(['spec.template.spec.timeoutSeconds', 600]),
  },
  {
    rule: 'revision/service-account',
    targets: CR,
    why: 'not an email',
    breaks: m(['spec.template.spec.serviceAccountName', 'runner']),
    passes: m(['spec.template.spec.serviceAccountName', 'runner@proj.iam.gserviceaccount.com']),
  },
  {
    rule: 'revision/service-account',
    targets: KN,
    why: 'an email',
    breaks: m(['spec.template.spec.serviceAccountName', 'runner@proj.iam.gserviceaccount.com']),
    passes: m(['spec.template.spec.serviceAccountName', 'runner']),
  },
  {
    rule: 'revision/node-selector',
    targets: CR,
    why: 'a Kubernetes node label',
    breaks: m(['spec.template.spec.nodeSelector', { 'kubernetes.io/arch': 'amd64' }]),
    passes: gpu(),
  },
  {
    rule: 'revision/runtime-class',
    targets: CR,
    why: 'runtimeClassName set',
    breaks: m(['spec.template.spec.runtimeClassName', 'gvisor']),
    passes: (d) => d,
  },
  {
    rule: 'revision/security-context',
    targets: KN,
    why: 'privileged: true',
    breaks: m([`${C0}.securityContext`, { privileged: true }]),
    passes: m([
      `${C0}.securityContext`,
      { privileged: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    ]),
  },
  {
    rule: 'revision/security-context',
    targets: KN,
    why: 'runAsUser -1',
    breaks: m([`${C0}.securityContext`, { runAsUser: -1 }]),
    passes: m([`${C0}.securityContext`, { runAsUser: 0 }]),
  },
  {
    rule: 'shape/feature-flag',
    targets: KN,
    why: 'adding capabilities',
    breaks: m([`${C0}.securityContext`, { capabilities: { add: ['NET_ADMIN'] } }]),
    passes: m([`${C0}.securityContext`, { capabilities: { drop: ['ALL'] } }]),
  },
  // image
  {
    rule: 'image/reference',
    targets: BOTH,
    why: 'a space',
    breaks: m([`${C0}.image`, 'gcr.io/proj/app 1']),
    passes: m([`${C0}.image`, `gcr.io/proj/app@sha256:${'a'.repeat(64)}`]),
  },
  {
    rule: 'image/reference',
    targets: BOTH,
    why: 'no image',
    breaks: m([`${C0}.image`, undefined]),
    passes: m([`${C0}.image`, 'nginx']),
  },
  {
    rule: 'image/reference',
    targets: KN,
    why: 'uppercase path',
    breaks: m([`${C0}.image`, 'gcr.io/PROJECT_ID/app:1']),
    passes: m([`${C0}.image`, 'gcr.io/project-id/app:1']),
  },
  {
    rule: 'image/lowercase',
    targets: CR,
    why: 'an unsubstituted PROJECT_ID',
    breaks: m([`${C0}.image`, 'gcr.io/PROJECT_ID/app:1']),
    passes: m([`${C0}.image`, 'gcr.io/project-id/app:1']),
  },
  {
    rule: 'image/mutable-tag',
    targets: BOTH,
    why: ':latest',
    breaks: m([`${C0}.image`, 'gcr.io/proj/app:latest']),
    passes: m([`${C0}.image`, 'gcr.io/proj/app:latest-2']),
  },
  // resources
  {
    rule: 'resources/keys',
    targets: CR,
    why: 'ephemeral-storage',
    breaks: m([`${C0}.resources.limits`, { 'ephemeral-storage': '1Gi' }]),
    passes: m([`${C0}.resources.limits`, { memory: '512Mi' }]),
  },
  {
    rule: 'resources/cpu',
    targets: CR,
    why: 'below 0.08',
    breaks: limits('0.079', '512Mi', [['spec.template.spec.containerConcurrency', 1]]),
    passes: limits('0.08', '512Mi', [['spec.template.spec.containerConcurrency', 1]]),
  },
  {
    rule: 'resources/cpu',
    targets: CR,
    why: '3 vCPU',
    breaks: limits('3', '2Gi'),
    passes: limits('4', '2Gi'),
  },
  {
    rule: 'resources/cpu',
    targets: CR,
    why: 'a 0.0005 step',
    breaks: limits('0.0805', '512Mi'),
    passes: limits('81m', '512Mi'),
  },
  {
    rule: 'resources/memory',
    targets: CR,
    why: 'not a quantity',
    breaks: limits('1', 'lots'),
    passes: limits('1', '4Gi'),
  },
  {
    rule: 'resources/memory',
    targets: CR,
    why: 'above 32 GiB',
    breaks: limits('8', '33Gi'),
    passes: limits('8', '32Gi'),
  },
  {
    rule: 'resources/memory-for-cpu',
    targets: CR,
    why: '8 GiB with 1 vCPU (repo-automation-bots#3875)',
    breaks: limits('1', '8Gi'),
    passes: limits('1', '4Gi'),
    path: 'spec.template.spec.containers[0].resources.limits.memory',
  },
  {
    rule: 'resources/memory-for-cpu',
    targets: CR,
    why: 'gen2 below 512 MiB',
    breaks: limits('1', '511Mi', [[`${ANN}[run.googleapis.com/execution-environment]`, 'gen2']]),
    passes: limits('1', '512Mi', [[`${ANN}[run.googleapis.com/execution-environment]`, 'gen2']]),
  },
  {
    rule: 'resources/memory-for-cpu',
    targets: CR,
    why: '4 vCPU below 2 GiB',
    breaks: limits('4', '2047Mi'),
    passes: limits('4', '2Gi'),
  },
  {
    rule: 'resources/memory-for-cpu',
    targets: CR,
    why: 'sidecars count: 2 x 3 GiB on 1+0.5 vCPU',
    breaks: (d) =>
      sidecar({ resources: { limits: { cpu: '500m', memory: '1Gi' } } })(
        limits('1', '3073Mi')(d) as Doc,
      ),
    passes: (d) =>
      sidecar({ resources: { limits: { cpu: '500m', memory: '1Gi' } } })(
        limits('1', '3Gi')(d) as Doc,
      ),
  },
  {
    rule: 'resources/fractional-cpu',
    targets: CR,
    why: 'concurrency 2 below 1 vCPU',
    breaks: limits('0.5', '512Mi', [['spec.template.spec.containerConcurrency', 2]]),
    passes: limits('0.5', '512Mi', [['spec.template.spec.containerConcurrency', 1]]),
  },
  {
    rule: 'resources/fractional-cpu',
    targets: CR,
    why: 'always-allocated CPU below 1 vCPU',
    breaks: limits('0.999', '512Mi', [[`${ANN}[run.googleapis.com/cpu-throttling]`, 'false']]),
    passes: limits('1', '512Mi', [[`${ANN}[run.googleapis.com/cpu-throttling]`, 'false']]),
  },
  {
    rule: 'resources/always-allocated-memory',
    targets: CR,
    why: 'gen2 + always-on CPU with 256 MiB (oboapp#449)',
    breaks: limits('1', '256Mi', [
      [`${ANN}[run.googleapis.com/execution-environment]`, 'gen2'],
      [`${ANN}[run.googleapis.com/cpu-throttling]`, 'false'],
    ]),
    passes: limits('1', '512Mi', [
      [`${ANN}[run.googleapis.com/execution-environment]`, 'gen2'],
      [`${ANN}[run.googleapis.com/cpu-throttling]`, 'false'],
    ]),
  },
  {
    rule: 'resources/gpu',
    targets: CR,
    why: 'two GPUs',
    breaks: gpu([[`${C0}.resources.limits[nvidia.com/gpu]`, '2']]),
    passes: gpu(),
  },
  {
    rule: 'resources/gpu',
    targets: CR,
    why: 'nvidia-l4 with 15 GiB',
    breaks: gpu([[`${C0}.resources.limits.memory`, '15Gi']]),
    passes: gpu([[`${C0}.resources.limits.memory`, '16Gi']]),
  },
  {
    rule: 'resources/gpu',
    targets: CR,
    why: 'GPU with request-based CPU',
    breaks: gpu([[`${ANN}[run.googleapis.com/cpu-throttling]`, 'true']]),
    passes: gpu(),
  },
  // ports
  {
    rule: 'ports/ingress-container',
    targets: BOTH,
    why: 'two containers with ports',
    breaks: sidecar({ ports: [{ containerPort: 9000 }] }),
    passes: sidecar({}),
  },
  {
    rule: 'ports/ingress-container',
    targets: BOTH,
    why: 'no container with a port',
    breaks: sidecar({}, [`${C0}.ports`, undefined]),
    passes: sidecar({}),
  },
  {
    rule: 'ports/count',
    targets: BOTH,
    why: 'two ports',
    breaks: m([`${C0}.ports`, [{ containerPort: 8080 }, { containerPort: 8081 }]]),
    passes: m([`${C0}.ports`, [{ containerPort: 8080 }]]),
  },
  {
    rule: 'ports/name',
    targets: BOTH,
    why: 'http',
    breaks: m([`${C0}.ports[0].name`, 'http']),
    passes: m([`${C0}.ports[0].name`, 'h2c']),
  },
  {
    rule: 'ports/protocol',
    targets: BOTH,
    why: 'UDP',
    breaks: m([`${C0}.ports[0].protocol`, 'UDP']),
    passes: m([`${C0}.ports[0].protocol`, 'TCP']),
  },
  {
    rule: 'ports/number',
    targets: CR,
    why: '65536',
    breaks: m([`${C0}.ports[0].containerPort`, 65536]),
    passes: m([`${C0}.ports[0].containerPort`, 65535]),
  },
  {
    rule: 'ports/number',
    targets: CR,
    why: '0',
    breaks: m([`${C0}.ports[0].containerPort`, 0]),
    passes: m([`${C0}.ports[0].containerPort`, 1]),
  },
  {
    rule: 'ports/number',
    targets: KN,
    why: '8012 is reserved',
    breaks: m([`${C0}.ports[0].containerPort`, 8012]),
    passes: m([`${C0}.ports[0].containerPort`, 8011]),
  },
  // env
  {
    rule: 'env/reserved-name',
    targets: BOTH,
    why: 'PORT on the ingress container',
    breaks: m([`${C0}.env`, [{ name: 'PORT', value: '9000' }]]),
    passes: sidecar({ env: [{ name: 'PORT', value: '8888' }] }),
  },
  {
    rule: 'env/reserved-name',
    targets: BOTH,
    why: 'K_SERVICE on a sidecar',
    breaks: sidecar({ env: [{ name: 'K_SERVICE', value: 'x' }] }),
    passes: sidecar({ env: [{ name: 'K_SERVICE_NAME', value: 'x' }] }),
  },
  {
    rule: 'env/name',
    targets: BOTH,
    why: 'no name',
    breaks: m([`${C0}.env`, [{ value: 'x' }]]),
    passes: m([`${C0}.env`, [{ name: 'A', value: 'x' }]]),
  },
  {
    rule: 'env/value-from',
    targets: CR,
    why: 'value and valueFrom',
    breaks: m([`${C0}.env`, [{ ...secretEnv('DB_PASSWORD'), value: 'x' }]]),
    passes: m([`${C0}.env`, [{ ...secretEnv('DB_PASSWORD'), value: '' }]]),
  },
  {
    rule: 'env/secret-ref',
    targets: CR,
    why: 'a secret name with a space',
    breaks: m([`${C0}.env`, [secretEnv('S', 'my secret')]]),
    passes: m([`${C0}.env`, [secretEnv('S', 'My_Secret-1')]]),
  },
  {
    rule: 'env/secret-ref',
    targets: CR,
    why: 'no version',
    breaks: m([`${C0}.env`, [secretEnv('S', 'my-secret', null)]]),
    passes: m([`${C0}.env`, [secretEnv('S', 'my-secret', '1')]]),
  },
  {
    rule: 'env/duplicate-secret',
    targets: CR,
    why: 'the same secret variable twice',
    breaks: m([`${C0}.env`, [secretEnv('S'), secretEnv('S')]]),
    passes: m([`${C0}.env`, [secretEnv('S'), secretEnv('T')]]),
  },
  {
    rule: 'env/count',
    targets: CR,
    why: '1001 variables',
    breaks: m([
      `${C0}.env`,
      Array.from({ length: 1001 }, (_, i) => ({ name: `V${i}`, value: 'x' })),
    ]),
    passes: m([
      `${C0}.env`,
      Array.from({ length: 1000 }, (_, i) => ({ name: `V${i}`, value: 'x' })),
    ]),
  },
  {
    rule: 'env/variable-reference',
    targets: CR,
    why: '$(HOME)',
    breaks: m([`${C0}.env`, [{ name: 'P', value: '$(HOME)/x' }]]),
    passes: m([`${C0}.env`, [{ name: 'P', value: '$HOME/x' }]]),
  },
  {
    rule: 'env/literal-secret',
    targets: BOTH,
    why: 'API_KEY as a literal',
    breaks: m([`${C0}.env`, [{ name: 'API_KEY', value: 'abc' }]]),
    passes: m([
      `${C0}.env`,
      [
        secretEnv('API_KEY'),
        { name: 'MAX_TOKENS', value: '512' },
        { name: 'EMPTY_TOKEN', value: '' },
      ],
    ]),
  },
  {
    rule: 'env/value-from',
    targets: KN,
    why: 'value and valueFrom (Kubernetes rejects the Pod)',
    breaks: m([`${C0}.env`, [{ ...secretEnv('DB_PASSWORD'), value: 'x' }]]),
    passes: m([`${C0}.env`, [secretEnv('DB_PASSWORD')]]),
  },
  // volumes
  {
    rule: 'volumes/source',
    targets: BOTH,
    why: 'emptyDir on disk',
    path: 'spec.template.spec.volumes[0].emptyDir.medium',
    breaks: volume({ emptyDir: { medium: 'Disk' } }),
    passes: volume({ emptyDir: { medium: 'Memory', sizeLimit: '512Mi' } }),
  },
  {
    rule: 'volumes/source',
    targets: CR,
    why: 'a CSI driver other than gcsfuse',
    breaks: volume({ csi: { driver: 'nfs.csi.k8s.io', volumeAttributes: { bucketName: 'b' } } }),
    passes: volume({
      csi: { driver: 'gcsfuse.run.googleapis.com', volumeAttributes: { bucketName: 'b' } },
    }),
  },
  {
    rule: 'volumes/source',
    targets: CR,
    why: 'NFS without a server',
    breaks: volume({ nfs: { path: '/x' } }),
    passes: volume({ nfs: { server: '10.0.0.2', path: '/x' } }),
  },
  {
    rule: 'volumes/source',
    targets: CR,
    why: 'a secret volume naming no valid secret',
    breaks: volume({ secret: { secretName: '%SECRET%' } }),
    passes: volume({ secret: { secretName: 'cfg' } }),
    path: 'spec.template.spec.volumes[0].secret.secretName',
  },
  {
    rule: 'probes/startup-window',
    targets: CR,
    why: 'period 240 with the default failureThreshold 3',
    breaks: probe('startupProbe', { tcpSocket: {}, periodSeconds: 240 }),
    passes: probe('startupProbe', { tcpSocket: {}, periodSeconds: 200 }),
  },
  {
    rule: 'resources/memory-for-cpu',
    targets: CR,
    why: 'unquoted numbers are a type error, not a wrong total',
    breaks: limits('1', '5Gi'),
    passes: m([`${C0}.resources.limits`, { memory: '4Gi' }]),
  },
  {
    rule: 'volumes/items',
    targets: BOTH,
    why: 'an item without a key',
    breaks: volume({ secret: { secretName: 's', items: [{ path: 'x' }] } }, { readOnly: true }),
    passes: volume(
      { secret: { secretName: 's', items: [{ key: 'latest', path: 'x/y' }] } },
      { readOnly: true },
    ),
  },
  {
    rule: 'volumes/items',
    targets: CR,
    why: 'a path with ..',
    breaks: volume({ secret: { secretName: 's', items: [{ key: 'latest', path: '../x' }] } }),
    passes: volume({
      secret: { secretName: 's', items: [{ key: 'latest', path: 'x..y' }], defaultMode: 0o777 },
    }),
  },
  {
    rule: 'volumes/execution-environment',
    targets: CR,
    why: 'Cloud Storage on gen1',
    breaks: (d) =>
      volume({
        csi: { driver: 'gcsfuse.run.googleapis.com', volumeAttributes: { bucketName: 'b' } },
      })(m([`${ANN}[run.googleapis.com/execution-environment]`, 'gen1'])(d) as Doc),
    passes: volume({
      csi: { driver: 'gcsfuse.run.googleapis.com', volumeAttributes: { bucketName: 'b' } },
    }),
  },
  {
    rule: 'volumes/mount',
    targets: BOTH,
    why: 'a mount of no volume',
    breaks: m([`${C0}.volumeMounts`, [{ name: 'ghost', mountPath: '/x' }]]),
    passes: volume({ emptyDir: {} }),
  },
  {
    rule: 'volumes/mount',
    targets: CR,
    why: 'a ":" in mountPath',
    breaks: volume({ emptyDir: {} }, { mountPath: '/a:b' }),
    passes: volume({ emptyDir: {} }, { mountPath: '/a-b' }),
  },
  {
    rule: 'volumes/mount',
    targets: KN,
    why: 'a relative mountPath',
    breaks: volume({ emptyDir: {} }, { mountPath: 'data' }),
    passes: volume({ emptyDir: {} }, { mountPath: '/data' }),
  },
  {
    rule: 'volumes/mount',
    targets: KN,
    why: 'mounted on /dev',
    breaks: volume({ emptyDir: {} }, { mountPath: '/dev/' }),
    passes: volume({ emptyDir: {} }, { mountPath: '/devices' }),
  },
  {
    rule: 'volumes/unmounted',
    targets: BOTH,
    why: 'a volume nobody mounts',
    breaks: m(['spec.template.spec.volumes', [{ name: 'data', emptyDir: {} }]]),
    passes: volume({ emptyDir: {} }),
  },
  // probes
  {
    rule: 'probes/handler',
    targets: CR,
    why: 'a TCP liveness probe',
    breaks: probe('livenessProbe', { tcpSocket: { port: 8080 } }),
    passes: probe('livenessProbe', { httpGet: { path: '/' } }),
  },
  {
    rule: 'probes/handler',
    targets: BOTH,
    why: 'two handlers',
    breaks: probe('startupProbe', { tcpSocket: {}, httpGet: {} }),
    passes: probe('startupProbe', { tcpSocket: {} }),
  },
  {
    rule: 'probes/range',
    targets: CR,
    why: 'startup period 241',
    breaks: probe('startupProbe', { tcpSocket: {}, periodSeconds: 241, failureThreshold: 1 }),
    passes: probe('startupProbe', { tcpSocket: {}, periodSeconds: 240, failureThreshold: 1 }),
  },
  {
    rule: 'probes/range',
    targets: CR,
    why: 'successThreshold 2',
    breaks: probe('livenessProbe', { httpGet: {}, successThreshold: 2 }),
    passes: probe('livenessProbe', { httpGet: {}, successThreshold: 1 }),
  },
  {
    rule: 'probes/range',
    targets: KN,
    why: 'readiness timeout without a period',
    breaks: probe('readinessProbe', { httpGet: {}, timeoutSeconds: 5 }),
    passes: probe('readinessProbe', { httpGet: {}, timeoutSeconds: 5, periodSeconds: 1 }),
  },
  {
    rule: 'probes/timeout-period',
    targets: CR,
    why: 'timeout 11 > period 10',
    breaks: probe('livenessProbe', { httpGet: {}, timeoutSeconds: 11, periodSeconds: 10 }),
    passes: probe('livenessProbe', { httpGet: {}, timeoutSeconds: 10, periodSeconds: 10 }),
  },
  {
    rule: 'probes/timeout-period',
    targets: CR,
    why: 'timeout 11 > default period',
    breaks: probe('livenessProbe', { httpGet: {}, timeoutSeconds: 11 }),
    passes: probe('livenessProbe', { httpGet: {}, timeoutSeconds: 10 }),
  },
  {
    rule: 'probes/startup-window',
    targets: CR,
    why: '61 x 10 s',
    breaks: probe('startupProbe', { tcpSocket: {}, failureThreshold: 61, periodSeconds: 10 }),
    passes: probe('startupProbe', { tcpSocket: {}, failureThreshold: 60, periodSeconds: 10 }),
  },
  {
    rule: 'probes/port',
    targets: CR,
    why: 'port 65536',
    breaks: probe('startupProbe', { tcpSocket: { port: 65536 } }),
    passes: probe('startupProbe', { tcpSocket: { port: 8080 } }),
  },
  {
    rule: 'probes/port',
    targets: KN,
    why: 'a named port that is not the container port',
    breaks: probe('livenessProbe', { httpGet: { port: 'web' } }),
    passes: (d) =>
      probe('livenessProbe', { httpGet: { port: 'http1' } })(
        m([`${C0}.ports[0].name`, 'http1'])(d) as Doc,
      ),
  },
  {
    rule: 'probes/port',
    targets: KN,
    why: 'a probe on a sidecar',
    breaks: sidecar({ startupProbe: { tcpSocket: { port: 9000 } } }),
    passes: sidecar({}),
  },
  {
    rule: 'probes/ingress-port',
    targets: BOTH,
    why: 'a probe on 8081',
    breaks: probe('startupProbe', { httpGet: { port: 8081 } }),
    passes: probe('startupProbe', { httpGet: { port: 8080 } }),
  },
  {
    rule: 'probes/sidecar-port',
    targets: CR,
    why: 'a sidecar probe without a port',
    breaks: sidecar({ startupProbe: { tcpSocket: {} } }),
    passes: sidecar({ startupProbe: { tcpSocket: { port: 9000 } } }),
  },
  {
    rule: 'probes/readiness',
    targets: CR,
    why: 'a readiness probe',
    breaks: probe('readinessProbe', { httpGet: {} }),
    passes: probe('livenessProbe', { httpGet: {} }),
  },
  {
    rule: 'probes/handler',
    targets: KN,
    why: 'a liveness probe without a handler (a readiness one gets TCP by default)',
    breaks: probe('livenessProbe', { periodSeconds: 5 }),
    passes: probe('readinessProbe', { periodSeconds: 5 }),
  },
  // traffic
  {
    rule: 'traffic/target',
    targets: BOTH,
    why: 'latestRevision with revisionName',
    breaks: traffic({ revisionName: 'app-00001', latestRevision: true, percent: 100 }),
    passes: traffic({ revisionName: 'app-00001', percent: 100 }),
  },
  {
    rule: 'traffic/target',
    targets: BOTH,
    why: 'configurationName',
    breaks: traffic({ configurationName: 'app', percent: 100 }),
    passes: traffic({ latestRevision: true, percent: 100 }),
  },
  {
    rule: 'traffic/percent',
    targets: BOTH,
    why: 'sum 99',
    breaks: traffic({ latestRevision: true, percent: 49 }, { revisionName: 'app-1', percent: 50 }),
    passes: traffic({ latestRevision: true, percent: 50 }, { revisionName: 'app-1', percent: 50 }),
  },
  {
    rule: 'traffic/percent',
    targets: BOTH,
    why: 'percent 101',
    breaks: traffic({ latestRevision: true, percent: 101 }),
    passes: traffic({ latestRevision: true, percent: 100 }),
  },
  {
    rule: 'traffic/tag',
    targets: CR,
    why: 'tag + name 47 characters',
    breaks: traffic({ latestRevision: true, percent: 100, tag: `t${'x'.repeat(43)}` }),
    passes: traffic({ latestRevision: true, percent: 100, tag: `t${'x'.repeat(42)}` }),
  },
  {
    rule: 'traffic/tag',
    targets: BOTH,
    why: 'an underscore',
    breaks: traffic({ latestRevision: true, percent: 100, tag: 'blue_green' }),
    passes: traffic({ latestRevision: true, percent: 100, tag: 'blue-green' }),
  },
  {
    rule: 'traffic/url',
    targets: KN,
    why: 'url in spec',
    breaks: traffic({ latestRevision: true, percent: 100, tag: 'x', url: 'http://x' }),
    passes: traffic({ latestRevision: true, percent: 100, tag: 'x' }),
  },
];
