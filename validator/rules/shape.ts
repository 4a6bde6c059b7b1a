/**
 * Document shape: apiVersion/kind, the fields each target knows, and value types. Runs first;
 * the semantic families read values leniently and leave type errors to this module.
 */
import { at } from '../path.ts';
import { parseQuantity } from '../quantity.ts';
import type { Reporter } from '../rule.ts';
import { type Rule } from '../rule.ts';
import { CLOUD_RUN_SERVICE, KNATIVE_SERVICE, type Field, type ObjectType } from '../schema.ts';
import { describe, int, isRecord, quote } from '../values.ts';

const V1_DISC = 'Cloud Run Admin API v1 schema';
const KN_DECODE =
  'Knative Serving v1 types (knative-v1.23.0) decoded strictly, as the API server does';

export const DOCUMENT: Rule = {
  id: 'shape/document',
  severity: 'error',
  summary: 'the document is a mapping (a Service object)',
  allowed: 'a YAML mapping with apiVersion, kind, metadata and spec',
  source: { cloudrun: `${V1_DISC} (Service)`, knative: KN_DECODE },
};
export const API_VERSION: Rule = {
  id: 'shape/api-version',
  severity: 'error',
  summary: 'apiVersion is serving.knative.dev/v1',
  allowed: 'serving.knative.dev/v1',
  source: {
    cloudrun: `${V1_DISC} (Service.apiVersion)`,
    knative: 'Knative Serving CRD service.yaml',
  },
};
export const KIND: Rule = {
  id: 'shape/kind',
  severity: 'error',
  summary: 'kind is Service',
  allowed: 'Service',
  source: { cloudrun: `${V1_DISC} (Service.kind)`, knative: 'Knative Serving CRD service.yaml' },
};
export const UNKNOWN_FIELD: Rule = {
  id: 'shape/unknown-field',
  severity: 'error',
  summary: 'no field the target does not know',
  allowed: 'the fields of the object type (see docs/validator.md)',
  source: {
    cloudrun: `${V1_DISC}; gcloud rejects unknown fields client-side ("Failed to parse value(s) in protobuf [Service]", google-github-actions/deploy-cloudrun#508)`,
    knative: `${KN_DECODE}; pkg/apis/serving/fieldmask.go`,
  },
};
export const UNSUPPORTED_FIELD: Rule = {
  id: 'shape/unsupported-field',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'no field Cloud Run documents as not supported',
  allowed: 'leave the field out',
  source: `${V1_DISC} (field descriptions "Not supported by Cloud Run")`,
};
export const FEATURE_FLAG: Rule = {
  id: 'shape/feature-flag',
  severity: 'error',
  targets: ['knative'],
  summary: 'no pod-spec field behind a Knative feature flag that is off by default',
  allowed: 'leave the field out, or enable the flag in config-features',
  source: 'Knative pkg/apis/serving/fieldmask.go and pkg/apis/config/features.go (knative-v1.23.0)',
};
export const TYPE: Rule = {
  id: 'shape/type',
  severity: 'error',
  summary: 'each value has the type of its field',
  allowed: {
    cloudrun: 'the field type; integers may be written as numeric strings ("8080")',
    knative: 'the field type (integers as YAML numbers, not strings)',
  },
  source: {
    cloudrun: `${V1_DISC}; integers as quoted strings accepted by gcloud (observed, corpus 17 and 27)`,
    knative: KN_DECODE,
  },
};
export const STRING_MAP_VALUE: Rule = {
  id: 'shape/string-map-value',
  severity: 'error',
  summary: 'annotation, label (and Cloud Run resource) values are strings',
  allowed: 'a quoted string, e.g. \'1\' or "true"',
  source: {
    cloudrun: `${V1_DISC} (map<string,string>); bigcommerce/stand-with-ukraine-backend commit 9daba73 "fix: minScale type"`,
    knative: 'Kubernetes ObjectMeta labels/annotations are map[string]string',
  },
};

export const SHAPE_RULES = [
  DOCUMENT,
  API_VERSION,
  KIND,
  UNKNOWN_FIELD,
  UNSUPPORTED_FIELD,
  FEATURE_FLAG,
  TYPE,
  STRING_MAP_VALUE,
];

