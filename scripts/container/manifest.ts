/**
 * Reads what a local run needs from a Cloud Run (Knative `serving.knative.dev/v1` Service)
 * manifest: the ingress container's plain env, its secret env, port, memory limit and probes,
 * and the names Cloud Run injects (K_SERVICE, K_REVISION, K_CONFIGURATION). Pure: a parsed
 * document in, a `RunSpec` out, or an Error naming the field at fault.
 */
import { CLOUD_RUN_DEFAULT_STARTUP_PROBE, PROBE_FIELD_DEFAULTS, type Probe } from './probe.ts';

export interface SecretEnv {
  readonly name: string;
  /** Cloud Run: the Secret Manager secret id. */
  readonly secretName: string;
  /** Cloud Run: the version (`latest`). */
  readonly key: string;
}

export interface RunSpec {
  readonly service: string;
  /** `spec.template.metadata.name`, else a Cloud Run-shaped `<service>-00001-loc`. */
  readonly revision: string;
  readonly configuration: string;
  /** The manifest's image field (the Skaffold artifact name until Skaffold fills it in). */
  readonly image: string;
  /** The ingress port: Cloud Run sets PORT to it. @default 8080 */
  readonly port: number;
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly secretEnv: readonly SecretEnv[];
  /** `resources.limits.memory` in bytes; `undefined` = Cloud Run's default (512 MiB). */
  readonly memoryBytes: number;
  readonly memory: string;
  readonly startupProbe: Probe;
  readonly livenessProbe: Probe | undefined;
}

/** Cloud Run's memory limit when a revision sets none. */
export const DEFAULT_MEMORY = '512Mi';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A Kubernetes memory quantity (`512Mi`, `1Gi`, `500M`, `1073741824`) in whole bytes. */
export function parseMemoryQuantity(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text.trim());
  if (!match) throw new Error(`not a memory quantity: ${JSON.stringify(text)}`);
  const unit = match[2] ?? '';
  const factor = BINARY[unit] ?? DECIMAL[unit]!;
  return Math.ceil(Number(match[1]) * factor);
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, path: string): Obj {
  if (!isObj(value)) throw new Error(`manifest: ${path} is missing or not an object`);
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '')
    throw new Error(`manifest: ${path} is missing or not a string`);
  return value;
}

function num(value: unknown, path: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new Error(`manifest: ${path} must be a non-negative integer`);
  return value;
}

function port(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`manifest: ${path} must be a port number`);
  return value;
}

/** A container's probe, with the field defaults Cloud Run applies. */
export function readProbe(value: unknown, path: string): Probe | undefined {
  if (value === undefined) return undefined;
  const p = field(value, path);
  const timing = {
    initialDelaySeconds: num(
      p['initialDelaySeconds'],
      `${path}.initialDelaySeconds`,
      PROBE_FIELD_DEFAULTS.initialDelaySeconds,
    ),
    periodSeconds: num(
      p['periodSeconds'],
      `${path}.periodSeconds`,
      PROBE_FIELD_DEFAULTS.periodSeconds,
    ),
    timeoutSeconds: num(
      p['timeoutSeconds'],
      `${path}.timeoutSeconds`,
      PROBE_FIELD_DEFAULTS.timeoutSeconds,
    ),
    failureThreshold: num(
      p['failureThreshold'],
      `${path}.failureThreshold`,
      PROBE_FIELD_DEFAULTS.failureThreshold,
    ),
  };
  if (p['httpGet'] !== undefined) {
    const h = field(p['httpGet'], `${path}.httpGet`);
    const probePath = h['path'] === undefined ? '/' : str(h['path'], `${path}.httpGet.path`);
    return {
      kind: 'http',
      path: probePath,
      port: port(h['port'], `${path}.httpGet.port`),
      ...timing,
    };
  }
  if (p['tcpSocket'] !== undefined) {
    const t = field(p['tcpSocket'], `${path}.tcpSocket`);
    return { kind: 'tcp', path: '/', port: port(t['port'], `${path}.tcpSocket.port`), ...timing };
  }
  if (p['grpc'] !== undefined) {
    const g = field(p['grpc'], `${path}.grpc`);
    return { kind: 'grpc', path: '/', port: port(g['port'], `${path}.grpc.port`), ...timing };
  }
  throw new Error(`manifest: ${path} has no httpGet, tcpSocket or grpc action`);
}

