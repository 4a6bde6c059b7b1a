/**
 * Checks `CloudRunService` props against the bounds their docs state and fills in the defaults.
 * Pure: props in, resolved props out, or an `InvalidPropError` naming the prop, quoting the value
 * and saying what is allowed. The bounds come from ../shared/reference/cloudrun-rules.md (Cloud
 * Run's v1 API and documentation, upstream Knative's webhook for the knative target).
 */
import type {
  CloudRunServiceProps,
  ExecutionEnvironment,
  Ingress,
  LaunchStage,
  ProbeProps,
  SecretEnvVar,
  SecretVolume,
  SidecarProps,
  Target,
  TrafficTargetProps,
  VpcEgress,
} from './cloudrun-service-props.ts';
import { addCpus, formatBytes, GiB, MiB, parseCpu, parseMemory } from './quantity.ts';

export class InvalidPropError extends Error {
  override readonly name = 'InvalidPropError';
  constructor(
    /** Dotted path of the prop at fault, e.g. `sidecars[0].startupProbe.port`. */
    readonly prop: string,
    message: string,
  ) {
    super(`${prop}: ${message}`);
  }
}

export interface ResolvedSidecar {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly cpu: string;
  readonly memory: string;
  readonly startupProbe: ProbeProps | undefined;
  readonly livenessProbe: ProbeProps | undefined;
  readonly dependsOn: readonly string[];
}

export interface ResolvedProps {
  readonly target: Target;
  readonly name: string;
  readonly project: string | undefined;
  readonly region: string | undefined;
  readonly description: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly launchStage: LaunchStage | undefined;
  readonly image: string;
  readonly securityContext: 'restricted' | 'none';
  readonly containerName: string;
  readonly command: readonly string[] | undefined;
  readonly args: readonly string[] | undefined;
  readonly port: number;
  readonly portName: 'http1' | 'h2c';
  readonly cpu: string;
  readonly memory: string;
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  readonly cpuAlwaysAllocated: boolean;
  readonly startupCpuBoost: boolean;
  readonly executionEnvironment: ExecutionEnvironment | undefined;
  readonly ingress: Ingress;
  readonly serviceAccount: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: readonly SecretEnvVar[];
  readonly secretVolumes: readonly SecretVolume[];
  readonly startupProbe: ProbeProps | undefined;
  readonly livenessProbe: ProbeProps | undefined;
  readonly vpc: VpcEgress | undefined;
  readonly cloudSqlInstances: readonly string[];
  readonly sessionAffinity: boolean;
  readonly traffic: readonly TrafficTargetProps[] | undefined;
  readonly sidecars: readonly ResolvedSidecar[];
  readonly dependsOn: readonly string[];
}

const RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'] as const;
const RESERVED_SIDECAR_ENV = ['K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'] as const;
/** queue-proxy and profiling ports of upstream Knative (pkg/networking/constants.go). */
const KNATIVE_RESERVED_PORTS = [8008, 8012, 8013, 8022, 9090, 9091] as const;
const VALID_WHOLE_CPUS = [1, 2, 4, 6, 8] as const;
const INGRESS_VALUES = ['all', 'internal', 'internal-and-cloud-load-balancing'] as const;
const LAUNCH_STAGES = ['ALPHA', 'BETA', 'GA'] as const;
const RESERVED_LABEL_PREFIXES = [
  'run.googleapis.com',
  'cloud.googleapis.com',
  'serving.knative.dev',
  'autoscaling.knative.dev',
] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PROJECT_ID = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
const SA_EMAIL = /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[a-z0-9][-a-z0-9.]*\.gserviceaccount\.com$/;
const SECRET_MANAGER_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_VERSION = /^(latest|[1-9][0-9]{0,9})$/;
const K8S_SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;
/** Google Cloud label rules, within Kubernetes' (start and end alphanumeric). */
const GCP_LABEL_KEY = /^[a-z]([-_a-z0-9]{0,61}[a-z0-9])?$/;
const GCP_LABEL_VALUE = /^([a-z0-9]([-_a-z0-9]{0,61}[a-z0-9])?)?$/;
const IMAGE =
  /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*(:[\w][\w.-]{0,127})?(@sha256:[a-f0-9]{64})?$/;
