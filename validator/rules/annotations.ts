/**
 * Annotations: which names Cloud Run accepts, on which resource (the Service's metadata or the
 * revision template's), and their values. On Knative, Cloud Run's annotations pass through
 * unvalidated; autoscaling annotations must sit on the template and are validated there (see
 * ./scaling.ts for the numbers).
 */
import { parse as parseYaml } from 'yaml';
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import { SERVICE_ANNOTATIONS, TEMPLATE_ANNOTATIONS, type ServiceView } from '../view.ts';
import { isRecord, quote } from '../values.ts';

type Level = 'Service' | 'Revision' | 'All';
type Check = (value: string) => string | undefined;

interface AnnotationSpec {
  readonly level: Level;
  /** Returns what is wrong with the value, or undefined. */
  readonly check?: Check;
  /** Allowed values, for messages. */
  readonly allowed?: string;
}

const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(v) ? undefined : `${quote(v)} is not one of ${values.join(', ')}`;
const BOOL = oneOf('true', 'false');
const nonNegativeInt: Check = (v) =>
  /^\d{1,9}$/.test(v) ? undefined : `${quote(v)} is not a non-negative integer`;
const nonEmpty: Check = (v) => (v.trim() === '' ? 'the value is empty' : undefined);

const jsonStringArray: Check = (v) => {
  try {
    const parsed: unknown = JSON.parse(v);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')
      ? undefined
      : 'the value is not a JSON array of strings';
  } catch {
    return 'the value is not valid JSON';
  }
};

const networkInterfaces: Check = (v) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    return 'the value is not valid JSON';
  }
  if (!Array.isArray(parsed)) return 'the value is not a JSON array';
  if (parsed.length !== 1)
    return `${parsed.length} interfaces given; Cloud Run supports exactly one`;
  const nic: unknown = parsed[0];
  if (!isRecord(nic)) return 'the interface is not a JSON object';
  for (const key of Object.keys(nic))
    if (!['network', 'subnetwork', 'tags'].includes(key)) return `unknown interface field "${key}"`;
  if (nic['network'] === undefined && nic['subnetwork'] === undefined)
    return 'the interface names neither a network nor a subnetwork';
  if (
    nic['tags'] !== undefined &&
    !(Array.isArray(nic['tags']) && nic['tags'].every((x) => typeof x === 'string'))
  )
    return 'tags is not a list of strings';
  return undefined;
};

const cloudSqlInstances: Check = (v) => {
  const bad = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^[^:\s]+(:[^:\s]+){2,3}$/.test(s));
  return bad.length === 0 ? undefined : `${quote(bad[0])} is not PROJECT:REGION:INSTANCE`;
};

const secretsAliases: Check = (v) => {
  const bad = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^[^:\s]+:projects\/[^/\s]+\/secrets\/[^/\s]+$/.test(s));
  return bad.length === 0
    ? undefined
    : `${quote(bad[0])} is not ALIAS:projects/PROJECT/secrets/SECRET`;
};

const scalingTarget: Check = (v) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) return `${quote(v)} is not a number`;
  return n === 0 || (n >= 0.1 && n <= 0.95)
    ? undefined
    : `${v} is outside 0.1-0.95 (or 0.0 to disable)`;
};

const maxLength =
  (max: number): Check =>
  (v) =>
    v.length <= max ? undefined : `the value has ${v.length} characters`;

/** Parses run.googleapis.com/container-dependencies: strict JSON or the YAML flow form Google's samples use. */
export function parseDependencies(value: string): Map<string, string[]> | string {
  let parsed: unknown;
  try {
    parsed = parseYaml(value, { maxAliasCount: 0 });
  } catch {
    return 'the value is neither JSON nor a YAML flow mapping';
  }
  if (!isRecord(parsed)) return 'the value is not a mapping of container name to a list of names';
  const out = new Map<string, string[]>();
  for (const [key, deps] of Object.entries(parsed)) {
    if (!Array.isArray(deps) || !deps.every((d) => typeof d === 'string'))
      return `the dependencies of ${quote(key)} are not a list of container names`;
    out.set(key, deps);
  }
  return out;
}

const dependencies: Check = (v) => {
  const parsed = parseDependencies(v);
  return typeof parsed === 'string' ? parsed : undefined;
};

