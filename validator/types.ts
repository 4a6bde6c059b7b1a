/** The public vocabulary of the validator: what it checks against and what it reports. */

/**
 * Which platform's rules apply: Cloud Run fully managed (Admin API v1, `gcloud run services
 * replace`) or upstream Knative Serving with its default feature flags.
 */
export type Target = 'cloudrun' | 'knative';

export const TARGETS: readonly Target[] = ['cloudrun', 'knative'];

export type Severity = 'error' | 'warning';

/** One problem found in a manifest. */
export interface Finding {
  /** Stable rule id, e.g. `resources/memory-for-cpu`. */
  readonly rule: string;
  /** `error`: the platform rejects the manifest. `warning`: accepted, but a smell. */
  readonly severity: Severity;
  /**
   * Dotted field path, e.g. `spec.template.spec.containers[0].resources.limits.memory`; map keys
   * that are not identifiers are bracketed: `metadata.annotations[run.googleapis.com/ingress]`.
   * Empty for the document itself.
   */
  readonly path: string;
  /** What is wrong, what is allowed, and where the rule comes from. */
  readonly message: string;
}

export interface ValidateOptions {
  readonly target: Target;
}
