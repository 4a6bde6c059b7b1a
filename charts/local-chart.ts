/**
 * The local charts (cdk8s-plus-27) for `skaffold dev` on minikube, kind or Docker Desktop. Like
 * Google's own local Cloud Run emulation (`gcloud code dev`), the app runs as a plain Deployment +
 * Service with the environment Cloud Run would give it (PORT, K_SERVICE, K_REVISION,
 * K_CONFIGURATION), next to the Firestore emulator and fake-gcs-server, with a dev-only Secret of
 * placeholders in place of Secret Manager.
 */
import { Chart, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { LOCAL_EMULATORS, type DeploymentConfig } from './deployment-config.ts';

/** What Cloud Run names a first revision; the local cluster has exactly one. */
const LOCAL_REVISION_SUFFIX = '00001-dev';

/** Placeholder a developer replaces in their own cluster; never a real key. */
export const DEV_SECRET_PLACEHOLDER = 'dev-placeholder-not-a-real-key';

/** Emulators may take a while on a cold laptop (JVM start): allow a minute. */
function emulatorStartup(port: number): kplus.Probe {
  return kplus.Probe.fromTcpSocket({
    port,
    periodSeconds: Duration.seconds(2),
    failureThreshold: 30,
  });
}

function chartOptions() {
  return { disableResourceNameHashes: true };
}

/** The dev-only Secret, keyed like Secret Manager so the app chart reads the same names. */
export class DevSecretChart extends Chart {
  readonly secret: kplus.Secret;

  constructor(scope: Construct, id: string, config: DeploymentConfig) {
    super(scope, id, chartOptions());
    this.secret = new kplus.Secret(this, 'secrets', {
      metadata: {
        name: config.kubernetesSecretName,
        labels: { app: config.serviceName, 'elevendops.dev/purpose': 'dev-placeholders' },
        annotations: {
          'elevendops.dev/note':
            'Development only: placeholder values. Production reads Secret Manager (dist/cloudrun/service.yaml).',
        },
      },
      stringData: Object.fromEntries(
        config.secrets.map((s) => [s.secretName, DEV_SECRET_PLACEHOLDER]),
      ),
    });
  }
}

/** The app: one Deployment + Service, environment as on Cloud Run, probes as on Cloud Run. */
export class LocalAppChart extends Chart {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, config: DeploymentConfig) {
    super(scope, id, chartOptions());
    const revision = `${config.serviceName}-${LOCAL_REVISION_SUFFIX}`;
    const secret = kplus.Secret.fromSecretName(this, 'secret-ref', config.kubernetesSecretName);
    const health = (periodSeconds: number, failureThreshold: number) =>
      kplus.Probe.fromHttpGet(
        config.startupProbe.type === 'http' ? config.startupProbe.path : '/',
        {
          port: config.port,
          periodSeconds: Duration.seconds(periodSeconds),
          failureThreshold,
          timeoutSeconds: Duration.seconds(3),
        },
      );

    this.deployment = new kplus.Deployment(this, 'app', {
      metadata: { name: config.serviceName, labels: { app: config.serviceName } },
      replicas: 1,
      // The app never talks to the Kubernetes API.
      automountServiceAccountToken: false,
      podMetadata: { labels: { app: config.serviceName } },
    });
    const container = this.deployment.addContainer({
      name: 'app',
      image: config.image,
      // Skaffold loads the image it built straight into minikube / kind: never pull it.
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      portNumber: config.port,
      envVariables: {
        ...Object.fromEntries(
          Object.entries(config.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
        ),
        // The Cloud Run container contract, as Cloud Run would set it.
        PORT: kplus.EnvValue.fromValue(String(config.port)),
        K_SERVICE: kplus.EnvValue.fromValue(config.serviceName),
        K_REVISION: kplus.EnvValue.fromValue(revision),
        K_CONFIGURATION: kplus.EnvValue.fromValue(config.serviceName),
        // No metadata server in a local cluster: keep the Google clients from waiting for one.
        METADATA_SERVER_DETECTION: kplus.EnvValue.fromValue('none'),
        ...Object.fromEntries(
          config.secrets.map((s) => [
            s.env,
            kplus.EnvValue.fromSecretValue({ secret, key: s.secretName }),
          ]),
        ),
      },
      resources: {
        cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.units(Number(config.cpu)) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      // The image's own numeric non-root user (Dockerfile.cloudrun), verified by Kubernetes.
      securityContext: { ensureNonRoot: true, readOnlyRootFilesystem: true },
      startup: health(5, 24),
      readiness: health(10, 3),
      liveness: health(30, 3),
    });
    // Node and its libraries may write temporary files; the root filesystem stays read-only.
    container.mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));
    this.service = this.deployment.exposeViaService({
      name: config.serviceName,
      ports: [{ port: config.port, targetPort: config.port, name: 'http' }],
    });
  }
}

/** Google's Firestore emulator, the same one the test suite runs. */
export class FirestoreEmulatorChart extends Chart {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string) {
    super(scope, id, chartOptions());
    const e = LOCAL_EMULATORS.firestore;
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: e.name, labels: { app: e.name } },
      replicas: 1,
      automountServiceAccountToken: false,
      podMetadata: { labels: { app: e.name } },
      // Third-party emulator images run as root; they hold no data worth protecting.
      securityContext: { ensureNonRoot: false },
    });
    this.deployment.addContainer({
      name: e.name,
      image: e.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      command: [...e.command],
      portNumber: e.port,
      resources: {
        cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      // gcloud writes its config under $HOME in the image, as root.
      securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false },
      // The emulator answers "Ok" on / once it serves.
      startup: emulatorStartup(e.port),
      readiness: kplus.Probe.fromHttpGet('/', { port: e.port, periodSeconds: Duration.seconds(2) }),
    });
    this.service = this.deployment.exposeViaService({
      name: e.name,
      ports: [{ port: e.port, targetPort: e.port, name: 'http' }],
    });
  }
}

/** fake-gcs-server: the Cloud Storage emulator, plain HTTP, in memory. */
export class FakeGcsChart extends Chart {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string) {
    super(scope, id, chartOptions());
    const e = LOCAL_EMULATORS.storage;
    const url = `http://${e.name}:${e.port}`;
    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: e.name, labels: { app: e.name } },
      replicas: 1,
      automountServiceAccountToken: false,
      podMetadata: { labels: { app: e.name } },
      // Third-party emulator images run as root; they hold no data worth protecting.
      securityContext: { ensureNonRoot: false },
    });
    this.deployment.addContainer({
      name: e.name,
      image: e.image,
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: [
        '-scheme',
        'http',
        '-host',
        '0.0.0.0',
        '-port',
        String(e.port),
        '-backend',
        'memory',
        // Upload and download URLs it hands out must resolve inside the cluster.
        '-external-url',
        url,
        '-public-host',
        `${e.name}:${e.port}`,
      ],
      portNumber: e.port,
      resources: {
        cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
        memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
      },
      securityContext: { ensureNonRoot: false, readOnlyRootFilesystem: false },
      startup: emulatorStartup(e.port),
      readiness: kplus.Probe.fromHttpGet('/storage/v1/b', {
        port: e.port,
        periodSeconds: Duration.seconds(2),
      }),
    });
    this.service = this.deployment.exposeViaService({
      name: e.name,
      ports: [{ port: e.port, targetPort: e.port, name: 'http' }],
    });
  }
}