const CONNECTOR =
  /^([a-z][-a-z0-9]{0,23}[a-z0-9]|projects\/[^/\s]+\/locations\/[a-z0-9-]+\/connectors\/[a-z][-a-z0-9]{0,23}[a-z0-9])$/;
const NETWORK_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const CLOUD_SQL =
  /^([a-z][-a-z0-9.:]*[a-z0-9]):([a-z]+-[a-z]+[0-9]+):([a-z][-a-z0-9]{0,96}[a-z0-9]|[a-z])$/;

const q = (value: unknown): string => JSON.stringify(value);

/** Small assertion helpers: each names the prop and quotes the value. */
function check(condition: boolean, prop: string, message: string): asserts condition {
  if (!condition) throw new InvalidPropError(prop, message);
}

function intIn(prop: string, value: number, min: number, max: number, why = ''): number {
  check(
    Number.isInteger(value) && value >= min && value <= max,
    prop,
    `${q(value)} is not allowed: an integer from ${min} to ${max}${why}`,
  );
  return value;
}

function oneOf<T extends string>(prop: string, value: T, allowed: readonly T[]): T {
  check(allowed.includes(value), prop, `${q(value)} is not allowed: one of ${allowed.join(', ')}`);
  return value;
}

function matches(prop: string, value: string, pattern: RegExp, what: string, maxLength = Infinity) {
  check(
    typeof value === 'string' && pattern.test(value) && value.length <= maxLength,
    prop,
    `${q(value)} is not allowed: ${what}`,
  );
}

function checkName(name: string): void {
  matches(
    'name',
    name,
    DNS_1035_LABEL,
    'lowercase letters, digits and "-", starting with a letter, not ending with "-", at most 49 characters',
    49,
  );
}

function checkContainerName(prop: string, name: string, target: Target): void {
  matches(
    prop,
    name,
    DNS_LABEL,
    'a DNS-1123 label (lowercase letters, digits, "-"), at most 63 characters',
    63,
  );
  check(
    !(target === 'knative' && name === 'queue-proxy'),
    prop,
    `${q(name)} is not allowed: Knative reserves the container name queue-proxy`,
  );
}

function checkImage(prop: string, image: string): void {
  matches(
    prop,
    image,
    IMAGE,
    'an image reference such as "elevendops", "REGION-docker.pkg.dev/PROJECT/REPO/IMAGE:TAG" or "...@sha256:DIGEST"',
    1024,
  );
}

function checkArgs(prop: string, args: readonly string[] | undefined): void {
  if (args === undefined) return;
  check(args.length <= 1000, prop, `${args.length} entries are not allowed: at most 1000`);
  args.forEach((a, i) =>
    check(
      typeof a === 'string' && !a.includes('$('),
      `${prop}[${i}]`,
      `${q(a)} is not allowed: Cloud Run does not expand $(VAR) references`,
    ),
  );
}

function checkEnv(
  prop: string,
  env: Readonly<Record<string, string>>,
  reserved: readonly string[],
) {
  const names = Object.keys(env);
  check(names.length <= 1000, prop, `${names.length} variables are not allowed: at most 1000`);
  for (const name of names) {
    const value = env[name];
    matches(
      `${prop}.${name}`,
      name,
      ENV_NAME,
      'a variable name of letters, digits and "_", not starting with a digit',
    );
    check(
      !reserved.includes(name),
      `${prop}.${name}`,
      `${q(name)} is not allowed: Cloud Run sets ${reserved.join(', ')} itself`,
    );
    check(
      typeof value === 'string' && !value.includes('$(') && value.length <= 32768,
      `${prop}.${name}`,
      `${q(value)} is not allowed: a string of at most 32768 characters without $(VAR) references`,
    );
  }
}

