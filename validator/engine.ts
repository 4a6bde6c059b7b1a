/** Runs every rule family over one parsed document. Pure: no I/O, no globals. */
import { Reporter } from './rule.ts';
import { checkAnnotations } from './rules/annotations.ts';
import { checkEnv } from './rules/env.ts';
import { checkImages } from './rules/image.ts';
import { checkNames } from './rules/names.ts';
import { checkPorts } from './rules/ports.ts';
import { checkProbes } from './rules/probes.ts';
import { checkResources } from './rules/resources.ts';
import { checkRevision } from './rules/revision.ts';
import { checkScaling } from './rules/scaling.ts';
import { checkShape } from './rules/shape.ts';
import { checkTraffic } from './rules/traffic.ts';
import { checkVolumes } from './rules/volumes.ts';
import type { Finding, Target } from './types.ts';
import { viewOf } from './view.ts';

const FAMILIES = [
  checkNames,
  checkAnnotations,
  checkScaling,
  checkRevision,
  checkImages,
  checkResources,
  checkPorts,
  checkEnv,
  checkVolumes,
  checkProbes,
  checkTraffic,
];

export function runRules(doc: unknown, target: Target): Finding[] {
  const reporter = new Reporter(target);
  if (!checkShape(doc, reporter)) return reporter.findings;
  const view = viewOf(doc, target);
  for (const family of FAMILIES) family(view, reporter);
  return reporter.findings;
}