/** Returns false when the document is not a mapping (nothing else can be checked). */
export function checkShape(doc: unknown, r: Reporter): doc is Record<string, unknown> {
  if (!isRecord(doc)) {
    r.report(DOCUMENT, '', `the document is ${describe(doc)}, not a mapping`);
    return false;
  }
  if (doc['apiVersion'] !== 'serving.knative.dev/v1')
    r.report(
      API_VERSION,
      'apiVersion',
      doc['apiVersion'] === undefined
        ? 'apiVersion is missing'
        : `apiVersion is ${quote(doc['apiVersion'])}`,
    );
  if (doc['kind'] !== 'Service')
    r.report(
      KIND,
      'kind',
      doc['kind'] === undefined ? 'kind is missing' : `kind is ${quote(doc['kind'])}`,
    );
  checkObject(doc, r.target === 'cloudrun' ? CLOUD_RUN_SERVICE : KNATIVE_SERVICE, '', r);
  return true;
}

function checkObject(
  value: Record<string, unknown>,
  type: ObjectType,
  path: string,
  r: Reporter,
): void {
  for (const key of Object.keys(value)) {
    const child = value[key];
    const childPath = at(path, key);
    const field = Object.hasOwn(type.fields, key) ? type.fields[key] : undefined;
    if (field === undefined) {
      r.report(UNKNOWN_FIELD, childPath, `${type.name} has no field "${key}"`, known(type));
      continue;
    }
    if (child === null || child === undefined) continue; // null = unset, for both parsers
    if (field.unsupported !== undefined) {
      r.report(UNSUPPORTED_FIELD, childPath, `${key}: ${field.unsupported}`);
      continue;
    }
    if (field.flag !== undefined) {
      r.report(
        FEATURE_FLAG,
        childPath,
        `${key} is rejected while the Knative feature flag ${field.flag} is Disabled (its default)`,
        `leave ${key} out, or set ${field.flag}: enabled in config-features`,
      );
      continue;
    }
    if (field.disallowed) {
      r.report(
        UNKNOWN_FIELD,
        childPath,
        `Knative does not allow ${type.name}.${key} ("must not set the field(s)")`,
      );
      continue;
    }
    checkValue(child, field, childPath, r);
  }
}

function known(type: ObjectType): string {
  const names = Object.entries(type.fields)
    .filter(([, f]) => !f.disallowed && f.unsupported === undefined && f.flag === undefined)
    .map(([k]) => k);
  return names.join(', ');
}

function checkValue(value: unknown, field: Field, path: string, r: Reporter): void {
  const type = field.type;
  if (typeof type === 'object') {
    if ('listOf' in type) {
      if (!Array.isArray(value)) return wrongType(value, 'a list', path, r);
      value.forEach((item, i) => {
        if (item === null) return;
        if (!isRecord(item))
          return wrongType(item, `a mapping (${type.listOf.name})`, at(path, i), r);
        checkObject(item, type.listOf, at(path, i), r);
      });
      return;
    }
    if (!isRecord(value)) return wrongType(value, `a mapping (${type.name})`, path, r);
    return checkObject(value, type, path, r);
  }
  switch (type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') wrongType(value, 'a string', path, r);
      return;
    case 'bool':
      if (typeof value !== 'boolean') wrongType(value, 'a boolean (true or false)', path, r);
      return;
    case 'int':
      if (int(value, r.target) === undefined)
        wrongType(
          value,
          r.target === 'cloudrun' ? 'an integer' : 'an integer (not a quoted string)',
          path,
          r,
        );
      return;
    case 'intOrString':
      if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value)))
        wrongType(value, 'an integer or a port name', path, r);
      return;
    case 'quantity':
      if (parseQuantity(value) === undefined)
        wrongType(value, 'a resource quantity such as 512Mi', path, r);
      return;
    case 'stringList':
      if (!Array.isArray(value)) return wrongType(value, 'a list of strings', path, r);
      value.forEach((item, i) => {
        if (typeof item !== 'string') wrongType(item, 'a string', at(path, i), r);
      });
      return;
    case 'stringMap':
    case 'quantityMap':
      if (!isRecord(value)) return wrongType(value, 'a mapping', path, r);
      for (const [k, v] of Object.entries(value)) {
        if (type === 'quantityMap') {
          // Kubernetes reads a null quantity as zero.
          if (v !== null && parseQuantity(v) === undefined)
            wrongType(v, 'a resource quantity such as 500m or 512Mi', at(path, k), r);
        } else if (typeof v !== 'string' && !(v === null && r.target === 'knative')) {
          r.report(STRING_MAP_VALUE, at(path, k), `the value is ${describe(v)}, not a string`);
        }
      }
      return;
  }
}

function wrongType(value: unknown, expected: string, path: string, r: Reporter): void {
  r.report(TYPE, path, `the value is ${describe(value)}; expected ${expected}`);
}