interface CpuMemory {
  readonly cpu: number;
  readonly memory: number;
}

function readCpu(prop: string, value: string): number {
  const cpu = typeof value === 'string' ? parseCpu(value) : undefined;
  check(
    cpu !== undefined &&
      ((cpu >= 0.08 && cpu <= 1) || (VALID_WHOLE_CPUS as readonly number[]).includes(cpu)),
    prop,
    `${q(value)} is not allowed: 0.08 to 1 vCPU in steps of 0.001 ("0.5", "500m"), or 1, 2, 4, 6, 8`,
  );
  return cpu;
}

function readMemory(prop: string, value: string): number {
  const bytes = typeof value === 'string' ? parseMemory(value) : undefined;
  check(
    bytes !== undefined && bytes >= 128 * MiB && bytes <= 32 * GiB,
    prop,
    `${q(value)} is not allowed: 128Mi to 32Gi, written with Mi, Gi, M or G ("512Mi", "1Gi")`,
  );
  return bytes;
}

/** Memory range Cloud Run allows for a CPU total (services, instance-based or request-based). */
export function memoryRangeForCpu(cpu: number): { readonly min: number; readonly max: number } {
  if (cpu < 0.5) return { min: 128 * MiB, max: 512 * MiB };
  if (cpu < 1) return { min: 128 * MiB, max: GiB };
  if (cpu === 1) return { min: 128 * MiB, max: 4 * GiB };
  if (cpu === 2) return { min: 128 * MiB, max: 8 * GiB };
  if (cpu === 4) return { min: 2 * GiB, max: 16 * GiB };
  if (cpu === 6) return { min: 4 * GiB, max: 24 * GiB };
  return { min: 4 * GiB, max: 32 * GiB };
}

/** The rules Cloud Run applies to the instance total (sum over containers). */
function checkInstanceTotals(
  p: CloudRunServiceProps,
  total: CpuMemory,
  concurrency: number,
  cpuAlwaysAllocated: boolean,
  gen: ExecutionEnvironment | undefined,
): void {
  const many = (p.sidecars?.length ?? 0) > 0;
  const what = many ? 'the instance total (all containers)' : 'the instance';
  check(
    (total.cpu >= 0.08 && total.cpu <= 1) ||
      (VALID_WHOLE_CPUS as readonly number[]).includes(total.cpu),
    'cpu',
    `${q(String(total.cpu))} vCPU for ${what} is not allowed: 0.08 to 1, or 1, 2, 4, 6, 8`,
  );
  const range = memoryRangeForCpu(total.cpu);
  check(
    total.memory >= range.min && total.memory <= range.max,
    'memory',
    `${q(formatBytes(total.memory))} for ${what} is not allowed with ${total.cpu} vCPU: ${formatBytes(range.min)} to ${formatBytes(range.max)}`,
  );
  if (gen === 'gen2') {
    check(
      total.memory >= 512 * MiB,
      'memory',
      `${q(formatBytes(total.memory))} for ${what} is not allowed with executionEnvironment "gen2": at least 512Mi`,
    );
  }
  if (total.cpu < 1) {
    check(
      concurrency === 1,
      'concurrency',
      `${q(concurrency)} is not allowed with less than 1 vCPU (${total.cpu}): must be 1`,
    );
    check(
      !cpuAlwaysAllocated,
      'cpuAlwaysAllocated',
      `true is not allowed with less than 1 vCPU (${total.cpu}): CPU always allocated needs at least 1`,
    );
    check(
      gen !== 'gen2',
      'executionEnvironment',
      `"gen2" is not allowed with less than 1 vCPU (${total.cpu}): only gen1`,
    );
  }
}

