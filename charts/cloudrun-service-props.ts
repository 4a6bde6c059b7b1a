/**
 * Props of the `CloudRunService` construct. Each prop says its default and the rule that bounds it
 * (from Cloud Run's v1 Admin API and documentation, or upstream Knative's webhook for the
 * `knative` target). The construct checks every bound at construction time, so a mistake is an
 * exception pointing at the prop, not a 400 from `gcloud run services replace` minutes later.
 */

/** Which platform the manifest is for. */
export type Target = 'cloudrun' | 'knative';

/** Cloud Run's ingress settings (`run.googleapis.com/ingress`). */
export type Ingress = 'all' | 'internal' | 'internal-and-cloud-load-balancing';

export type ExecutionEnvironment = 'gen1' | 'gen2';

export type LaunchStage = 'ALPHA' | 'BETA' | 'GA';

/** An HTTP/1 GET probe. Success is any status from 200 to 399. */
export interface HttpProbeAction {
  readonly type: 'http';
  /** Path to request; must start with `/`. */
  readonly path: string;
  /**
   * Port to probe. Leave unset on the ingress container: the probe then goes to the serving port,
   * through the same process that answers users.
   * Rule: 1–65535; required on sidecars (they have no `ports`).
   * @default the ingress container's port
   */
  readonly port?: number;
  /** Extra request headers. @default none */
  readonly httpHeaders?: readonly { readonly name: string; readonly value: string }[];
}

/** A TCP connect probe. Cloud Run accepts it as a startup probe only (not for liveness). */
export interface TcpProbeAction {
  readonly type: 'tcp';
  /** Rule: 1–65535; required on sidecars. @default the ingress container's port */
  readonly port?: number;
}

/** A gRPC health-checking-protocol probe. */
export interface GrpcProbeAction {
  readonly type: 'grpc';
  /** Rule: 1–65535; required on sidecars. @default the ingress container's port */
  readonly port?: number;
  /** gRPC service name to check. @default the server's overall health */
  readonly service?: string;
}

export type ProbeAction = HttpProbeAction | TcpProbeAction | GrpcProbeAction;

export interface ProbeTiming {
  /**
   * Seconds before the first probe.
   * Rule: 0–240 for startup probes, 0–3600 for liveness probes.
   * @default 0
   */
  readonly initialDelaySeconds?: number;
  /**
   * Seconds between probes.
   * Rule: 1–240 for startup probes, 1–3600 for liveness probes; ≥ timeoutSeconds.
   * @default 10
   */
  readonly periodSeconds?: number;
  /**
   * Seconds a probe may take.
   * Rule: 1–3600 and ≤ periodSeconds.
   * @default 1
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures before the container counts as failed.
   * Rule: ≥ 1. For startup probes the whole window (initialDelaySeconds + failureThreshold ×
   * periodSeconds) must stay ≤ 240 s: older documentation's limit (newer allows 600), so the
   * manifest is accepted under both.
   * @default 3
   */
  readonly failureThreshold?: number;
}

export type ProbeProps = ProbeAction & ProbeTiming;

/** An environment variable filled from a secret at revision start. */
export interface SecretEnvVar {
  /** Variable name. Rule: unique across plain and secret env of the container. */
  readonly name: string;
  /**
   * Cloud Run: the Secret Manager secret id (same project; `[A-Za-z0-9_-]`, 1–255 chars).
   * Knative: the Kubernetes Secret's name (DNS-1123 subdomain).
   */
  readonly secretName: string;
  /**
   * Cloud Run: the secret version, `latest` or a version number (`latest` follows rotations at
   * the next revision). Knative: the key inside the Kubernetes Secret.
   */
  readonly key: string;
}

/** Files from a secret, mounted read-only into the ingress container. */
export interface SecretVolume {
  /** Volume name. Rule: DNS-1123 label, unique, not `cloudsql` (reserved by Cloud Run). */
  readonly volumeName: string;
  /** Absolute directory to mount at. Rule: no `:`, not `/`, `/dev` or `/dev/log`, unique. */
  readonly mountPath: string;
  /** Secret Manager secret id (Cloud Run) or Kubernetes Secret name (Knative). */
  readonly secretName: string;
  /**
   * Which versions (Cloud Run) or keys (Knative) become which files.
   * Rule: `path` relative, without `..`.
   * @default one file named after the secret holding the latest version
   */
  readonly items?: readonly { readonly key: string; readonly path: string }[];
}

/** Serverless VPC Access connector. */
export interface VpcConnector {
  readonly kind: 'connector';
  /** Connector name or `projects/P/locations/R/connectors/C`. */
  readonly connector: string;
  /** @default 'private-ranges-only' */
  readonly egress?: 'all-traffic' | 'private-ranges-only';
}

