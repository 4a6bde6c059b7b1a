/**
 * Rules are data (id, severity, allowed values, source) so that the catalogue can be listed and
 * documented; the checks that use them live in ./rules/, one module per rule family.
 */
import type { Finding, Severity, Target } from './types.ts';

/** A value that may differ between the two targets. */
export type PerTarget<T> = T | { readonly cloudrun: T; readonly knative: T };

export interface Rule {
  /** `family/name`, stable: tests, docs and users' suppressions refer to it. */
  readonly id: string;
  readonly severity: PerTarget<Severity>;
  /** The targets the rule applies to. @default both */
  readonly targets?: readonly Target[];
  /** One line: what the rule checks. */
  readonly summary: string;
  /** The allowed values, as a reader needs them to fix the manifest. */
  readonly allowed: PerTarget<string>;
  /** Where the rule comes from (documentation page, API schema field, Knative source file). */
  readonly source: PerTarget<string>;
}

export function pick<T>(value: PerTarget<T>, target: Target): T {
  if (typeof value === 'object' && value !== null && 'cloudrun' in value && 'knative' in value)
    return value[target];
  return value;
}

export function appliesTo(rule: Rule, target: Target): boolean {
  return rule.targets === undefined || rule.targets.includes(target);
}

/** Collects findings for one document and one target. */
export class Reporter {
  readonly findings: Finding[] = [];

  constructor(readonly target: Target) {}

  /**
   * Records that `rule` is broken at `path`. `problem` says what is wrong with this value; the
   * rule's allowed values and source are appended so every message is self-contained.
   */
  report(rule: Rule, path: string, problem: string, allowed?: string): void {
    if (!appliesTo(rule, this.target)) return;
    const allowedText = allowed ?? pick(rule.allowed, this.target);
    this.findings.push({
      rule: rule.id,
      severity: pick(rule.severity, this.target),
      path,
      message: `${problem}. Allowed: ${allowedText}. Source: ${pick(rule.source, this.target)}.`,
    });
  }
}
