/**
 * The supervisor's pure core: `handle(event)` returns the commands to execute. It owns ordering,
 * readiness deadlines, restart backoff, the crash-loop rule and the stop sequence, and never
 * touches a process, a timer or the clock itself (`now` and `random` are injected), so property
 * tests run it in virtual time and check every command it emits (test/server/supervisor/).
 *
 * Per process: waiting -> spawning -> starting -> running, and from any live phase either
 * backoff (crashed; a restart timer is pending) or stopping -> stopped.
 */
import { nextProbeDelay, restartDelay } from './backoff.ts';
import { assertPolicy, DEFAULT_POLICY, type Policy } from './policy.ts';
import type { ProcessDecl } from './processes.ts';
import {
  EXIT_CONFIG,
  EXIT_FAILURE,
  EXIT_OK,
  type Command,
  type KillReason,
  type LogLevel,
  type SupervisorEvent,
  type TimerPurpose,
} from './protocol.ts';

export type Phase =
  'waiting' | 'spawning' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

interface Proc {
  readonly decl: ProcessDecl;
  phase: Phase;
  pid: number | undefined;
  spawnedAt: number;
  readyAt: number | undefined;
  /** Failed starts since the process was last stable (drives the backoff exponent). */
  consecutiveFailures: number;
  /** Times of failed starts inside the window (drives the give-up rule). */
  failureTimes: number[];
  probeDelay: number | undefined;
  probeSeq: number;
  probeInFlight: boolean;
  /** Set when the readiness deadline passed and the group was killed. */
  failing: string | undefined;
  /** Stop reached this process while it was still being spawned. */
  termPending: boolean;
  starts: number;
}

interface StopState {
  readonly startedAt: number;
  readonly reason: 'signal' | 'gave-up';
  readonly exitCode: number;
  /** Set once everything alive got SIGKILL: the budget ran out or a second signal came. */
  forced: 'budget' | 'forced' | undefined;
}

export interface SupervisorOptions {
  /** In start order (see `orderProcesses`). */
  readonly processes: readonly ProcessDecl[];
  /** @default DEFAULT_POLICY */
  readonly policy?: Policy;
  /** Milliseconds; virtual in tests. @default Date.now */
  readonly now?: () => number;
  /** In [0, 1); drives restart jitter. @default Math.random */
  readonly random?: () => number;
}

/** A read-only view for tests and diagnostics. */
export interface ProcessSnapshot {
  readonly name: string;
  readonly phase: Phase;
  readonly pid: number | undefined;
  readonly starts: number;
  readonly consecutiveFailures: number;
}

const FATAL_EXIT_CODES: ReadonlySet<number> = new Set([EXIT_CONFIG]);

export function describeExit(code: number | null, signal: string | null, error?: string): string {
  if (error !== undefined) return `could not be spawned (${error})`;
  if (signal !== null) return `was killed by ${signal}`;
  return `exited with code ${code ?? 'unknown'}`;
}

export class Supervisor {
  readonly #policy: Policy;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #procs: Proc[];
  readonly #byName = new Map<string, Proc>();
  readonly #timers = new Map<number, { purpose: TimerPurpose; name?: string }>();
  #nextTimer = 1;
  #out: Command[] = [];
  #startedAt: number | undefined;
  #allReadyLogged = false;
  #stop: StopState | undefined;
  #exited = false;