function checkProbe(
  prop: string,
  probe: ProbeProps,
  kind: 'startup' | 'liveness',
  target: Target,
  sidecar: boolean,
): void {
  const types =
    kind === 'liveness' && target === 'cloudrun' ? ['http', 'grpc'] : ['http', 'tcp', 'grpc'];
  check(
    types.includes(probe.type),
    `${prop}.type`,
    `${q(probe.type)} is not allowed for a ${kind} probe${target === 'cloudrun' ? ' on Cloud Run' : ''}: one of ${types.join(', ')}`,
  );
  if (probe.type === 'http') {
    check(
      typeof probe.path === 'string' && probe.path.startsWith('/') && !/\s/.test(probe.path),
      `${prop}.path`,
      `${q(probe.path)} is not allowed: an absolute path such as "/api/health"`,
    );
    probe.httpHeaders?.forEach((h, i) =>
      matches(
        `${prop}.httpHeaders[${i}].name`,
        h.name,
        /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/,
        'an HTTP header name',
      ),
    );
  }
  if (probe.type === 'grpc' && probe.service !== undefined) {
    check(
      typeof probe.service === 'string',
      `${prop}.service`,
      `${q(probe.service)} is not a string`,
    );
  }
  if (probe.port !== undefined) intIn(`${prop}.port`, probe.port, 1, 65535);
  else
    check(
      !sidecar,
      `${prop}.port`,
      'is required on a sidecar probe: sidecars have no ports, so name the port the sidecar listens on',
    );
  const maxDelay = kind === 'startup' ? 240 : 3600;
  const maxPeriod = kind === 'startup' ? 240 : 3600;
  const delay = probe.initialDelaySeconds ?? 0;
  const period = probe.periodSeconds ?? 10;
  const failures = probe.failureThreshold ?? 3;
  intIn(`${prop}.initialDelaySeconds`, delay, 0, maxDelay);
  intIn(`${prop}.periodSeconds`, period, 1, maxPeriod);
  intIn(`${prop}.timeoutSeconds`, probe.timeoutSeconds ?? 1, 1, period, ' (at most periodSeconds)');
  intIn(`${prop}.failureThreshold`, failures, 1, kind === 'startup' ? 240 : 1000);
  if (kind === 'startup') {
    const window = delay + failures * period;
    check(
      window <= 240,
      `${prop}.failureThreshold`,
      `${failures} × periodSeconds ${period} + initialDelaySeconds ${delay} = ${window} s is not allowed: the startup window must stay within 240 s`,
    );
  }
}

function checkSecretRef(prop: string, target: Target, secretName: string, key: string): void {
  if (target === 'cloudrun') {
    matches(
      `${prop}.secretName`,
      secretName,
      SECRET_MANAGER_ID,
      'a Secret Manager secret id: letters, digits, "_" and "-", 1 to 255 characters',
    );
    matches(`${prop}.key`, key, SECRET_VERSION, 'a secret version: "latest" or a version number');
  } else {
    matches(
      `${prop}.secretName`,
      secretName,
      DNS_SUBDOMAIN,
      'a Kubernetes Secret name (DNS-1123 subdomain)',
      253,
    );
    matches(
      `${prop}.key`,
      key,
      K8S_SECRET_KEY,
      'a Kubernetes Secret key: letters, digits, "-", "_" and "."',
    );
  }
}

function checkMountPath(prop: string, path: string): void {
  check(
    typeof path === 'string' &&
      path.startsWith('/') &&
      !path.includes(':') &&
      !['/', '/dev', '/dev/log'].includes(path.replace(/\/+$/, '') || '/') &&
      !path.split('/').includes('..'),
    prop,
    `${q(path)} is not allowed: an absolute path without ":" or "..", not /, /dev or /dev/log`,
  );
}