/** Cloud Run's restricted annotations (v1 discovery ObjectMeta.annotations and the rules file §3). */
export const CLOUD_RUN_ANNOTATIONS: Readonly<Record<string, AnnotationSpec>> = {
  'autoscaling.knative.dev/minScale': {
    level: 'Revision',
    check: nonNegativeInt,
    allowed: 'an integer string >= 0',
  },
  'autoscaling.knative.dev/maxScale': {
    level: 'Revision',
    check: nonNegativeInt,
    allowed: 'an integer string >= 0',
  },
  'run.googleapis.com/minScale': {
    level: 'Service',
    check: nonNegativeInt,
    allowed: 'an integer string >= 0',
  },
  'run.googleapis.com/maxScale': {
    level: 'Service',
    check: nonNegativeInt,
    allowed: 'an integer string >= 0',
  },
  'run.googleapis.com/scalingMode': {
    level: 'Service',
    check: (v) =>
      /^(automatic|manual)$/i.test(v) ? undefined : `${quote(v)} is not automatic or manual`,
    allowed: 'automatic, manual',
  },
  'run.googleapis.com/manualInstanceCount': {
    level: 'Service',
    check: nonNegativeInt,
    allowed: 'an integer string >= 0',
  },
  'run.googleapis.com/ingress': {
    level: 'Service',
    check: oneOf('all', 'internal', 'internal-and-cloud-load-balancing'),
    allowed: 'all, internal, internal-and-cloud-load-balancing',
  },
  'run.googleapis.com/ingress-status': { level: 'Service' },
  'run.googleapis.com/operation-id': { level: 'Service' },
  'run.googleapis.com/urls': { level: 'Service' },
  'run.googleapis.com/launch-stage': {
    level: 'Service',
    check: oneOf('ALPHA', 'BETA', 'GA'),
    allowed: 'ALPHA, BETA, GA',
  },
  'run.googleapis.com/description': {
    level: 'Service',
    check: maxLength(512),
    allowed: 'text of at most 512 characters',
  },
  'run.googleapis.com/binary-authorization': {
    level: 'Service',
    check: nonEmpty,
    allowed: '"default" or a policy name',
  },
  'run.googleapis.com/binary-authorization-breakglass': {
    level: 'Service',
    check: nonEmpty,
    allowed: 'a justification',
  },
  'run.googleapis.com/custom-audiences': {
    level: 'Service',
    check: jsonStringArray,
    allowed: 'a JSON array of strings, e.g. \'["https://a.example"]\'',
  },
  'run.googleapis.com/default-url-disabled': {
    level: 'Service',
    check: BOOL,
    allowed: '"true", "false"',
  },
  'run.googleapis.com/invoker-iam-disabled': {
    level: 'Service',
    check: BOOL,
    allowed: '"true", "false"',
  },
  'run.googleapis.com/iap-enabled': { level: 'Service', check: BOOL, allowed: '"true", "false"' },
  'run.googleapis.com/gc-traffic-tags': { level: 'Service' },
  'run.googleapis.com/base-images': { level: 'All' },
  'run.googleapis.com/build-base-image': { level: 'Service' },
  'run.googleapis.com/build-enable-automatic-updates': { level: 'Service' },
  'run.googleapis.com/build-environment-variables': { level: 'Service' },
  'run.googleapis.com/build-function-target': { level: 'All' },
  'run.googleapis.com/build-id': { level: 'All' },
  'run.googleapis.com/build-image-uri': { level: 'Service' },
  'run.googleapis.com/build-name': { level: 'Service' },
  'run.googleapis.com/build-service-account': { level: 'Service' },
  'run.googleapis.com/build-source-location': { level: 'All' },
  'run.googleapis.com/build-worker-pool': { level: 'Service' },
  'run.googleapis.com/function-target': { level: 'All' },
  'run.googleapis.com/client-name': { level: 'All' },
  'run.googleapis.com/client-version': { level: 'All' },
  'run.googleapis.com/cpu-throttling': {
    level: 'Revision',
    check: BOOL,
    allowed: '"true" (CPU only during requests) or "false" (CPU always allocated)',
  },
  'run.googleapis.com/startup-cpu-boost': {
    level: 'Revision',
    check: BOOL,
    allowed: '"true", "false"',
  },
  'run.googleapis.com/execution-environment': {
    level: 'Revision',
    check: oneOf('gen1', 'gen2'),
    allowed: 'gen1, gen2',
  },
  'run.googleapis.com/sessionAffinity': {
    level: 'Revision',
    check: BOOL,
    allowed: '"true", "false"',
  },
  'run.googleapis.com/cloudsql-instances': {
    level: 'Revision',
    check: cloudSqlInstances,
    allowed: 'comma-separated PROJECT:REGION:INSTANCE connection names',
  },
  'run.googleapis.com/vpc-access-connector': {
    level: 'Revision',
    check: nonEmpty,
    allowed: 'a connector name or projects/P/locations/R/connectors/C',
  },
  'run.googleapis.com/vpc-access-egress': {
    level: 'Revision',
    check: oneOf('all-traffic', 'private-ranges-only', 'all'),
    allowed: 'all-traffic, private-ranges-only, all (deprecated alias of all-traffic)',
  },
  'run.googleapis.com/network-interfaces': {
    level: 'Revision',
    check: networkInterfaces,
    allowed: 'a JSON array with one {"network":..,"subnetwork":..,"tags":[..]} object',
  },
  'run.googleapis.com/secrets': {
    level: 'Revision',
    check: secretsAliases,
    allowed: 'comma-separated ALIAS:projects/PROJECT/secrets/SECRET',
  },
  'run.googleapis.com/container-dependencies': {
    level: 'Revision',
    check: dependencies,
    allowed:
      'a mapping of container name to a list of container names, e.g. \'{"app":["collector"]}\'',
  },
  'run.googleapis.com/encryption-key': {
    level: 'Revision',
    check: nonEmpty,
    allowed: 'a Cloud KMS key resource name',
  },
  'run.googleapis.com/post-key-revocation-action-type': { level: 'Revision' },
  'run.googleapis.com/encryption-key-shutdown-hours': {
    level: 'Revision',
    check: nonNegativeInt,
    allowed: 'an integer string',
  },
  'run.googleapis.com/health-check-disabled': {
    level: 'Revision',
    check: BOOL,
    allowed: '"true", "false"',
  },
  'run.googleapis.com/gpu-zonal-redundancy-disabled': {
    level: 'Revision',
    check: BOOL,
    allowed: '"true", "false"',
  },
  'run.googleapis.com/secure-session-agent': { level: 'Revision' },
  'run.googleapis.com/scaling-cpu-target': {
    level: 'Revision',
    check: scalingTarget,
    allowed: '0.1-0.95, or 0.0 to disable',
  },
  'run.googleapis.com/scaling-concurrency-target': {
    level: 'Revision',
    check: scalingTarget,
    allowed: '0.1-0.95, or 0.0 to disable',
  },
  // Written by Cloud Run itself and accepted back on replace (gcloud export round trips).
  'serving.knative.dev/creator': { level: 'All' },
  'serving.knative.dev/lastModifier': { level: 'All' },
};

