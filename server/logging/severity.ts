/**
 * Cloud Logging severities (google.logging.type.LogSeverity) and the mapping from pino levels.
 * The mapping is the one @google-cloud/pino-logging-gcp-config uses, so logs read the same
 * whichever way they were written; test/server/logging checks the two agree.
 */

export const SEVERITIES = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
] as const;

export type Severity = (typeof SEVERITIES)[number];

const BY_PINO_LABEL: Readonly<Record<string, Severity>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Severity for a pino level label; unknown labels are INFO, as in Google's own mapping. */
export function severityOfPinoLevel(label: string): Severity {
  return BY_PINO_LABEL[label] ?? 'INFO';
}

const SEVERITY_SET: ReadonlySet<string> = new Set(SEVERITIES);

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && SEVERITY_SET.has(value);
}
