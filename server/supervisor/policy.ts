/**
 * The supervisor's policy knobs: every default lives in `SUPERVISOR_VARIABLES` below, which is both
 * the documentation (docs/supervisor.md lists it) and what `policyFromEnv` reads, so the two cannot
 * drift. Parsing is pure and collects every problem at once, naming the variable at fault.
 */
import { parseInteger } from '../config/parse.ts';

export interface Policy {
  /** First readiness probe this long after spawn; later probes back off by `probeFactor`. */
  readonly probeInitialMs: number;
  /** Longest gap between two readiness probes. */
  readonly probeMaxMs: number;
  /** One readiness request gives up after this long (counts as not ready). */
  readonly probeTimeoutMs: number;
  /** Not ready this long after spawn = a failed start (the process group is killed). */
  readonly readyTimeoutMs: number;
  /** First restart delay; doubles per consecutive failed start. */
  readonly restartInitialMs: number;
  /** Restart delays never exceed this. */
  readonly restartMaxMs: number;
  /** A delay is shortened by up to this fraction at random, so restarts never march in step. */
  readonly restartJitter: number;
  /** Ready and up this long = stable: its next crash is not a failed start and backoff resets. */
  readonly stableAfterMs: number;
  /** This many failed starts of one process inside `failureWindowMs` = give up (exit 1). */
  readonly maxFailedStarts: number;
  readonly failureWindowMs: number;
  /** From the stop signal until whatever is still alive gets SIGKILL. */
  readonly stopTimeoutMs: number;
  /**
   * After SIGKILL, exit anyway this long later even if a child never reports its death; also the
   * longest wait for children's last output at exit. Worst case: stop + 2 x this (9.8 s).
   */
  readonly killGraceMs: number;
}

interface Knob {
  readonly key: keyof Policy;
  readonly description: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
  /** Parsed as a decimal such as `0.2` instead of an integer. */
  readonly fraction?: boolean;
}

/** Every knob, its environment variable, default and allowed range: the single source. */
export const SUPERVISOR_VARIABLES = {
  SUPERVISOR_PROBE_INITIAL_MS: {
    key: 'probeInitialMs',
    description: 'Delay before the first readiness probe after a spawn.',
    default: 10,
    min: 1,
    max: 10_000,
  },
  SUPERVISOR_PROBE_MAX_MS: {
    key: 'probeMaxMs',
    description: 'Longest gap between readiness probes (they back off by 1.5x up to this).',
    default: 50,
    min: 1,
    max: 60_000,
  },
  SUPERVISOR_PROBE_TIMEOUT_MS: {
    key: 'probeTimeoutMs',
    description: 'Timeout of one readiness request.',
    default: 1_000,
    min: 10,
    max: 60_000,
  },
  SUPERVISOR_READY_TIMEOUT_MS: {
    key: 'readyTimeoutMs',
    description: 'Deadline from spawn to ready; missing it is a failed start.',
    default: 30_000,
    min: 100,
    max: 600_000,
  },
  SUPERVISOR_RESTART_INITIAL_MS: {
    key: 'restartInitialMs',
    description: 'First restart delay after a crash; doubles per consecutive failed start.',
    default: 100,
    min: 0,
    max: 600_000,
  },
  SUPERVISOR_RESTART_MAX_MS: {
    key: 'restartMaxMs',
    description: 'Cap of the restart delay.',
    default: 10_000,
    min: 0,
    max: 600_000,
  },
  SUPERVISOR_RESTART_JITTER: {
    key: 'restartJitter',
    description: 'Fraction (0 to 0.9) by which a restart delay is shortened at random.',
    default: 0.2,
    min: 0,
    max: 0.9,
    fraction: true,
  },
  SUPERVISOR_STABLE_AFTER_MS: {
    key: 'stableAfterMs',
    description:
      'Uptime after ready from which a process counts as stable (backoff resets, a crash is not a failed start).',
    default: 10_000,
    min: 0,
    max: 3_600_000,
  },
  SUPERVISOR_MAX_FAILED_STARTS: {
    key: 'maxFailedStarts',
    description: 'Failed starts of one process within the window that make the supervisor give up.',
    default: 5,
    min: 1,
    max: 1_000,
  },
  SUPERVISOR_FAILURE_WINDOW_MS: {
    key: 'failureWindowMs',
    description: 'Window in which failed starts are counted.',
    default: 60_000,
    min: 1,
    max: 86_400_000,
  },
  SUPERVISOR_STOP_TIMEOUT_MS: {
    key: 'stopTimeoutMs',
    description:
      "Budget from SIGTERM/SIGINT until what is still alive gets SIGKILL (under Cloud Run's 10 s).",
    default: 9_000,
    min: 0,
    max: 3_600_000,
  },
  SUPERVISOR_KILL_GRACE_MS: {
    key: 'killGraceMs',
    description:
      'After SIGKILL, exit at the latest this much later; also the longest wait for the last log lines at exit.',
    default: 400,
    min: 0,
    max: 60_000,
  },
} as const satisfies Record<string, Knob>;

