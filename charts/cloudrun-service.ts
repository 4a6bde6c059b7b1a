/**
 * `CloudRunService`: one Knative Serving `Service` (serving.knative.dev/v1) that Cloud Run accepts
 * (`target: 'cloudrun'`) or that any Knative cluster accepts (`target: 'knative'`). Props are
 * checked at construction (./check-props.ts); every annotation goes to the level Cloud Run accepts
 * it at: service-level ones on `metadata`, revision-level ones on `spec.template.metadata`.
 */
import { Construct } from 'constructs';
import {
  Service,
  ServiceSpecTemplateSpecContainersLivenessProbeHttpGetPort as LivenessHttpPort,
  ServiceSpecTemplateSpecContainersLivenessProbeTcpSocketPort as LivenessTcpPort,
  ServiceSpecTemplateSpecContainersResourcesLimits as Limit,
  ServiceSpecTemplateSpecContainersStartupProbeHttpGetPort as StartupHttpPort,
  ServiceSpecTemplateSpecContainersStartupProbeTcpSocketPort as StartupTcpPort,
  type ServiceSpecTemplateSpecContainers,
  type ServiceSpecTemplateSpecContainersLivenessProbe,
  type ServiceSpecTemplateSpecContainersSecurityContext,
  type ServiceSpecTemplateSpecContainersStartupProbe,
  type ServiceSpecTemplateSpecVolumes,
} from '../imports/knative-serving.knative.dev.ts';
import { resolveProps, type ResolvedProps, type ResolvedSidecar } from './check-props.ts';
import type { CloudRunServiceProps, ProbeProps } from './cloudrun-service-props.ts';

export type * from './cloudrun-service-props.ts';
export { InvalidPropError } from './check-props.ts';

/** Annotations Cloud Run accepts only on the Service object. */
export const SERVICE_ANNOTATIONS = {
  ingress: 'run.googleapis.com/ingress',
  description: 'run.googleapis.com/description',
  launchStage: 'run.googleapis.com/launch-stage',
} as const;

/** Annotations Cloud Run accepts only on the revision template. */
export const REVISION_ANNOTATIONS = {
  minScale: 'autoscaling.knative.dev/minScale',
  maxScale: 'autoscaling.knative.dev/maxScale',
  cpuThrottling: 'run.googleapis.com/cpu-throttling',
  startupCpuBoost: 'run.googleapis.com/startup-cpu-boost',
  executionEnvironment: 'run.googleapis.com/execution-environment',
  sessionAffinity: 'run.googleapis.com/sessionAffinity',
  cloudSqlInstances: 'run.googleapis.com/cloudsql-instances',
  vpcConnector: 'run.googleapis.com/vpc-access-connector',
  vpcEgress: 'run.googleapis.com/vpc-access-egress',
  networkInterfaces: 'run.googleapis.com/network-interfaces',
  containerDependencies: 'run.googleapis.com/container-dependencies',
} as const;

/** Knative's own spellings (upstream prefers the kebab-case scale keys). */
const KNATIVE_ANNOTATIONS = {
  minScale: 'autoscaling.knative.dev/min-scale',
  maxScale: 'autoscaling.knative.dev/max-scale',
} as const;

const LOCATION_LABEL = 'cloud.googleapis.com/location';
const VISIBILITY_LABEL = 'networking.knative.dev/visibility';

/** The generated IntOrString port wrappers of each probe kind. */
interface PortFactories {
  readonly http: (port: number) => unknown;
  readonly tcp: (port: number) => unknown;
}

const STARTUP_PORTS: PortFactories = {
  http: (n) => StartupHttpPort.fromNumber(n),
  tcp: (n) => StartupTcpPort.fromNumber(n),
};
const LIVENESS_PORTS: PortFactories = {
  http: (n) => LivenessHttpPort.fromNumber(n),
  tcp: (n) => LivenessTcpPort.fromNumber(n),
};

function startupProbe(p: ProbeProps): ServiceSpecTemplateSpecContainersStartupProbe {
  return probeJson(p, STARTUP_PORTS);
}

function livenessProbe(p: ProbeProps): ServiceSpecTemplateSpecContainersLivenessProbe {
  return probeJson(p, LIVENESS_PORTS);
}