function checkVpc(vpc: VpcEgress): void {
  const egresses = ['all-traffic', 'private-ranges-only'] as const;
  if (vpc.egress !== undefined) oneOf('vpc.egress', vpc.egress, egresses);
  if (vpc.kind === 'connector') {
    matches(
      'vpc.connector',
      vpc.connector,
      CONNECTOR,
      'a connector name or projects/P/locations/R/connectors/C',
    );
    return;
  }
  check(
    vpc.kind === 'direct',
    'vpc.kind',
    `${q((vpc as { kind: unknown }).kind)} is not allowed: connector or direct`,
  );
  check(
    vpc.network !== undefined || vpc.subnetwork !== undefined,
    'vpc.network',
    'is required (or vpc.subnetwork) for Direct VPC egress',
  );
  if (vpc.network !== undefined)
    matches('vpc.network', vpc.network, NETWORK_NAME, 'a VPC network name (RFC 1035 label)');
  if (vpc.subnetwork !== undefined)
    matches('vpc.subnetwork', vpc.subnetwork, NETWORK_NAME, 'a subnetwork name (RFC 1035 label)');
  vpc.tags?.forEach((t, i) =>
    matches(`vpc.tags[${i}]`, t, NETWORK_NAME, 'a network tag (RFC 1035 label)'),
  );
}

function checkTraffic(name: string, traffic: readonly TrafficTargetProps[]): void {
  check(
    traffic.length > 0,
    'traffic',
    'an empty list is not allowed: omit it for 100 % to the latest revision',
  );
  const tags = new Set<string>();
  traffic.forEach((t, i) => {
    const prop = `traffic[${i}]`;
    intIn(`${prop}.percent`, t.percent, 0, 100);
    if (t.revisionName !== undefined) {
      matches(
        `${prop}.revisionName`,
        t.revisionName,
        DNS_1035_LABEL,
        `a revision name starting with "${name}-", at most 63 characters`,
        63,
      );
      check(
        t.revisionName.startsWith(`${name}-`),
        `${prop}.revisionName`,
        `${q(t.revisionName)} is not allowed: revision names start with "${name}-"`,
      );
    }
    if (t.tag !== undefined) {
      matches(
        `${prop}.tag`,
        t.tag,
        DNS_1035_LABEL,
        'a DNS-1035 label (lowercase letters, digits, "-")',
        63,
      );
      check(
        t.tag.length + name.length <= 46,
        `${prop}.tag`,
        `${q(t.tag)} is not allowed: tag and service name together at most 46 characters`,
      );
      check(!tags.has(t.tag), `${prop}.tag`, `${q(t.tag)} is not allowed: tags must be unique`);
      tags.add(t.tag);
    }
  });
  const sum = traffic.reduce((s, t) => s + t.percent, 0);
  check(
    sum === 100,
    'traffic',
    `percentages summing to ${sum} are not allowed: they must sum to 100`,
  );
}

function checkLabels(labels: Readonly<Record<string, string>>): void {
  for (const [key, value] of Object.entries(labels)) {
    matches(
      `labels.${key}`,
      key,
      GCP_LABEL_KEY,
      'a label key: lowercase letters, digits, "_", "-", starting with a letter, ending alphanumeric, at most 63 characters',
    );
    check(
      !RESERVED_LABEL_PREFIXES.some((p) => key.startsWith(p)),
      `labels.${key}`,
      `${q(key)} is not allowed: that prefix is reserved`,
    );
    matches(
      `labels.${key}`,
      value,
      GCP_LABEL_VALUE,
      'a label value: lowercase letters, digits, "_", "-", starting and ending alphanumeric, at most 63 characters',
    );
  }
}