export type SupervisorVariable = keyof typeof SUPERVISOR_VARIABLES;

/** The defaults, derived from the table above. */
export const DEFAULT_POLICY: Policy = Object.freeze(
  Object.fromEntries(
    Object.values(SUPERVISOR_VARIABLES).map((knob: Knob) => [knob.key, knob.default]),
  ) as unknown as Policy,
);

/** Readiness probes back off by this factor per failed probe (fixed: tuning it buys nothing). */
export const PROBE_FACTOR = 1.5;
/** Restart delays grow by this factor per consecutive failed start. */
export const RESTART_FACTOR = 2;

export interface PolicyProblem {
  readonly variable: string;
  readonly message: string;
}

export type PolicyResult =
  | { readonly ok: true; readonly policy: Policy }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

function parseFraction(raw: string, min: number, max: number): number | undefined {
  const text = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** Cross-field rules, each naming both variables and values. */
function checkRelations(policy: Policy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  if (policy.probeInitialMs > policy.probeMaxMs) {
    problems.push({
      variable: 'SUPERVISOR_PROBE_INITIAL_MS',
      message: `SUPERVISOR_PROBE_INITIAL_MS (${policy.probeInitialMs}) must not exceed SUPERVISOR_PROBE_MAX_MS (${policy.probeMaxMs})`,
    });
  }
  if (policy.restartInitialMs > policy.restartMaxMs) {
    problems.push({
      variable: 'SUPERVISOR_RESTART_INITIAL_MS',
      message: `SUPERVISOR_RESTART_INITIAL_MS (${policy.restartInitialMs}) must not exceed SUPERVISOR_RESTART_MAX_MS (${policy.restartMaxMs})`,
    });
  }
  return problems;
}

/** Checks a complete policy (for programmatic callers); throws a TypeError naming every problem. */
export function assertPolicy(policy: Policy): Policy {
  const problems = checkRelations(policy);
  for (const [name, knob] of Object.entries(SUPERVISOR_VARIABLES) as [string, Knob][]) {
    const value = policy[knob.key];
    if (!Number.isFinite(value) || value < knob.min || value > knob.max) {
      problems.push({
        variable: name,
        message: `${knob.key} (${value}) must be from ${knob.min} to ${knob.max}`,
      });
    }
  }
  if (problems.length > 0) {
    throw new TypeError(`invalid supervisor policy: ${problems.map((p) => p.message).join('; ')}`);
  }
  return policy;
}

/**
 * The policy from environment variables over the defaults. Blank counts as unset. Never throws:
 * every bad value becomes a problem that names the variable and quotes the value.
 */
export function policyFromEnv(env: Readonly<Record<string, string | undefined>>): PolicyResult {
  const problems: PolicyProblem[] = [];
  const values: Record<string, number> = { ...DEFAULT_POLICY };
  for (const [name, knob] of Object.entries(SUPERVISOR_VARIABLES) as [string, Knob][]) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    const shown = JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
    if (knob.fraction) {
      const value = parseFraction(raw, knob.min, knob.max);
      if (value === undefined) {
        problems.push({
          variable: name,
          message: `${name} (${shown}) must be a decimal from ${knob.min} to ${knob.max}`,
        });
      } else values[knob.key] = value;
      continue;
    }
    const parsed = parseInteger(raw, knob.min, knob.max);
    if (parsed.ok) values[knob.key] = parsed.value;
    else problems.push({ variable: name, message: `${name} (${shown}) ${parsed.reason}` });
  }
  const policy = values as unknown as Policy;
  problems.push(...checkRelations(policy));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy };
}