/** Startup and liveness probes share one shape; only the port wrapper classes differ. */
function probeJson(p: ProbeProps, ports: PortFactories): Record<string, unknown> {
  const timing = {
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
  // Port numbers stay out unless given: without one the probe goes to the serving port.
  switch (p.type) {
    case 'http':
      return {
        httpGet: {
          path: p.path,
          ...(p.port !== undefined ? { port: ports.http(p.port) } : {}),
          ...(p.httpHeaders?.length ? { httpHeaders: p.httpHeaders.map((h) => ({ ...h })) } : {}),
        },
        ...timing,
      };
    case 'tcp':
      return { tcpSocket: p.port !== undefined ? { port: ports.tcp(p.port) } : {}, ...timing };
    case 'grpc':
      return {
        grpc: {
          ...(p.port !== undefined ? { port: p.port } : {}),
          ...(p.service !== undefined ? { service: p.service } : {}),
        },
        ...timing,
      };
  }
}

function envList(env: Readonly<Record<string, string>>) {
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}

export class CloudRunService extends Construct {
  /** The generated Knative Service object. */
  readonly service: Service;
  /** Props after checks, with every default filled in. */
  readonly resolved: ResolvedProps;

  constructor(scope: Construct, id: string, props: CloudRunServiceProps) {
    super(scope, id);
    const r = resolveProps(props);
    this.resolved = r;
    const cloudRun = r.target === 'cloudrun';

    this.service = new Service(this, 'Resource', {
      metadata: {
        name: r.name,
        ...(cloudRun && r.project ? { namespace: r.project } : {}),
        ...(nonEmpty(serviceLabels(r)) ? { labels: serviceLabels(r) } : {}),
        ...(nonEmpty(serviceAnnotations(r)) ? { annotations: serviceAnnotations(r) } : {}),
      },
      spec: {
        template: {
          metadata: {
            ...(nonEmpty(r.labels) ? { labels: { ...r.labels } } : {}),
            annotations: revisionAnnotations(r),
          },
          spec: {
            containerConcurrency: r.concurrency,
            timeoutSeconds: r.timeoutSeconds,
            ...(r.serviceAccount ? { serviceAccountName: r.serviceAccount } : {}),
            containers: [
              ingressContainer(r),
              ...r.sidecars.map((s) => sidecarContainer(s, cloudRun)),
            ],
            ...(r.secretVolumes.length ? { volumes: volumes(r) } : {}),
          },
        },
        ...(r.traffic
          ? {
              traffic: r.traffic.map((t) => ({
                percent: t.percent,
                ...(t.revisionName ? { revisionName: t.revisionName } : { latestRevision: true }),
                ...(t.tag ? { tag: t.tag } : {}),
              })),
            }
          : {}),
      },
    });
  }
}

function nonEmpty(o: Readonly<Record<string, string>>): boolean {
  return Object.keys(o).length > 0;
}

function serviceLabels(r: ResolvedProps): Record<string, string> {
  const labels: Record<string, string> = { ...r.labels };
  if (r.target === 'cloudrun' && r.region) labels[LOCATION_LABEL] = r.region;
  if (r.target === 'knative' && r.ingress !== 'all') labels[VISIBILITY_LABEL] = 'cluster-local';
  return labels;
}

function serviceAnnotations(r: ResolvedProps): Record<string, string> {
  if (r.target !== 'cloudrun') return {};
  const a: Record<string, string> = { [SERVICE_ANNOTATIONS.ingress]: r.ingress };
  if (r.description !== undefined) a[SERVICE_ANNOTATIONS.description] = r.description;
  if (r.launchStage !== undefined) a[SERVICE_ANNOTATIONS.launchStage] = r.launchStage;
  return a;
}

function revisionAnnotations(r: ResolvedProps): Record<string, string> {
  if (r.target === 'knative') {
    return {
      [KNATIVE_ANNOTATIONS.minScale]: String(r.minInstances),
      [KNATIVE_ANNOTATIONS.maxScale]: String(r.maxInstances),
    };
  }
  const A = REVISION_ANNOTATIONS;
  const a: Record<string, string> = {
    [A.minScale]: String(r.minInstances),
    [A.maxScale]: String(r.maxInstances),
    [A.cpuThrottling]: String(!r.cpuAlwaysAllocated),
    [A.startupCpuBoost]: String(r.startupCpuBoost),
  };
  if (r.executionEnvironment) a[A.executionEnvironment] = r.executionEnvironment;
  if (r.sessionAffinity) a[A.sessionAffinity] = 'true';
  if (r.cloudSqlInstances.length) a[A.cloudSqlInstances] = r.cloudSqlInstances.join(',');
  if (r.vpc?.kind === 'connector') a[A.vpcConnector] = r.vpc.connector;
  if (r.vpc?.kind === 'direct') {
    const nic = {
      ...(r.vpc.network ? { network: r.vpc.network } : {}),
      ...(r.vpc.subnetwork ? { subnetwork: r.vpc.subnetwork } : {}),
      ...(r.vpc.tags?.length ? { tags: [...r.vpc.tags] } : {}),
    };
    a[A.networkInterfaces] = JSON.stringify([nic]);
  }
  if (r.vpc) a[A.vpcEgress] = r.vpc.egress ?? 'private-ranges-only';
  const deps: Record<string, readonly string[]> = {};
  if (r.dependsOn.length) deps[r.containerName] = r.dependsOn;
  for (const s of r.sidecars) if (s.dependsOn.length) deps[s.name] = s.dependsOn;
  if (nonEmpty(deps as never)) a[A.containerDependencies] = JSON.stringify(deps);
  return a;
}

function ingressContainer(r: ResolvedProps): ServiceSpecTemplateSpecContainers {
  return {
    name: r.containerName,
    image: r.image,
    ...(r.command ? { command: [...r.command] } : {}),
    ...(r.args ? { args: [...r.args] } : {}),
    ports: [{ name: r.portName, containerPort: r.port }],
    ...(nonEmpty(r.env) || r.secretEnv.length
      ? {
          env: [
            ...envList(r.env),
            ...r.secretEnv.map((s) => ({
              name: s.name,
              valueFrom: { secretKeyRef: { name: s.secretName, key: s.key } },
            })),
          ],
        }
      : {}),
    resources: { limits: { cpu: Limit.fromString(r.cpu), memory: Limit.fromString(r.memory) } },
    ...(r.secretVolumes.length
      ? {
          volumeMounts: r.secretVolumes.map((v) => ({
            name: v.volumeName,
            mountPath: v.mountPath,
            readOnly: true,
          })),
        }
      : {}),
    ...(r.startupProbe ? { startupProbe: startupProbe(r.startupProbe) } : {}),
    ...(r.livenessProbe ? { livenessProbe: livenessProbe(r.livenessProbe) } : {}),
    ...(r.target === 'knative' && r.securityContext === 'restricted'
      ? { securityContext: RESTRICTED }
      : {}),
  };
}

/** Kubernetes' restricted Pod Security profile, at container level (all Knative allows). */
const RESTRICTED: ServiceSpecTemplateSpecContainersSecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function sidecarContainer(
  s: ResolvedSidecar,
  cloudRun: boolean,
): ServiceSpecTemplateSpecContainers {
  return {
    name: s.name,
    image: s.image,
    ...(s.command ? { command: [...s.command] } : {}),
    ...(s.args ? { args: [...s.args] } : {}),
    ...(nonEmpty(s.env) ? { env: envList(s.env) } : {}),
    resources: { limits: { cpu: Limit.fromString(s.cpu), memory: Limit.fromString(s.memory) } },
    // Knative validates sidecar probes only behind the multi-container-probing feature flag.
    ...(cloudRun && s.startupProbe ? { startupProbe: startupProbe(s.startupProbe) } : {}),
    ...(cloudRun && s.livenessProbe ? { livenessProbe: livenessProbe(s.livenessProbe) } : {}),
  };
}

function volumes(r: ResolvedProps): ServiceSpecTemplateSpecVolumes[] {
  return r.secretVolumes.map((v) => ({
    name: v.volumeName,
    secret: {
      secretName: v.secretName,
      ...(v.items?.length ? { items: v.items.map((i) => ({ key: i.key, path: i.path })) } : {}),
    },
  }));
}
