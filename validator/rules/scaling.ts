/** Scaling: instance bounds, min <= max, the Direct VPC cap, and (warning) no upper bound at all. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import { SERVICE_ANNOTATIONS, TEMPLATE_ANNOTATIONS, type ServiceView } from '../view.ts';
import { quote, str } from '../values.ts';

export const MIN_MAX: Rule = {
  id: 'scaling/min-max',
  severity: 'error',
  summary: 'minScale <= maxScale',
  allowed: {
    cloudrun: 'minScale <= maxScale',
    knative: 'max-scale >= min-scale, or max-scale 0 (unlimited)',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v2 RevisionScaling (min/max instance count); Cloud Run YAML reference',
    knative:
      'Knative pkg/apis/autoscaling/annotation_validation.go ("max-scale=%d is less than min-scale=%d")',
  },
};
export const SCALE_VALUE: Rule = {
  id: 'scaling/value',
  severity: 'error',
  targets: ['knative'],
  summary: 'Knative autoscaling annotation values parse and are in range',
  allowed:
    'min-scale/max-scale: integers >= 0; initial-scale: integer >= 1 (0 needs allow-zero-initial-scale); target: number >= 0.01; target-utilization-percentage: 1-100',
  source:
    'Knative pkg/apis/autoscaling/annotation_validation.go (knative-v1.23.0, default config-autoscaler)',
};
export const DIRECT_VPC_CAP: Rule = {
  id: 'scaling/direct-vpc-max',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'maxScale <= 100 when run.googleapis.com/network-interfaces (Direct VPC egress) is set',
  allowed: 'autoscaling.knative.dev/maxScale <= 100 with network-interfaces',
  source:
    '"autoscaling.knative.dev/maxScale annotation must be less than or equal to 100 when run.googleapis.com/network-interfaces annotation is set" (gitlab runway issue 438)',
};
export const NO_MAX_SCALE: Rule = {
  id: 'scaling/no-max-scale',
  severity: 'warning',
  summary: 'an explicit upper bound on instances',
  allowed: 'set autoscaling.knative.dev/maxScale on the template',
  source: {
    cloudrun:
      'Cloud Run default max instances is 100 (v2 RevisionScaling.maxInstanceCount): a traffic spike or loop scales cost up to it',
    knative: 'Knative default max-scale is 0 (unlimited, config-autoscaler)',
  },
};

export const SCALING_RULES = [MIN_MAX, SCALE_VALUE, DIRECT_VPC_CAP, NO_MAX_SCALE];

const KN_MIN = ['autoscaling.knative.dev/min-scale', 'autoscaling.knative.dev/minScale'];
const KN_MAX = ['autoscaling.knative.dev/max-scale', 'autoscaling.knative.dev/maxScale'];

/** Go's strconv.ParseInt(v, 10, 32), which Knative uses. */
function goInt32(v: string): number | undefined {
  if (!/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= -(2 ** 31) && n < 2 ** 31 ? n : undefined;
}

function first(
  annotations: Record<string, unknown>,
  keys: readonly string[],
): [string, string] | undefined {
  for (const k of keys) {
    // Kubernetes decodes a null annotation value as "" (present, and not a number).
    const v = annotations[k] === null ? '' : str(annotations[k]);
    if (v !== undefined) return [k, v];
  }
  return undefined;
}

export function checkScaling(view: ServiceView, r: Reporter): void {
  const a = view.templateAnnotations;
  if (r.target === 'knative') return checkKnative(a, r);

  const min = intOf(a['autoscaling.knative.dev/minScale']);
  const max = intOf(a['autoscaling.knative.dev/maxScale']);
  if (min !== undefined && max !== undefined && min > max)
    r.report(
      MIN_MAX,
      at(TEMPLATE_ANNOTATIONS, 'autoscaling.knative.dev/maxScale'),
      `maxScale ${max} is less than minScale ${min}`,
    );
  const sMin = intOf(view.serviceAnnotations['run.googleapis.com/minScale']);
  const sMax = intOf(view.serviceAnnotations['run.googleapis.com/maxScale']);
  if (sMin !== undefined && sMax !== undefined && sMin > sMax)
    r.report(
      MIN_MAX,
      at(SERVICE_ANNOTATIONS, 'run.googleapis.com/maxScale'),
      `service maxScale ${sMax} is less than service minScale ${sMin}`,
    );
  if (a['run.googleapis.com/network-interfaces'] !== undefined && max !== undefined && max > 100)
    r.report(
      DIRECT_VPC_CAP,
      at(TEMPLATE_ANNOTATIONS, 'autoscaling.knative.dev/maxScale'),
      `maxScale is ${max} with Direct VPC egress (run.googleapis.com/network-interfaces)`,
    );
  if (
    max === undefined &&
    sMax === undefined &&
    a['autoscaling.knative.dev/maxScale'] === undefined
  )
    r.report(
      NO_MAX_SCALE,
      TEMPLATE_ANNOTATIONS,
      'no autoscaling.knative.dev/maxScale: the revision may scale to 100 instances',
    );
}

function intOf(value: unknown): number | undefined {
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

function checkKnative(a: Record<string, unknown>, r: Reporter): void {
  const minEntry = first(a, KN_MIN);
  const maxEntry = first(a, KN_MAX);
  const read = (entry: [string, string] | undefined): number => {
    if (!entry) return 0;
    const n = goInt32(entry[1]);
    if (n === undefined || n < 0) {
      r.report(
        SCALE_VALUE,
        at(TEMPLATE_ANNOTATIONS, entry[0]),
        `${entry[0]}: ${quote(entry[1])} is not an integer >= 0`,
      );
      return 0;
    }
    return n;
  };
  const min = read(minEntry);
  const max = read(maxEntry);
  if (max !== 0 && max < min)
    r.report(
      MIN_MAX,
      at(TEMPLATE_ANNOTATIONS, maxEntry![0]),
      `max-scale=${max} is less than min-scale=${min}`,
    );
  if (!maxEntry)
    r.report(
      NO_MAX_SCALE,
      TEMPLATE_ANNOTATIONS,
      'no autoscaling.knative.dev/max-scale: scaling is unbounded',
    );

  const initial = first(a, [
    'autoscaling.knative.dev/initial-scale',
    'autoscaling.knative.dev/initialScale',
  ]);
  if (initial) {
    const v = initial[1];
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
    if (n === undefined || n < 0 || n === 0)
      r.report(
        SCALE_VALUE,
        at(TEMPLATE_ANNOTATIONS, initial[0]),
        n === 0
          ? `${initial[0]}=0 is not allowed by the cluster default (allow-zero-initial-scale: false)`
          : `${initial[0]}: ${quote(v)} is not a positive integer`,
      );
  }
  const target = first(a, ['autoscaling.knative.dev/target']);
  if (target) {
    const n = goFloat(target[1]);
    if (n === undefined || n < 0.01)
      r.report(
        SCALE_VALUE,
        at(TEMPLATE_ANNOTATIONS, target[0]),
        `target ${quote(target[1])} is not a number >= 0.01`,
      );
  }
  const util = first(a, ['autoscaling.knative.dev/target-utilization-percentage']);
  if (util) {
    const n = goFloat(util[1]);
    if (n === undefined || n < 1 || n > 100)
      r.report(
        SCALE_VALUE,
        at(TEMPLATE_ANNOTATIONS, util[0]),
        `target-utilization-percentage ${quote(util[1])} is not within 1-100`,
      );
  }
}

/** Go's strconv.ParseFloat for plain decimal numbers. */
function goFloat(v: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(v)) return undefined;
  return Number(v);
}
