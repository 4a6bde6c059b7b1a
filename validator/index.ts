/**
 * The offline Cloud Run / Knative manifest validator: a pure rules engine. Give it a parsed
 * Service document or YAML text and a target; it returns findings (rule id, severity, dotted field
 * path, message with the allowed values and the rule's source). It never throws.
 *
 * The rules come from ../shared/reference/cloudrun-rules.md (Cloud Run) and Knative Serving
 * knative-v1.23.0's webhook (Knative); docs/validator.md lists them.
 */
import { RULES } from './catalogue.ts';
import { runRules } from './engine.ts';
import { Reporter } from './rule.ts';
import { DOCUMENT } from './rules/shape.ts';
import type { Finding, Target, ValidateOptions } from './types.ts';
import { validateText, YAML_EMPTY, YAML_SYNTAX } from './yaml-text.ts';

export type { Finding, Severity, Target, ValidateOptions } from './types.ts';
export { TARGETS } from './types.ts';
export type { Rule } from './rule.ts';
export { parseQuantity } from './quantity.ts';

/** Every rule the engine knows, including the YAML-level ones. */
export const ALL_RULES = [YAML_SYNTAX, YAML_EMPTY, ...RULES];

function internalError(target: Target, error: unknown): Finding[] {
  // A bug in a rule must not take the caller down: report it as a finding instead.
  const r = new Reporter(target);
  r.report(
    DOCUMENT,
    '',
    `internal validator error (${error instanceof Error ? error.message : String(error)})`,
  );
  return r.findings.map((f) => ({ ...f, rule: 'internal/error' }));
}

/** Validates one parsed document (the result of parsing one YAML or JSON document). */
export function validateManifest(doc: unknown, opts: ValidateOptions): Finding[] {
  try {
    return runRules(doc, opts.target);
  } catch (error) {
    return internalError(opts.target, error);
  }
}

/**
 * Validates YAML text, which may hold several documents. When it does, each finding's path starts
 * with `documents[i]` (0-based). Unparsable YAML is reported as a `yaml/syntax` finding.
 */
export function validateYamlText(text: string, opts: ValidateOptions): Finding[] {
  try {
    return validateText(String(text), opts.target);
  } catch (error) {
    return internalError(opts.target, error);
  }
}

/**
 * For loops (synth, benchmarks): validates many parsed documents with one target and returns the
 * findings of each, in order. Same cost per document as validateManifest, no YAML parsing.
 */
export function validateManifests(docs: Iterable<unknown>, opts: ValidateOptions): Finding[][] {
  const out: Finding[][] = [];
  for (const doc of docs) out.push(validateManifest(doc, opts));
  return out;
}

/** True when none of the findings is an error. */
export function passes(findings: readonly Finding[]): boolean {
  return !findings.some((f) => f.severity === 'error');
}