function resolveSidecar(s: SidecarProps, i: number, target: Target): ResolvedSidecar {
  const prop = `sidecars[${i}]`;
  checkContainerName(`${prop}.name`, s.name, target);
  checkImage(`${prop}.image`, s.image);
  checkArgs(`${prop}.command`, s.command);
  checkArgs(`${prop}.args`, s.args);
  checkEnv(`${prop}.env`, s.env ?? {}, RESERVED_SIDECAR_ENV);
  if (s.startupProbe) checkProbe(`${prop}.startupProbe`, s.startupProbe, 'startup', target, true);
  if (s.livenessProbe)
    checkProbe(`${prop}.livenessProbe`, s.livenessProbe, 'liveness', target, true);
  return {
    name: s.name,
    image: s.image,
    command: s.command,
    args: s.args,
    env: s.env ?? {},
    cpu: s.cpu ?? '0.5',
    memory: s.memory ?? '256Mi',
    startupProbe: s.startupProbe,
    livenessProbe: s.livenessProbe,
    dependsOn: s.dependsOn ?? [],
  };
}

function checkDependencies(
  containerName: string,
  deps: readonly string[],
  sidecars: readonly ResolvedSidecar[],
  own: Map<string, readonly string[]>,
): void {
  const names = new Set([containerName, ...sidecars.map((s) => s.name)]);
  const withStartup = new Set(sidecars.filter((s) => s.startupProbe).map((s) => s.name));
  const entries: [string, string, readonly string[]][] = [
    ['dependsOn', containerName, deps],
    ...sidecars.map(
      (s, i) =>
        [`sidecars[${i}].dependsOn`, s.name, s.dependsOn] as [string, string, readonly string[]],
    ),
  ];
  for (const [prop, self, list] of entries) {
    list.forEach((dep, j) => {
      check(
        names.has(dep),
        `${prop}[${j}]`,
        `${q(dep)} is not allowed: not a container of this service (${[...names].join(', ')})`,
      );
      check(
        dep !== self,
        `${prop}[${j}]`,
        `${q(dep)} is not allowed: a container cannot depend on itself`,
      );
      check(
        dep !== containerName,
        `${prop}[${j}]`,
        `${q(dep)} is not allowed: the ingress container starts last, nothing can wait for it`,
      );
      check(
        withStartup.has(dep),
        `${prop}[${j}]`,
        `${q(dep)} is not allowed: a container others depend on needs a startupProbe (Cloud Run waits for it)`,
      );
    });
    own.set(self, list);
  }
  // Cycles would dead-lock the start: walk the graph from each node.
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string, path: string[]): void => {
    if (done.has(n)) return;
    check(
      !visiting.has(n),
      'sidecars',
      `dependsOn cycle ${q([...path, n].join(' -> '))} is not allowed`,
    );
    visiting.add(n);
    for (const d of own.get(n) ?? []) visit(d, [...path, n]);
    visiting.delete(n);
    done.add(n);
  };
  for (const n of names) visit(n, []);
}