const RESTRICTED = /^(run\.googleapis\.com\/|autoscaling\.knative\.dev\/)/;
const V1_ANNOTATIONS =
  'Cloud Run Admin API v1 schema (ObjectMeta.annotations, Service.metadata, RevisionTemplate.metadata)';

export const ANNOTATION_KNOWN: Rule = {
  id: 'annotations/known',
  severity: 'error',
  targets: ['cloudrun'],
  summary:
    'run.googleapis.com/ and autoscaling.knative.dev/ annotations are ones Cloud Run accepts',
  allowed: 'the annotations listed in docs/validator.md',
  source: `${V1_ANNOTATIONS}: annotations with these prefixes "are restricted"`,
};
export const ANNOTATION_LEVEL: Rule = {
  id: 'annotations/level',
  severity: 'error',
  summary:
    'each annotation sits on the resource it belongs to (Service metadata or revision template)',
  allowed: 'see the level table in docs/validator.md',
  source: {
    cloudrun: `${V1_ANNOTATIONS}; 400 "Annotation '…' is not supported on resources of kind 'Service'" (garbetjie/terraform-google-cloud-run#16)`,
    knative:
      'Knative pkg/apis/serving/metadata_validation.go ("autoscaling annotations must be put under spec.template.metadata.annotations to work")',
  },
};
export const ANNOTATION_VALUE: Rule = {
  id: 'annotations/value',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'annotation values have the documented format',
  allowed: 'see the annotation table in docs/validator.md',
  source: `${V1_ANNOTATIONS}; Cloud Run YAML reference; gcloud googlecloudsdk/api_lib/run (service.py, revision.py)`,
};
export const CONTAINER_DEPENDENCIES: Rule = {
  id: 'annotations/container-dependencies',
  severity: 'error',
  targets: ['cloudrun'],
  summary:
    'container-dependencies names containers of the template; each depended-on container has a startupProbe',
  allowed:
    'names of containers in spec.template.spec.containers; the depended-on ones with a startupProbe',
  source:
    'hashicorp/terraform-provider-google#21035 (RFC 1123 names, "" rejected); GoogleCloudPlatform/cloud-run-samples#230 ("Dependent container … must have startup probe specified")',
};

