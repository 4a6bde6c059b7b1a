/** Traffic: targets, percentages, tags. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import type { ServiceView } from '../view.ts';
import { int, isRecord, list, quote, record, str } from '../values.ts';
import { isDns1035 } from './names.ts';

const KN_ROUTE = 'Knative pkg/apis/serving/v1/route_validation.go';
const V1_TRAFFIC = 'Cloud Run Admin API v1 schema (TrafficTarget)';

export const TRAFFIC_TARGET: Rule = {
  id: 'traffic/target',
  severity: 'error',
  summary: 'each traffic target points at the latest revision or at a named revision, not both',
  allowed:
    'latestRevision: true without revisionName, or revisionName with latestRevision false/unset; no configurationName',
  source: {
    cloudrun: `${V1_TRAFFIC} (latestRevision, configurationName "must be empty")`,
    knative: KN_ROUTE,
  },
};
export const TRAFFIC_PERCENT: Rule = {
  id: 'traffic/percent',
  severity: 'error',
  summary: 'percentages are 0-100 and sum to 100',
  allowed: '0-100 each, 100 in total',
  source: {
    cloudrun: `${V1_TRAFFIC} (percent); Knative route semantics`,
    knative: `${KN_ROUTE} ("Traffic targets sum to %d, want 100")`,
  },
};
export const TRAFFIC_TAG: Rule = {
  id: 'traffic/tag',
  severity: 'error',
  summary: 'tags are unique DNS-1035 labels (Cloud Run: tag + service name <= 46 characters)',
  allowed: {
    cloudrun: 'unique DNS-1035 labels; tag and service name together at most 46 characters',
    knative: 'unique DNS-1035 labels',
  },
  source: {
    cloudrun:
      '"Combined traffic tag and service name cannot exceed 46 characters" (PolicyEngine/policyengine-api#3729); Knative route semantics',
    knative: KN_ROUTE,
  },
};
export const TRAFFIC_URL: Rule = {
  id: 'traffic/url',
  severity: 'error',
  targets: ['knative'],
  summary: 'url is output only',
  allowed: 'leave url out of spec.traffic',
  source: KN_ROUTE,
};

export const TRAFFIC_RULES = [TRAFFIC_TARGET, TRAFFIC_PERCENT, TRAFFIC_TAG, TRAFFIC_URL];

export function checkTraffic(view: ServiceView, r: Reporter): void {
  const spec = record(view.doc['spec']);
  if (!spec || !Array.isArray(spec['traffic'])) return;
  const traffic = list(spec['traffic']);
  if (traffic.length === 0) return; // defaults to 100% latest
  let sum = 0;
  const tags = new Set<string>();
  traffic.forEach((t, i) => {
    if (!isRecord(t)) return;
    const path = at('spec.traffic', i);
    const revisionName = str(t['revisionName']) ?? '';
    const latest = t['latestRevision'];
    if (str(t['configurationName']))
      r.report(
        TRAFFIC_TARGET,
        at(path, 'configurationName'),
        'configurationName must be empty in a Service',
      );
    if (latest === true && revisionName !== '')
      r.report(
        TRAFFIC_TARGET,
        at(path, 'latestRevision'),
        `may not set revisionName ${quote(revisionName)} when latestRevision is true`,
      );
    if (latest === false && revisionName === '')
      r.report(
        TRAFFIC_TARGET,
        at(path, 'latestRevision'),
        'latestRevision is false but no revisionName is given',
      );
    const percent = int(t['percent'], r.target);
    if (percent !== undefined) {
      if (percent < 0 || percent > 100)
        r.report(TRAFFIC_PERCENT, at(path, 'percent'), `percent is ${percent}`);
      sum += percent;
    }
    const tag = str(t['tag']);
    if (tag) {
      if (!isDns1035(tag))
        r.report(TRAFFIC_TAG, at(path, 'tag'), `tag ${quote(tag)} is not a DNS-1035 label`);
      if (tags.has(tag))
        r.report(TRAFFIC_TAG, at(path, 'tag'), `multiple definitions for ${quote(tag)}`);
      tags.add(tag);
      const service = view.serviceName ?? '';
      if (r.target === 'cloudrun' && tag.length + service.length > 46)
        r.report(
          TRAFFIC_TAG,
          at(path, 'tag'),
          `traffic tag ${quote(tag)} and service name ${quote(service)} together are ${tag.length + service.length} characters`,
        );
    }
    if (str(t['url']) && r.target === 'knative')
      r.report(TRAFFIC_URL, at(path, 'url'), 'url is set in spec.traffic');
  });
  if (sum !== 100)
    r.report(TRAFFIC_PERCENT, 'spec.traffic', `Traffic targets sum to ${sum}, want 100`);
}
