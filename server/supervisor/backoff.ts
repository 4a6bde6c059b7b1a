/**
 * The two delay curves of the supervisor, as pure functions so the state machine and the property
 * tests share them: readiness probes (fast at first, since a Node server listens within tens of
 * milliseconds, then backing off) and restarts (exponential with jitter, capped, as s6, pm2 and
 * the AWS backoff guidance do; jitter only ever shortens a delay, so the cap stays a hard bound).
 */
import { PROBE_FACTOR, RESTART_FACTOR, type Policy } from './policy.ts';

/** Delay before the next readiness probe, given the previous delay (undefined = first probe). */
export function nextProbeDelay(
  previous: number | undefined,
  policy: Pick<Policy, 'probeInitialMs' | 'probeMaxMs'>,
): number {
  if (previous === undefined) return policy.probeInitialMs;
  return Math.min(policy.probeMaxMs, Math.ceil(previous * PROBE_FACTOR));
}

/**
 * Delay before restart number `failures` (1 = first restart after a crash or failed start).
 * `random` is in [0, 1). The result is in
 * [floor(base * (1 - jitter)), base] with base = min(max, initial * 2^(failures - 1)).
 */
export function restartDelay(
  failures: number,
  policy: Pick<Policy, 'restartInitialMs' | 'restartMaxMs' | 'restartJitter'>,
  random: () => number,
): number {
  const exponent = Math.max(0, Math.min(failures - 1, 60));
  const base = Math.min(policy.restartMaxMs, policy.restartInitialMs * RESTART_FACTOR ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(base * (1 - policy.restartJitter * r));
}

/** The bounds `restartDelay` promises, for tests and docs. */
export function restartDelayBounds(
  failures: number,
  policy: Pick<Policy, 'restartInitialMs' | 'restartMaxMs' | 'restartJitter'>,
): { readonly min: number; readonly max: number } {
  const exponent = Math.max(0, Math.min(failures - 1, 60));
  const base = Math.min(policy.restartMaxMs, policy.restartInitialMs * RESTART_FACTOR ** exponent);
  return { min: Math.floor(base * (1 - policy.restartJitter)), max: base };
}