/** Direct VPC egress: the instance gets an interface in the subnetwork. */
export interface DirectVpc {
  readonly kind: 'direct';
  /** VPC network name. At least one of network and subnetwork is required. @default derived from subnetwork */
  readonly network?: string;
  /** Subnetwork name. @default the network's subnetwork in the region */
  readonly subnetwork?: string;
  /** Network tags. Rule: each a lowercase RFC 1035 label. @default none */
  readonly tags?: readonly string[];
  /** @default 'private-ranges-only' */
  readonly egress?: 'all-traffic' | 'private-ranges-only';
}

export type VpcEgress = VpcConnector | DirectVpc;

/** One route of traffic. */
export interface TrafficTargetProps {
  /** Rule: integer 0–100; all targets sum to 100. */
  readonly percent: number;
  /** A revision by name. Rule: starts with `<service name>-`. @default the latest ready revision */
  readonly revisionName?: string;
  /**
   * A tag gives the target its own URL. Rule: DNS-1035 label, unique, tag + service name ≤ 46
   * characters.
   * @default no tag
   */
  readonly tag?: string;
}

/** A sidecar container: no ports, reached by the ingress container over localhost. */
export interface SidecarProps {
  /** Rule: DNS-1123 label (≤ 63 chars), unique among the containers. */
  readonly name: string;
  readonly image: string;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's arguments */
  readonly args?: readonly string[];
  /** Plain variables. Rule: K_SERVICE, K_REVISION, K_CONFIGURATION are reserved. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Rule: as the service's `cpu`; the instance total must be a valid Cloud Run CPU. @default '0.5' */
  readonly cpu?: string;
  /** Rule: as the service's `memory`; the instance total is what Cloud Run checks. @default '256Mi' */
  readonly memory?: string;
  /**
   * Required when another container depends on this one (Cloud Run waits for it).
   * Rule: port must be given. Knative target: omitted (sidecar probes need a feature flag there).
   * @default none
   */
  readonly startupProbe?: ProbeProps;
  /** Rule: http or grpc, port given. Knative target: omitted. @default none */
  readonly livenessProbe?: ProbeProps;
  /** Containers that must be started before this one. @default none */
  readonly dependsOn?: readonly string[];
}

export interface CloudRunServiceProps {
  /**
   * Which platform to emit for. `knative` writes a plain Knative Service: Kubernetes names for the
   * service account and secrets, no `run.googleapis.com` annotations, and Cloud Run-only settings
   * (CPU allocation, startup boost, execution environment, VPC, Cloud SQL, session affinity,
   * container dependencies, sidecar probes) left out.
   * @default 'cloudrun'
   */
  readonly target?: Target;
  /**
   * Service name (`metadata.name`). Rule: lowercase letters, digits and `-`, starts with a letter,
   * does not end with `-`, ≤ 49 characters (revision names `<name>-NNNNN-xxx` must stay ≤ 63).
   */
  readonly name: string;
  /**
   * Google Cloud project id, written as `metadata.namespace` (Cloud Run target only).
   * Rule: 6–30 chars, lowercase letters, digits, `-`, starts with a letter.
   * @default unset: gcloud / Skaffold use their configured project
   */
  readonly project?: string;
  /**
   * Region, written as the `cloud.googleapis.com/location` label (Cloud Run target only).
   * Rule: a region id such as `asia-east1`.
   * @default unset: gcloud / Skaffold use their configured region
   */
  readonly region?: string;
  /** `run.googleapis.com/description`. Rule: ≤ 512 characters. @default none */
  readonly description?: string;
  /**
   * Labels on the service and its revisions. Rule: keys and values ≤ 63 chars of lowercase
   * letters, digits, `_` and `-`; keys start with a letter; no `run.googleapis.com`,
   * `cloud.googleapis.com`, `serving.knative.dev` or `autoscaling.knative.dev` prefixes.
   * @default none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** `run.googleapis.com/launch-stage`, to opt into preview features. @default unset (GA) */
  readonly launchStage?: LaunchStage;

  /** Container image. With Skaffold, the artifact name; Skaffold substitutes the built reference. */
  readonly image: string;
  /**
   * Knative target only (Cloud Run takes no securityContext; its sandbox isolates the container):
   * `restricted` gives the ingress container Kubernetes' restricted profile (non-root, no
   * privilege escalation, all capabilities dropped, RuntimeDefault seccomp), which is what
   * Knative's webhook warns about otherwise. The image must run as a numeric non-root user.
   * `none` leaves it to the cluster.
   * @default 'restricted'
   */
  readonly securityContext?: 'restricted' | 'none';
  /** Name of the ingress container. Rule: DNS-1123 label, not `queue-proxy`. @default 'app' */
  readonly containerName?: string;
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** Rule: ≤ 1000 arguments, no `$(VAR)` references. @default the image's arguments */
  readonly args?: readonly string[];
  /**
   * The port requests arrive on (`$PORT` in the container).
   * Rule: 1–65535; Knative reserves 8012, 8013, 8022, 8008, 9090, 9091.
   * @default 8080
   */
  readonly port?: number;
  /** `h2c` for end-to-end HTTP/2. @default 'http1' */
  readonly portName?: 'http1' | 'h2c';

