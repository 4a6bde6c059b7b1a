/**
 * The deployment config: every setting of the ElevenDops service, in one typed place, per
 * environment. The charts only translate it: the Cloud Run and Knative charts read `production`,
 * the local chart reads `development`. Change the service here (see docs/charts.md).
 */
import { SERVICE_SECRETS, type SecretSpec } from '../server/config/secrets.ts';
import { VARIABLES } from '../server/config/variables.ts';
import type { ExecutionEnvironment, Ingress, ProbeProps } from './cloudrun-service-props.ts';

/** Options that differ per project; everything else is fixed per environment below. */
export interface DeploymentOptions {
  /**
   * Google Cloud project id.
   * @default 'your-project-id' (a placeholder: synth warns; deploying it fails at once)
   */
  readonly project?: string;
  /** Cloud Run region. @default 'asia-east1' */
  readonly region?: string;
  /** Cloud Storage bucket for document content. @default '<project>-elevendops-knowledge' */
  readonly bucket?: string;
  /** Firestore database id. @default '(default)' */
  readonly firestoreDatabaseId?: string;
  /**
   * Extra browser origins allowed to call the API (the UI is served same-origin, so none are
   * needed for it). @default none
   */
  readonly corsOrigins?: readonly string[];
  /** LangSmith project that traces go to. @default 'elevendops' */
  readonly langsmithProject?: string;
}

export const PLACEHOLDER_PROJECT = 'your-project-id';
export const DEFAULT_REGION = 'asia-east1';
export const SERVICE_NAME = 'elevendops';
/** The Skaffold artifact name: Skaffold replaces it with the built `repo:tag@digest`. */
export const IMAGE = 'elevendops';
export const HEALTH_PATH = '/api/health';
export const INGRESS_PORT = 8080;
/** Backend address inside the container: loopback only, never exposed. */
export const BACKEND_API_URL = 'http://127.0.0.1:8000';
/** Kubernetes Secret holding the service's secrets on Knative and local clusters. */
export const KUBERNETES_SECRET_NAME = 'elevendops-secrets';

export interface DeploymentConfig {
  readonly environment: 'production' | 'development';
  readonly serviceName: string;
  readonly project: string;
  readonly region: string;
  readonly image: string;
  readonly port: number;
  readonly cpu: string;
  readonly memory: string;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  readonly cpuAlwaysAllocated: boolean;
  readonly startupCpuBoost: boolean;
  readonly executionEnvironment: ExecutionEnvironment;
  readonly ingress: Ingress;
  /** Cloud Run runtime identity (an email); its local part names the Kubernetes ServiceAccount. */
  readonly serviceAccountEmail: string;
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Plain environment; every name is one the service reads (server/config/variables.ts). */
  readonly env: Readonly<Record<string, string>>;
  /** The service's secrets: the foundation's single declaration, never re-declared. */
  readonly secrets: readonly SecretSpec[];
  readonly kubernetesSecretName: string;
  readonly startupProbe: ProbeProps;
  readonly livenessProbe: ProbeProps;
}

/**
 * Probes go to `/api/health` on the ingress port, with no probe port: the frontend proxies the
 * path to the backend, so the probe fails when either process is down.
 */
const STARTUP_PROBE: ProbeProps = {
  type: 'http',
  path: HEALTH_PATH,
  // Up to 120 s for both processes to come up: half of Cloud Run's 240 s startup window.
  periodSeconds: 5,
  timeoutSeconds: 3,
  failureThreshold: 24,
};

const LIVENESS_PROBE: ProbeProps = {
  type: 'http',
  path: HEALTH_PATH,
  periodSeconds: 30,
  timeoutSeconds: 5,
  failureThreshold: 3,
};

/** Throws when a name is not one the service reads: the charts must not invent variables. */
export function assertKnownVariables(env: Readonly<Record<string, string>>): void {
  const unknown = Object.keys(env).filter((n) => !(n in VARIABLES));
  if (unknown.length > 0) {
    throw new Error(
      `environment variables not read by the service (server/config/variables.ts): ${unknown.join(', ')}`,
    );
  }
  const secret = Object.keys(env).filter((n) => SERVICE_SECRETS.some((s) => s.env === n));
  if (secret.length > 0) {
    throw new Error(`secrets must come from SERVICE_SECRETS, not plain env: ${secret.join(', ')}`);
  }
}

