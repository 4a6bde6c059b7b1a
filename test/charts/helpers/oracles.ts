/**
 * Independent oracles for the synthesized manifests, built from the reference data in ../shared
 * (never copied into the repo): the Knative Service CRD's openAPIV3Schema, a JSON Schema derived
 * from the Cloud Run Admin API v1 discovery document, and the Kubernetes types of cdk8s-plus-27.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { k8s } from 'cdk8s-plus-27';
import { parse } from 'yaml';

export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
export const KNATIVE_CRD = `${SHARED}schemas/knative/service.yaml`;
export const RUN_V1_DISCOVERY = `${SHARED}schemas/cloudrun/run-v1-discovery.json`;

/** Why the oracle tests skip, or undefined when ../shared is here. */
export function sharedMissing(): string | undefined {
  return existsSync(KNATIVE_CRD) && existsSync(RUN_V1_DISCOVERY)
    ? undefined
    : `../shared/schemas not found next to the repository (${SHARED}): schema oracles skipped`;
}

type Json = Record<string, unknown>;

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  ajv.addFormat('byte', true);
  ajv.addFormat('google-datetime', true);
  ajv.addFormat('google-duration', true);
  ajv.addFormat('google-fieldmask', true);
  return ajv;
}

/**
 * Kubernetes prunes fields a structural schema does not list (silently losing them); the oracle
 * is stricter and rejects them, except where the schema preserves unknown fields.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) {
    out[k] = k === 'properties' ? mapValues(v as Json, closeObjects) : closeObjects(v);
  }
  if (
    out.properties &&
    !out['x-kubernetes-preserve-unknown-fields'] &&
    out.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(o: Json, f: (v: unknown) => unknown): Json {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

let knative: ValidateFunction | undefined;
/** The Knative Service CRD's v1 schema (metadata left as Kubernetes ObjectMeta allows). */
export function knativeSchemaValidator(): ValidateFunction {
  if (knative) return knative;
  const crd = parse(readFileSync(KNATIVE_CRD, 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Json } }[] };
  };
  const v1 = crd.spec.versions.find((v) => v.name === 'v1')!;
  const schema = closeObjects(v1.schema.openAPIV3Schema) as Json;
  knative = newAjv().compile(schema);
  return knative;
}

interface DiscoverySchema {
  type?: string;
  $ref?: string;
  format?: string;
  enum?: string[];
  items?: DiscoverySchema;
  properties?: Record<string, DiscoverySchema>;
  additionalProperties?: DiscoverySchema;
  readOnly?: boolean;
}

/** One discovery-document schema as JSON Schema: closed objects, the declared types. */
function fromDiscovery(s: DiscoverySchema): Json {
  if (s.$ref) return { $ref: `#/definitions/${s.$ref}` };
  switch (s.type) {
    case 'object':
      if (s.properties) {
        return {
          type: 'object',
          properties: mapValues(s.properties, (p) => fromDiscovery(p as DiscoverySchema)),
          additionalProperties: false,
        };
      }
      return {
        type: 'object',
        ...(s.additionalProperties
          ? { additionalProperties: fromDiscovery(s.additionalProperties) }
          : {}),
      };
    case 'array':
      return { type: 'array', ...(s.items ? { items: fromDiscovery(s.items) } : {}) };
    case 'integer':
      return { type: 'integer' };
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return { type: 'string', ...(s.enum ? { enum: s.enum } : {}) };
    case 'any':
    case undefined:
      return {};
    default:
      throw new Error(`discovery type ${s.type} not handled`);
  }
}

let cloudRun: ValidateFunction | undefined;
/** The Cloud Run Admin API v1 `Service` resource, from the discovery document. */
export function cloudRunSchemaValidator(): ValidateFunction {
  if (cloudRun) return cloudRun;
  const doc = JSON.parse(readFileSync(RUN_V1_DISCOVERY, 'utf8')) as {
    schemas: Record<string, DiscoverySchema>;
  };
  const definitions = mapValues(doc.schemas, (s) => fromDiscovery(s as DiscoverySchema));
  cloudRun = newAjv().compile({ $ref: '#/definitions/Service', definitions });
  return cloudRun;
}

export function schemaErrors(validate: ValidateFunction, doc: unknown): string[] {
  return validate(doc)
    ? []
    : (validate.errors ?? []).map(
        (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
}

/** Wraps every scalar so generated toJson functions pass it through, whatever their field type. */
class Leaf {
  constructor(readonly value: unknown) {}
}

/**
 * The generated props spell acronyms as words at the end of a name (`setHostnameAsFQDN` → `setHostnameAsFqdn`, `externalIPs` unchanged) and
 * their toJson spells them back. Map keys (labels, data) have no such runs in our charts.
 */
function propKey(key: string): string {
  return key.replace(
    /([A-Z])([A-Z]+)$/,
    (_run, first: string, rest: string) => first + rest.toLowerCase(),
  );
}

function wrap(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wrap);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [propKey(k), wrap(x)]));
  }
  return new Leaf(v);
}

function unwrap(v: unknown): unknown {
  if (v instanceof Leaf) return v.value;
  if (Array.isArray(v)) return v.map(unwrap);
  if (v !== null && typeof v === 'object') return mapValues(v as Json, unwrap);
  return v;
}

const KUBE_TYPES = {
  'apps/v1/Deployment': k8s.toJson_KubeDeploymentProps,
  'v1/Service': k8s.toJson_KubeServiceProps,
  'v1/Secret': k8s.toJson_KubeSecretProps,
} as const;

/**
 * Round-trips a Kubernetes object through the generated Kubernetes types (k8s 1.27 via
 * cdk8s-plus-27): their toJson functions keep only fields the API knows, so any difference is a field the
 * Kubernetes API would not accept.
 */
export function kubernetesTypeDifferences(doc: Json): string[] {
  const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  const toJson = KUBE_TYPES[key as keyof typeof KUBE_TYPES] as
    ((props: never) => unknown) | undefined;
  if (!toJson) return [`no Kubernetes type known for ${key}`];
  const { apiVersion, kind, ...props } = doc;
  const back = { apiVersion, kind, ...(unwrap(toJson(wrap(props) as never)) as Json) };
  return differences(doc, back, '');
}

function differences(a: unknown, b: unknown, path: string): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences(
        (a as Json)[k],
        (b as Json)[k],
        Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`,
      ),
    );
  }
  return a === b ? [] : [`${path || '.'}: ${JSON.stringify(a)} became ${JSON.stringify(b)}`];
}