export const ANNOTATION_RULES = [
  ANNOTATION_KNOWN,
  ANNOTATION_LEVEL,
  ANNOTATION_VALUE,
  CONTAINER_DEPENDENCIES,
];

export function checkAnnotations(view: ServiceView, r: Reporter): void {
  if (r.target === 'knative') {
    for (const key of Object.keys(view.serviceAnnotations))
      if (key.startsWith('autoscaling.knative.dev'))
        r.report(
          ANNOTATION_LEVEL,
          at(SERVICE_ANNOTATIONS, key),
          `${key} is an autoscaling annotation on the Service's metadata`,
          'spec.template.metadata.annotations',
        );
    return;
  }
  checkLevel(view.serviceAnnotations, 'Service', SERVICE_ANNOTATIONS, r);
  checkLevel(view.templateAnnotations, 'Revision', TEMPLATE_ANNOTATIONS, r);
  checkDependencies(view, r);
}

function checkLevel(
  annotations: Record<string, unknown>,
  level: 'Service' | 'Revision',
  base: string,
  r: Reporter,
): void {
  for (const [key, value] of Object.entries(annotations)) {
    const path = at(base, key);
    const spec = Object.hasOwn(CLOUD_RUN_ANNOTATIONS, key) ? CLOUD_RUN_ANNOTATIONS[key] : undefined;
    if (spec === undefined) {
      if (RESTRICTED.test(key))
        r.report(ANNOTATION_KNOWN, path, `${key} is not an annotation Cloud Run accepts`);
      continue;
    }
    if (spec.level !== 'All' && spec.level !== level) {
      const where =
        spec.level === 'Service' ? 'metadata.annotations' : 'spec.template.metadata.annotations';
      r.report(
        ANNOTATION_LEVEL,
        path,
        `annotation ${key} is not supported on resources of kind '${level}'; it belongs on the ${spec.level} (${where})`,
        where,
      );
      continue;
    }
    if (typeof value !== 'string' || spec.check === undefined) continue;
    const problem = spec.check(value);
    if (problem !== undefined) r.report(ANNOTATION_VALUE, path, `${key}: ${problem}`, spec.allowed);
  }
}

function checkDependencies(view: ServiceView, r: Reporter): void {
  const key = 'run.googleapis.com/container-dependencies';
  const value = view.templateAnnotations[key];
  if (typeof value !== 'string') return;
  const parsed = parseDependencies(value);
  if (typeof parsed === 'string') return; // reported as a value error
  const path = at(TEMPLATE_ANNOTATIONS, key);
  const byName = new Map(view.containers.filter((c) => c.name).map((c) => [c.name!, c]));
  for (const [container, deps] of parsed) {
    for (const name of [container, ...deps]) {
      if (!byName.has(name))
        r.report(
          CONTAINER_DEPENDENCIES,
          path,
          name === ''
            ? "invalid container name ''; unnamed containers get generated names, so name them to refer to them"
            : `${quote(name)} is not the name of a container in the template`,
        );
    }
    for (const dep of deps) {
      const target = byName.get(dep);
      if (
        target &&
        (target.raw['startupProbe'] === undefined || target.raw['startupProbe'] === null)
      )
        r.report(
          CONTAINER_DEPENDENCIES,
          `${target.path}.startupProbe`,
          `container ${quote(dep)} is depended on by ${quote(container)} but has no startupProbe ("Dependent container '${dep}' must have startup probe specified")`,
        );
    }
  }
}