  /**
   * vCPUs of the ingress container (`"2"`, `"0.5"`, `"500m"`).
   * Rule: 0.08–1 in steps of 0.001, or 1, 2, 4, 6, 8. Below 1 (instance total): concurrency 1,
   * CPU only during requests, gen1.
   * @default '1'
   */
  readonly cpu?: string;
  /**
   * Memory of the ingress container (`"512Mi"`, `"1Gi"`, `"512M"`).
   * Rule on the instance total: 128Mi (gen1) / 512Mi (gen2) – 32Gi, and within the CPU's range:
   * < 0.5 CPU ≤ 512Mi, < 1 CPU ≤ 1Gi, 1 CPU ≤ 4Gi, 2 ≤ 8Gi, 4: 2–16Gi, 6: 4–24Gi, 8: 4–32Gi.
   * @default '512Mi'
   */
  readonly memory?: string;

  /** `autoscaling.knative.dev/minScale`. Rule: integer ≥ 0, ≤ maxInstances. @default 0 */
  readonly minInstances?: number;
  /**
   * `autoscaling.knative.dev/maxScale`. Rule: integer 1–1000; ≤ 100 with Direct VPC egress.
   * @default 100
   */
  readonly maxInstances?: number;
  /**
   * Concurrent requests per instance (`containerConcurrency`). Autoscaling follows it.
   * Rule: 1–1000; must be 1 when the instance has less than 1 CPU.
   * @default 80 (1 below 1 CPU)
   */
  readonly concurrency?: number;
  /** Request timeout. Rule: 1–3600 s on Cloud Run, 1–600 s on Knative (its default maximum). @default 300 */
  readonly timeoutSeconds?: number;
  /**
   * CPU always allocated (instance-based billing; `run.googleapis.com/cpu-throttling: "false"`)
   * instead of only during requests. Needed for work outside requests (a supervisor, timers).
   * Rule: needs ≥ 1 CPU; with gen2, ≥ 512Mi.
   * @default false
   */
  readonly cpuAlwaysAllocated?: boolean;
  /** `run.googleapis.com/startup-cpu-boost`: more CPU while starting. @default false */
  readonly startupCpuBoost?: boolean;
  /**
   * `run.googleapis.com/execution-environment`. gen2 = full Linux compatibility, faster CPU and
   * network. Rule: gen2 needs ≥ 512Mi; below 1 CPU only gen1.
   * @default unset (Cloud Run chooses)
   */
  readonly executionEnvironment?: ExecutionEnvironment;
  /**
   * `run.googleapis.com/ingress`. Knative target: `internal` and `internal-and-cloud-load-balancing`
   * become the `networking.knative.dev/visibility: cluster-local` label.
   * @default 'all'
   */
  readonly ingress?: Ingress;
  /**
   * Runtime identity. Cloud Run: a service-account email (`name@project.iam.gserviceaccount.com`).
   * Knative: a Kubernetes ServiceAccount name (DNS-1123 subdomain).
   * @default the project's default compute service account / the namespace's `default`
   */
  readonly serviceAccount?: string;

  /**
   * Plain variables of the ingress container. Rule: names of letters, digits and `_`, not
   * starting with a digit; PORT, K_SERVICE, K_REVISION, K_CONFIGURATION are reserved; values
   * without `$(` references; ≤ 1000 variables; no name also in `secretEnv`.
   * @default none
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Variables filled from secrets (`valueFrom.secretKeyRef`). @default none */
  readonly secretEnv?: readonly SecretEnvVar[];
  /** Secrets mounted as files. @default none */
  readonly secretVolumes?: readonly SecretVolume[];

  /**
   * Startup probe of the ingress container. Rule: http, tcp or grpc; window ≤ 240 s.
   * @default Cloud Run's default: a TCP check of the port
   */
  readonly startupProbe?: ProbeProps;
  /** Liveness probe of the ingress container. Rule: http or grpc on Cloud Run. @default none */
  readonly livenessProbe?: ProbeProps;

  /** VPC egress through a connector or Direct VPC (Cloud Run target only). @default none */
  readonly vpc?: VpcEgress;
  /**
   * Cloud SQL instances to connect (`run.googleapis.com/cloudsql-instances`, Cloud Run target only).
   * Rule: each `PROJECT:REGION:INSTANCE`.
   * @default none
   */
  readonly cloudSqlInstances?: readonly string[];
  /** `run.googleapis.com/sessionAffinity` (Cloud Run target only). @default false */
  readonly sessionAffinity?: boolean;
  /** Traffic split. @default 100 % to the latest ready revision */
  readonly traffic?: readonly TrafficTargetProps[];
  /** Sidecar containers. Rule: at most 9 (10 containers per instance). @default none */
  readonly sidecars?: readonly SidecarProps[];
  /**
   * Containers the ingress container waits for (`run.googleapis.com/container-dependencies`).
   * Rule: each names a sidecar that has a startup probe.
   * @default none
   */
  readonly dependsOn?: readonly string[];
}
