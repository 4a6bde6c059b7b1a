/**
 * What flows between the pure state machine (./machine.ts) and the I/O shell (./runner.ts):
 * events in, commands out. Keeping these plain data is what lets the property tests drive the
 * machine in virtual time and check every command it emits.
 */

export type SupervisorEvent =
  /** Begin: spawn whatever has no unmet dependency. */
  | { readonly type: 'start' }
  /** A spawn command succeeded; `pid` is also the process group id (children are group leaders). */
  | { readonly type: 'spawned'; readonly name: string; readonly pid: number }
  /** The process (group leader) ended, or could not be spawned at all (`error`). */
  | {
      readonly type: 'exited';
      readonly name: string;
      readonly code: number | null;
      readonly signal: string | null;
      readonly error?: string;
    }
  /** The readiness probe `probe` (from a probe command) succeeded. */
  | { readonly type: 'ready'; readonly name: string; readonly probe: number }
  /** The readiness probe `probe` failed. */
  | {
      readonly type: 'not-ready';
      readonly name: string;
      readonly probe: number;
      readonly reason: string;
    }
  /** A timer from a schedule command fired. */
  | { readonly type: 'timer'; readonly id: number }
  /** The supervisor received SIGTERM or SIGINT. */
  | { readonly type: 'signal'; readonly signal: string };

/** Why a kill was sent; the invariants in the tests are stated per reason. */
export type KillReason =
  /** Graceful stop of one process, in reverse dependency order. */
  | 'stop'
  /** The stop budget ran out. */
  | 'budget'
  /** A second stop signal arrived. */
  | 'forced'
  /** The readiness deadline passed: the process is hung. */
  | 'not-ready'
  /** The group leader has exited; whatever is left in its group goes with it. */
  | 'leftovers';

export type TimerPurpose = 'probe' | 'deadline' | 'restart' | 'budget' | 'hard-stop';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type Command =
  | { readonly type: 'spawn'; readonly name: string }
  | {
      readonly type: 'kill';
      readonly name: string;
      /** Process group id: the whole group is signalled. */
      readonly group: number;
      readonly signal: 'SIGTERM' | 'SIGKILL';
      readonly reason: KillReason;
    }
  | { readonly type: 'probe'; readonly name: string; readonly probe: number }
  | {
      readonly type: 'schedule';
      readonly id: number;
      readonly delayMs: number;
      readonly purpose: TimerPurpose;
      readonly name?: string;
    }
  | {
      readonly type: 'log';
      readonly level: LogLevel;
      readonly message: string;
      readonly fields: Readonly<Record<string, unknown>>;
    }
  | { readonly type: 'exit'; readonly code: number };

/** Exit codes of the supervisor. */
export const EXIT_OK = 0;
/** Gave up on a crash loop, or had to SIGKILL something to stop. */
export const EXIT_FAILURE = 1;
/** A child exited with EX_CONFIG (78): restarting cannot help, so give up with the same code. */
export const EXIT_CONFIG = 78;