/** The production service (Cloud Run, or Knative on GKE / any cluster). */
export function productionConfig(options: DeploymentOptions = {}): DeploymentConfig {
  const project = options.project ?? PLACEHOLDER_PROJECT;
  const region = options.region ?? DEFAULT_REGION;
  const env: Record<string, string> = {
    APP_ENV: 'production',
    GOOGLE_CLOUD_PROJECT: project,
    FIRESTORE_DATABASE_ID: options.firestoreDatabaseId ?? '(default)',
    GCS_BUCKET_NAME: options.bucket ?? `${project}-elevendops-knowledge`,
    DATA_BACKEND: 'gcp',
    USE_FIRESTORE_EMULATOR: 'false',
    USE_GCS_EMULATOR: 'false',
    BACKEND_API_URL,
    LANGSMITH_PROJECT: options.langsmithProject ?? 'elevendops',
    ...(options.corsOrigins?.length ? { CORS_ORIGINS: options.corsOrigins.join(',') } : {}),
  };
  assertKnownVariables(env);
  return {
    environment: 'production',
    serviceName: SERVICE_NAME,
    project,
    region,
    image: IMAGE,
    port: INGRESS_PORT,
    // The seed's sizing: two processes (frontend + backend) in one instance.
    cpu: '2',
    memory: '1Gi',
    minInstances: 0,
    maxInstances: 10,
    concurrency: 80,
    timeoutSeconds: 300,
    // The supervisor restarts children and forwards logs outside requests: it needs CPU then too.
    cpuAlwaysAllocated: true,
    startupCpuBoost: true,
    executionEnvironment: 'gen2',
    ingress: 'all',
    serviceAccountEmail: `elevendops-sa@${project}.iam.gserviceaccount.com`,
    description: 'ElevenDops: knowledge documents for the medical assistant (frontend + API).',
    labels: { app: SERVICE_NAME },
    env,
    secrets: SERVICE_SECRETS,
    kubernetesSecretName: KUBERNETES_SECRET_NAME,
    startupProbe: STARTUP_PROBE,
    livenessProbe: LIVENESS_PROBE,
  };
}

/** Emulators of the local cluster (the same two the test suite runs). */
export const LOCAL_EMULATORS = {
  firestore: {
    name: 'firestore-emulator',
    image: 'gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators',
    command: ['gcloud', 'emulators', 'firestore', 'start', '--host-port=0.0.0.0:8080'],
    port: 8080,
  },
  storage: {
    name: 'fake-gcs-server',
    image: 'fsouza/fake-gcs-server',
    port: 4443,
  },
} as const;

/** `skaffold dev` on minikube / kind / Docker Desktop: the app against the emulators. */
export function developmentConfig(): DeploymentConfig {
  const project = 'elevendops-local';
  const env: Record<string, string> = {
    APP_ENV: 'development',
    GOOGLE_CLOUD_PROJECT: project,
    FIRESTORE_DATABASE_ID: '(default)',
    GCS_BUCKET_NAME: 'elevendops-local',
    DATA_BACKEND: 'gcp',
    USE_FIRESTORE_EMULATOR: 'true',
    FIRESTORE_EMULATOR_HOST: `${LOCAL_EMULATORS.firestore.name}:${LOCAL_EMULATORS.firestore.port}`,
    USE_GCS_EMULATOR: 'true',
    STORAGE_EMULATOR_HOST: `http://${LOCAL_EMULATORS.storage.name}:${LOCAL_EMULATORS.storage.port}`,
    BACKEND_API_URL,
    LANGSMITH_PROJECT: 'elevendops',
    LOG_LEVEL: 'debug',
  };
  assertKnownVariables(env);
  const production = productionConfig({ project });
  return {
    ...production,
    environment: 'development',
    project,
    env,
    serviceAccountEmail: `elevendops-sa@${project}.iam.gserviceaccount.com`,
  };
}

/** Every environment the charts know, by name. */
export const ENVIRONMENTS = {
  production: productionConfig,
  development: developmentConfig,
} as const;
