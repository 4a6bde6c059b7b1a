/**
 * Translates the deployment config into `CloudRunService` props for one target. The two targets
 * differ only where the platforms do: who the service runs as, and where secrets live.
 */
import type { CloudRunServiceProps, Target } from './cloudrun-service-props.ts';
import type { DeploymentConfig } from './deployment-config.ts';

export function servicePropsFor(config: DeploymentConfig, target: Target): CloudRunServiceProps {
  const cloudRun = target === 'cloudrun';
  return {
    target,
    name: config.serviceName,
    ...(cloudRun ? { project: config.project, region: config.region } : {}),
    description: config.description,
    labels: config.labels,
    image: config.image,
    port: config.port,
    cpu: config.cpu,
    memory: config.memory,
    minInstances: config.minInstances,
    maxInstances: config.maxInstances,
    concurrency: config.concurrency,
    timeoutSeconds: config.timeoutSeconds,
    cpuAlwaysAllocated: config.cpuAlwaysAllocated,
    startupCpuBoost: config.startupCpuBoost,
    executionEnvironment: config.executionEnvironment,
    ingress: config.ingress,
    // Knative runs as a Kubernetes ServiceAccount: the email's local part (Workload Identity
    // binds that name to the Google service account on GKE).
    serviceAccount: cloudRun
      ? config.serviceAccountEmail
      : config.serviceAccountEmail.slice(0, config.serviceAccountEmail.indexOf('@')),
    env: config.env,
    // Cloud Run: one Secret Manager secret per variable, pinned to its version. Knative: keys of
    // one Kubernetes Secret, named as the Secret Manager secrets so both stores line up.
    secretEnv: config.secrets.map((s) => ({
      name: s.env,
      secretName: cloudRun ? s.secretName : config.kubernetesSecretName,
      key: cloudRun ? s.version : s.secretName,
    })),
    startupProbe: config.startupProbe,
    livenessProbe: config.livenessProbe,
  };
}