  constructor(options: SupervisorOptions) {
    this.#policy = assertPolicy(options.policy ?? DEFAULT_POLICY);
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#procs = options.processes.map((decl) => ({
      decl,
      phase: 'waiting',
      pid: undefined,
      spawnedAt: 0,
      readyAt: undefined,
      consecutiveFailures: 0,
      failureTimes: [],
      probeDelay: undefined,
      probeSeq: 0,
      probeInFlight: false,
      failing: undefined,
      termPending: false,
      starts: 0,
    }));
    for (const p of this.#procs) this.#byName.set(p.decl.name, p);
    for (const p of this.#procs) {
      for (const dep of p.decl.dependsOn) {
        const d = this.#byName.get(dep);
        if (d === undefined || this.#procs.indexOf(d) > this.#procs.indexOf(p)) {
          throw new TypeError(
            `process "${p.decl.name}" depends on "${dep}", which must be declared before it`,
          );
        }
      }
    }
  }

  get stopping(): boolean {
    return this.#stop !== undefined;
  }

  get done(): boolean {
    return this.#exited;
  }

  snapshot(): ProcessSnapshot[] {
    return this.#procs.map((p) => ({
      name: p.decl.name,
      phase: p.phase,
      pid: p.pid,
      starts: p.starts,
      consecutiveFailures: p.consecutiveFailures,
    }));
  }

  /** Feeds one event; returns the commands to execute, in order. */
  handle(event: SupervisorEvent): Command[] {
    this.#out = [];
    if (!this.#exited) this.#dispatch(event);
    return this.#out;
  }

  #dispatch(event: SupervisorEvent): void {
    switch (event.type) {
      case 'start':
        if (this.#startedAt !== undefined) return;
        this.#startedAt = this.#now();
        this.#startEligible();
        return;
      case 'spawned':
        return this.#onSpawned(event.name, event.pid);
      case 'exited':
        return this.#onExited(event.name, event.code, event.signal, event.error);
      case 'ready':
        return this.#onProbeResult(event.name, event.probe, true, '');
      case 'not-ready':
        return this.#onProbeResult(event.name, event.probe, false, event.reason);
      case 'timer':
        return this.#onTimer(event.id);
      case 'signal':
        return this.#onSignal(event.signal);
    }
  }

  // --- commands -------------------------------------------------------------------------------

  #log(level: LogLevel, message: string, fields: Record<string, unknown> = {}): void {
    this.#out.push({ type: 'log', level, message, fields });
  }

  #schedule(delayMs: number, purpose: TimerPurpose, name?: string): void {
    const id = this.#nextTimer++;
    this.#timers.set(id, name === undefined ? { purpose } : { purpose, name });
    this.#out.push({
      type: 'schedule',
      id,
      delayMs,
      purpose,
      ...(name === undefined ? {} : { name }),
    });
  }

  /** Forgets the process's pending timers, so they are ignored when they fire. */
  #dropTimers(name: string, purposes?: readonly TimerPurpose[]): void {
    for (const [id, t] of this.#timers) {
      if (t.name === name && (purposes === undefined || purposes.includes(t.purpose))) {
        this.#timers.delete(id);
      }
    }
  }

  #kill(p: Proc, signal: 'SIGTERM' | 'SIGKILL', reason: KillReason, group = p.pid): void {
    if (group === undefined) return;
    this.#out.push({ type: 'kill', name: p.decl.name, group, signal, reason });
  }

  // --- start ------------------------------------------------------------------------------------

  #depsReady(p: Proc): boolean {
    return p.decl.dependsOn.every((dep) => this.#byName.get(dep)!.phase === 'running');
  }

  #startEligible(): void {
    if (this.#stop !== undefined || this.#startedAt === undefined) return;
    for (const p of this.#procs) {
      if (p.phase === 'waiting' && this.#depsReady(p)) this.#spawn(p);
    }
  }

  #spawn(p: Proc): void {
    p.phase = 'spawning';
    p.pid = undefined;
    p.spawnedAt = this.#now();
    p.readyAt = undefined;
    p.probeDelay = undefined;
    p.probeInFlight = false;
    p.failing = undefined;
    p.termPending = false;
    p.starts += 1;
    this.#log('info', `starting ${p.decl.name}`, { process: p.decl.name, start: p.starts });
    this.#out.push({ type: 'spawn', name: p.decl.name });
    if (p.decl.probed) this.#schedule(this.#policy.readyTimeoutMs, 'deadline', p.decl.name);
  }

  #onSpawned(name: string, pid: number): void {
    const p = this.#byName.get(name);
    if (p === undefined || p.phase !== 'spawning') return;
    p.pid = pid;
    if (this.#stop?.forced !== undefined) {
      p.phase = 'stopping';
      this.#kill(p, 'SIGKILL', this.#stop.forced);
      return;
    }
    if (p.termPending) {
      p.phase = 'stopping';
      this.#kill(p, 'SIGTERM', 'stop');
      return;
    }
    p.phase = 'starting';
    if (p.failing !== undefined) {
      this.#kill(p, 'SIGKILL', 'not-ready');
      return;
    }
    if (!p.decl.probed) {
      this.#markReady(p);
      return;
    }
    p.probeDelay = nextProbeDelay(undefined, this.#policy);
    this.#schedule(p.probeDelay, 'probe', name);
  }

  #onProbeResult(name: string, probe: number, ok: boolean, reason: string): void {
    const p = this.#byName.get(name);
    if (p === undefined || p.phase !== 'starting' || !p.probeInFlight || probe !== p.probeSeq) {
      return;
    }
    p.probeInFlight = false;
    if (p.failing !== undefined || this.#stop !== undefined) return;
    if (ok) {
      this.#markReady(p);
      return;
    }
    p.probeDelay = nextProbeDelay(p.probeDelay, this.#policy);
    this.#log('debug', `${name} not ready yet`, { process: name, reason });
    this.#schedule(p.probeDelay, 'probe', name);
  }

  #markReady(p: Proc): void {
    p.phase = 'running';
    p.readyAt = this.#now();
    this.#dropTimers(p.decl.name);
    this.#log('info', `${p.decl.name} is ready`, {
      process: p.decl.name,
      pid: p.pid,
      readyMs: p.readyAt - p.spawnedAt,
      start: p.starts,
    });
    this.#startEligible();
    if (!this.#allReadyLogged && this.#procs.every((q) => q.phase === 'running')) {
      this.#allReadyLogged = true;
      this.#log('info', 'all processes are ready', {
        readyMs: this.#now() - (this.#startedAt ?? 0),
      });
    }
  }

  // --- timers -----------------------------------------------------------------------------------

  #onTimer(id: number): void {
    const timer = this.#timers.get(id);
    if (timer === undefined) return;
    this.#timers.delete(id);
    const p = timer.name === undefined ? undefined : this.#byName.get(timer.name);
    switch (timer.purpose) {
      case 'probe':
        if (p === undefined || p.phase !== 'starting' || p.probeInFlight || this.#stop) return;
        if (p.failing !== undefined) return;
        p.probeSeq += 1;
        p.probeInFlight = true;
        this.#out.push({ type: 'probe', name: p.decl.name, probe: p.probeSeq });
        return;
      case 'deadline':
        if (p === undefined || this.#stop !== undefined) return;
        if (p.phase !== 'spawning' && p.phase !== 'starting') return;
        p.failing = `was not ready within ${this.#policy.readyTimeoutMs} ms`;
        this.#log('warn', `${p.decl.name} ${p.failing}: killing its process group`, {
          process: p.decl.name,
          pid: p.pid,
        });
        this.#kill(p, 'SIGKILL', 'not-ready');
        return;
      case 'restart':
        if (p === undefined || p.phase !== 'backoff' || this.#stop !== undefined) return;
        p.phase = 'waiting';
        this.#startEligible();
        if (p.phase === 'waiting') {
          this.#log('info', `${p.decl.name} waits for ${p.decl.dependsOn.join(', ')} to be ready`, {
            process: p.decl.name,
          });
        }
        return;
      case 'budget':
        return this.#killAll('budget');
      case 'hard-stop':
        this.#log('error', 'stop: children did not report their exit after SIGKILL; exiting', {
          pending: this.#procs.filter((q) => this.#isAlive(q)).map((q) => q.decl.name),
        });
        return this.#finish();
    }
  }

  // --- exits and restarts -----------------------------------------------------------------------

  #onExited(name: string, code: number | null, signal: string | null, error?: string): void {
    const p = this.#byName.get(name);
    if (p === undefined || !this.#isAlive(p)) return;
    const group = p.pid;
    const wasRunning = p.phase === 'running';
    const uptimeMs = p.readyAt === undefined ? undefined : this.#now() - p.readyAt;
    p.pid = undefined;
    p.readyAt = undefined;
    p.probeInFlight = false;
    this.#dropTimers(name, ['probe', 'deadline', 'restart']);
    const how = describeExit(code, signal, error);
    this.#log(this.#stop === undefined ? 'warn' : 'info', `${name} ${how}`, {
      process: name,
      pid: group,
      code,
      signal,
      ...(error === undefined ? {} : { error }),
      ...(uptimeMs === undefined ? {} : { uptimeMs }),
      ...(this.#stop === undefined ? {} : { stopMs: this.#now() - this.#stop.startedAt }),
    });
    // Grandchildren got the same signals at the same time as the leader, which has now finished.
    if (group !== undefined) this.#kill(p, 'SIGKILL', 'leftovers', group);

    if (this.#stop !== undefined) {
      p.phase = 'stopped';
      this.#advanceStop();
      return;
    }
    const failedStart =
      p.failing !== undefined || !wasRunning || uptimeMs! < this.#policy.stableAfterMs;
    const cause =
      p.failing ??
      (error !== undefined
        ? how
        : !wasRunning
          ? `${how} before ready`
          : `${how} ${uptimeMs} ms after ${p.decl.probed ? 'ready' : 'start'}`);
    if (code !== null && FATAL_EXIT_CODES.has(code)) {
      p.phase = 'stopped';
      this.#giveUp(p, `${name} ${how}: configuration error, restarting cannot help`, EXIT_CONFIG);
      return;
    }
    if (failedStart) {
      const now = this.#now();
      p.consecutiveFailures += 1;
      p.failureTimes = [
        ...p.failureTimes.filter((t) => t > now - this.#policy.failureWindowMs),
        now,
      ];
      if (p.failureTimes.length >= this.#policy.maxFailedStarts) {
        p.phase = 'stopped';
        const seconds = Math.round(this.#policy.failureWindowMs / 1000);
        this.#giveUp(
          p,
          `giving up: ${name} failed to start ${p.failureTimes.length} times within ${seconds} s (last: ${cause})`,
          EXIT_FAILURE,
        );
        return;
      }
    } else {
      p.consecutiveFailures = 0;
    }
    const delayMs = restartDelay(Math.max(1, p.consecutiveFailures), this.#policy, this.#random);
    p.phase = 'backoff';
    const why = failedStart
      ? `failed start ${p.failureTimes.length} of ${this.#policy.maxFailedStarts} allowed within ${Math.round(this.#policy.failureWindowMs / 1000)} s: ${cause}`
      : `it had been stable: ${cause}`;
    this.#log('info', `restarting ${name} in ${delayMs} ms (${why})`, {
      process: name,
      restartInMs: delayMs,
      failedStarts: p.failureTimes.length,
    });
    this.#schedule(delayMs, 'restart', name);
  }

  #giveUp(p: Proc, line: string, exitCode: number): void {
    this.#log('error', line, {
      process: p.decl.name,
      failedStarts: p.failureTimes.length,
      windowMs: this.#policy.failureWindowMs,
      exitCode,
    });
    this.#beginStop('gave-up', exitCode);
  }

  // --- stop -------------------------------------------------------------------------------------

  #isAlive(p: Proc): boolean {
    return (
      p.phase === 'spawning' ||
      p.phase === 'starting' ||
      p.phase === 'running' ||
      p.phase === 'stopping'
    );
  }

  #onSignal(signal: string): void {
    if (this.#stop === undefined) {
      this.#log('info', `received ${signal}: stopping (budget ${this.#policy.stopTimeoutMs} ms)`, {
        signal,
        order: [...this.#procs].reverse().map((p) => p.decl.name),
      });
      this.#beginStop('signal', EXIT_OK);
      return;
    }
    if (this.#stop.forced !== undefined) return;
    this.#log('warn', `received ${signal} again: killing everything now`, { signal });
    this.#killAll('forced');
  }

  #beginStop(reason: StopState['reason'], exitCode: number): void {
    this.#stop = { startedAt: this.#now(), reason, exitCode, forced: undefined };
    for (const p of this.#procs) {
      if (p.phase === 'waiting' || p.phase === 'backoff') p.phase = 'stopped';
    }
    for (const [id, t] of this.#timers) {
      if (t.purpose === 'restart' || t.purpose === 'probe') this.#timers.delete(id);
    }
    this.#schedule(this.#policy.stopTimeoutMs, 'budget');
    this.#advanceStop();
  }

  /** SIGTERM every live process whose dependents have all stopped; finish when none is left. */
  #advanceStop(): void {
    const stop = this.#stop!;
    let alive = 0;
    for (const p of [...this.#procs].reverse()) {
      if (!this.#isAlive(p)) continue;
      alive += 1;
      if (p.phase === 'stopping' || p.termPending || stop.forced !== undefined) continue;
      const dependents = this.#procs.filter((q) => q.decl.dependsOn.includes(p.decl.name));
      if (!dependents.every((q) => q.phase === 'stopped')) continue;
      if (p.pid === undefined) {
        p.termPending = true;
        continue;
      }
      p.phase = 'stopping';
      this.#log('info', `stopping ${p.decl.name}`, { process: p.decl.name, pid: p.pid });
      this.#kill(p, 'SIGTERM', 'stop');
    }
    if (alive === 0) this.#finish();
  }

  #killAll(reason: 'budget' | 'forced'): void {
    const stop = this.#stop;
    if (stop === undefined || stop.forced !== undefined) return;
    stop.forced = reason;
    const victims = this.#procs.filter((p) => this.#isAlive(p));
    if (reason === 'budget' && victims.length > 0) {
      this.#log(
        'warn',
        `stop budget of ${this.#policy.stopTimeoutMs} ms ran out: killing ${victims.map((p) => p.decl.name).join(', ')}`,
        {
          processes: victims.map((p) => p.decl.name),
        },
      );
    }
    for (const p of victims) this.#kill(p, 'SIGKILL', reason);
    this.#schedule(this.#policy.killGraceMs, 'hard-stop');
  }

  #finish(): void {
    const stop = this.#stop!;
    const code = stop.exitCode !== EXIT_OK ? stop.exitCode : stop.forced ? EXIT_FAILURE : EXIT_OK;
    const stopMs = this.#now() - stop.startedAt;
    this.#log(code === EXIT_OK ? 'info' : 'warn', `stopped in ${stopMs} ms, exit code ${code}`, {
      stopMs,
      exitCode: code,
      clean: stop.forced === undefined,
    });
    this.#exited = true;
    this.#out.push({ type: 'exit', code });
  }
}