/** Validates every prop and returns them with defaults filled in. Throws `InvalidPropError`. */
export function resolveProps(p: CloudRunServiceProps): ResolvedProps {
  const target = oneOf('target', p.target ?? 'cloudrun', ['cloudrun', 'knative']);
  checkName(p.name);
  if (p.project !== undefined)
    matches(
      'project',
      p.project,
      PROJECT_ID,
      'a project id: 6 to 30 lowercase letters, digits and "-", starting with a letter',
    );
  if (p.region !== undefined)
    matches('region', p.region, REGION, 'a region id such as "asia-east1"');
  if (p.description !== undefined)
    check(
      typeof p.description === 'string' && p.description.length <= 512,
      'description',
      `${p.description.length} characters are not allowed: at most 512`,
    );
  const labels = p.labels ?? {};
  checkLabels(labels);
  if (p.launchStage !== undefined) oneOf('launchStage', p.launchStage, LAUNCH_STAGES);

  checkImage('image', p.image);
  const securityContext = oneOf('securityContext', p.securityContext ?? 'restricted', [
    'restricted',
    'none',
  ]);
  const containerName = p.containerName ?? 'app';
  checkContainerName('containerName', containerName, target);
  checkArgs('command', p.command);
  checkArgs('args', p.args);
  const port = intIn('port', p.port ?? 8080, 1, 65535);
  if (target === 'knative')
    check(
      !(KNATIVE_RESERVED_PORTS as readonly number[]).includes(port),
      'port',
      `${port} is not allowed: Knative reserves ${KNATIVE_RESERVED_PORTS.join(', ')}`,
    );
  const portName = oneOf('portName', p.portName ?? 'http1', ['http1', 'h2c']);

  const cpu = p.cpu ?? '1';
  const memory = p.memory ?? '512Mi';
  const ownCpu = readCpu('cpu', cpu);
  const ownMemory = readMemory('memory', memory);

  const sidecars = (p.sidecars ?? []).map((s, i) => resolveSidecar(s, i, target));
  check(
    sidecars.length <= 9,
    'sidecars',
    `${sidecars.length} sidecars are not allowed: at most 9 (10 containers)`,
  );
  const containerNames = new Set([containerName]);
  sidecars.forEach((s, i) => {
    check(
      !containerNames.has(s.name),
      `sidecars[${i}].name`,
      `${q(s.name)} is not allowed: container names must be unique`,
    );
    containerNames.add(s.name);
  });
  const sidecarCpus = sidecars.map((s, i) => readCpu(`sidecars[${i}].cpu`, s.cpu));
  const sidecarMemory = sidecars.map((s, i) => readMemory(`sidecars[${i}].memory`, s.memory));
  const total = {
    cpu: addCpus([ownCpu, ...sidecarCpus]),
    memory: [ownMemory, ...sidecarMemory].reduce((a, b) => a + b, 0),
  };

  const gen =
    p.executionEnvironment === undefined
      ? undefined
      : oneOf('executionEnvironment', p.executionEnvironment, ['gen1', 'gen2']);
  const cpuAlwaysAllocated = p.cpuAlwaysAllocated ?? false;
  const concurrency = intIn('concurrency', p.concurrency ?? (total.cpu < 1 ? 1 : 80), 1, 1000);
  if (target === 'cloudrun') checkInstanceTotals(p, total, concurrency, cpuAlwaysAllocated, gen);

  const minInstances = intIn('minInstances', p.minInstances ?? 0, 0, 1000);
  const maxCap = p.vpc?.kind === 'direct' && target === 'cloudrun' ? 100 : 1000;
  const maxInstances = intIn(
    'maxInstances',
    p.maxInstances ?? 100,
    Math.max(1, minInstances),
    maxCap,
    maxCap === 100
      ? ' (Direct VPC egress caps it at 100; at least minInstances)'
      : ' (at least minInstances)',
  );
  const timeoutSeconds = intIn(
    'timeoutSeconds',
    p.timeoutSeconds ?? 300,
    1,
    target === 'cloudrun' ? 3600 : 600,
    target === 'knative' ? " (Knative's default max-revision-timeout-seconds)" : '',
  );
  const ingress = oneOf('ingress', p.ingress ?? 'all', INGRESS_VALUES);

  if (p.serviceAccount !== undefined) {
    if (target === 'cloudrun')
      matches(
        'serviceAccount',
        p.serviceAccount,
        SA_EMAIL,
        'a service-account email such as "name@PROJECT.iam.gserviceaccount.com"',
      );
    else
      matches(
        'serviceAccount',
        p.serviceAccount,
        DNS_SUBDOMAIN,
        'a Kubernetes ServiceAccount name (DNS-1123 subdomain)',
        253,
      );
  }

  const env = p.env ?? {};
  checkEnv('env', env, RESERVED_ENV);
  const secretEnv = p.secretEnv ?? [];
  const envNames = new Set(Object.keys(env));
  secretEnv.forEach((s, i) => {
    const prop = `secretEnv[${i}]`;
    matches(
      `${prop}.name`,
      s.name,
      ENV_NAME,
      'a variable name of letters, digits and "_", not starting with a digit',
    );
    check(
      !RESERVED_ENV.includes(s.name as never),
      `${prop}.name`,
      `${q(s.name)} is not allowed: reserved by Cloud Run`,
    );
    check(
      !envNames.has(s.name),
      `${prop}.name`,
      `${q(s.name)} is not allowed: already set (variables that reference a secret must be unique)`,
    );
    envNames.add(s.name);
    checkSecretRef(prop, target, s.secretName, s.key);
  });

  const secretVolumes = p.secretVolumes ?? [];
  const volumeNames = new Set<string>();
  const mountPaths = new Set<string>();
  secretVolumes.forEach((v, i) => {
    const prop = `secretVolumes[${i}]`;
    matches(`${prop}.volumeName`, v.volumeName, DNS_LABEL, 'a DNS-1123 label', 63);
    check(
      v.volumeName !== 'cloudsql',
      `${prop}.volumeName`,
      '"cloudsql" is not allowed: reserved by Cloud Run',
    );
    check(
      !volumeNames.has(v.volumeName),
      `${prop}.volumeName`,
      `${q(v.volumeName)} is not allowed: volume names must be unique`,
    );
    volumeNames.add(v.volumeName);
    checkMountPath(`${prop}.mountPath`, v.mountPath);
    const normalized = v.mountPath.replace(/\/+$/, '');
    check(
      !mountPaths.has(normalized),
      `${prop}.mountPath`,
      `${q(v.mountPath)} is not allowed: mount paths must be unique`,
    );
    mountPaths.add(normalized);
    checkSecretRef(prop, target, v.secretName, 'latest');
    v.items?.forEach((item, j) => {
      checkSecretRef(`${prop}.items[${j}]`, target, v.secretName, item.key);
      check(
        typeof item.path === 'string' &&
          item.path !== '' &&
          !item.path.startsWith('/') &&
          !item.path.split('/').includes('..'),
        `${prop}.items[${j}].path`,
        `${q(item.path)} is not allowed: a relative path without ".."`,
      );
    });
  });

  if (p.startupProbe) checkProbe('startupProbe', p.startupProbe, 'startup', target, false);
  if (p.livenessProbe) checkProbe('livenessProbe', p.livenessProbe, 'liveness', target, false);

  if (p.vpc !== undefined) checkVpc(p.vpc);
  const cloudSqlInstances = p.cloudSqlInstances ?? [];
  cloudSqlInstances.forEach((c, i) =>
    matches(
      `cloudSqlInstances[${i}]`,
      c,
      CLOUD_SQL,
      'a Cloud SQL connection name "PROJECT:REGION:INSTANCE"',
    ),
  );
  if (p.traffic !== undefined) checkTraffic(p.name, p.traffic);
  const dependsOn = p.dependsOn ?? [];
  checkDependencies(containerName, dependsOn, sidecars, new Map());

  return {
    target,
    name: p.name,
    project: p.project,
    region: p.region,
    description: p.description,
    labels,
    launchStage: p.launchStage,
    image: p.image,
    securityContext,
    containerName,
    command: p.command,
    args: p.args,
    port,
    portName,
    cpu,
    memory,
    minInstances,
    maxInstances,
    concurrency,
    timeoutSeconds,
    cpuAlwaysAllocated,
    startupCpuBoost: p.startupCpuBoost ?? false,
    executionEnvironment: gen,
    ingress,
    serviceAccount: p.serviceAccount,
    env,
    secretEnv,
    secretVolumes,
    startupProbe: p.startupProbe,
    livenessProbe: p.livenessProbe,
    vpc: p.vpc,
    cloudSqlInstances,
    sessionAffinity: p.sessionAffinity ?? false,
    traffic: p.traffic,
    sidecars,
    dependsOn,
  };
}