/** The run spec of the ingress container (the one declaring a port; the only one otherwise). */
export function runSpecFromManifest(doc: unknown): RunSpec {
  const root = field(doc, '(document)');
  if (root['kind'] !== 'Service' || root['apiVersion'] !== 'serving.knative.dev/v1')
    throw new Error('manifest: expected a serving.knative.dev/v1 Service');
  const metadata = field(root['metadata'], 'metadata');
  const service = str(metadata['name'], 'metadata.name');
  const template = field(field(root['spec'], 'spec')['template'], 'spec.template');
  const templateMeta = isObj(template['metadata']) ? template['metadata'] : {};
  const containers = field(template['spec'], 'spec.template.spec')['containers'];
  if (!Array.isArray(containers) || containers.length === 0)
    throw new Error('manifest: spec.template.spec.containers is empty');
  const index =
    containers.length === 1
      ? 0
      : containers.findIndex((c) => isObj(c) && Array.isArray(c['ports']) && c['ports'].length > 0);
  if (index < 0) throw new Error('manifest: no container declares a port (the ingress container)');
  const at = `spec.template.spec.containers[${index}]`;
  const c = field(containers[index], at);

  const ports = Array.isArray(c['ports']) ? c['ports'] : [];
  const ingressPort =
    ports.length > 0
      ? port(field(ports[0], `${at}.ports[0]`)['containerPort'], `${at}.ports[0].containerPort`)
      : undefined;

  const env: { name: string; value: string }[] = [];
  const secretEnv: SecretEnv[] = [];
  const envList = c['env'] === undefined ? [] : c['env'];
  if (!Array.isArray(envList)) throw new Error(`manifest: ${at}.env must be a list`);
  envList.forEach((item, i) => {
    const e = field(item, `${at}.env[${i}]`);
    const name = str(e['name'], `${at}.env[${i}].name`);
    if (e['valueFrom'] !== undefined) {
      const ref = field(
        field(e['valueFrom'], `${at}.env[${i}].valueFrom`)['secretKeyRef'],
        `${at}.env[${i}].valueFrom.secretKeyRef`,
      );
      secretEnv.push({
        name,
        secretName: str(ref['name'], `${at}.env[${i}].valueFrom.secretKeyRef.name`),
        key: str(ref['key'], `${at}.env[${i}].valueFrom.secretKeyRef.key`),
      });
    } else {
      env.push({ name, value: typeof e['value'] === 'string' ? e['value'] : '' });
    }
  });

  const resources = isObj(c['resources']) ? c['resources'] : {};
  const limits = isObj(resources['limits']) ? resources['limits'] : {};
  const memory =
    limits['memory'] === undefined
      ? DEFAULT_MEMORY
      : str(limits['memory'], `${at}.resources.limits.memory`);

  return {
    service,
    revision:
      typeof templateMeta['name'] === 'string' ? templateMeta['name'] : `${service}-00001-loc`,
    configuration: service,
    image: str(c['image'], `${at}.image`),
    port: ingressPort ?? 8080,
    env,
    secretEnv,
    memory,
    memoryBytes: parseMemoryQuantity(memory),
    startupProbe:
      readProbe(c['startupProbe'], `${at}.startupProbe`) ?? CLOUD_RUN_DEFAULT_STARTUP_PROBE,
    livenessProbe: readProbe(c['livenessProbe'], `${at}.livenessProbe`),
  };
}

/** Variables Cloud Run sets itself; a manifest may not set them. */
export const CLOUD_RUN_RESERVED_ENV = [
  'PORT',
  'K_SERVICE',
  'K_REVISION',
  'K_CONFIGURATION',
] as const;

/**
 * The container's environment as Cloud Run would assemble it: the manifest's plain env, then the
 * secret values, then local `overrides` (e.g. emulator hosts), then what Cloud Run injects.
 * Throws when a secret has no value (Cloud Run would refuse to start the revision).
 */
export function containerEnv(
  spec: RunSpec,
  secretValues: Readonly<Record<string, string>>,
  overrides: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, value } of spec.env) env[name] = value;
  for (const s of spec.secretEnv) {
    const value = secretValues[s.name];
    if (value === undefined)
      throw new Error(`no value for secret env ${s.name} (secret "${s.secretName}")`);
    env[s.name] = value;
  }
  Object.assign(env, overrides);
  env['PORT'] = String(spec.port);
  env['K_SERVICE'] = spec.service;
  env['K_REVISION'] = spec.revision;
  env['K_CONFIGURATION'] = spec.configuration;
  return env;
}
