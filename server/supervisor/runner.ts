/**
 * The thin I/O shell around the state machine: it executes the machine's commands with real child
 * processes (each the leader of its own process group, so a signal reaches its whole tree), real
 * timers and HTTP readiness probes, and feeds what happens back as events, one at a time.
 */
import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { LogForwarder } from './log-forwarder.ts';
import { Supervisor } from './machine.ts';
import { DEFAULT_POLICY, type Policy } from './policy.ts';
import { httpProbe, type Probe } from './probe.ts';
import { orderProcesses, type ProcessSpec } from './processes.ts';
import type { Command, SupervisorEvent } from './protocol.ts';

export type SpawnFn = (spec: ProcessSpec, env: NodeJS.ProcessEnv) => ChildProcess;
export type KillFn = (group: number, signal: NodeJS.Signals) => void;

export interface RunnerOptions {
  readonly processes: readonly ProcessSpec[];
  /** @default DEFAULT_POLICY */
  readonly policy?: Policy;
  /** The supervisor's own events go here. */
  readonly logger: Logger;
  /** Receives each forwarded child entry (one JSON line, no newline). @default stdout */
  readonly output?: (entry: string) => void;
  /** Environment the children inherit, under each spec's `env`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default spawn detached with piped stdout/stderr */
  readonly spawn?: SpawnFn;
  /** @default process.kill(-group, signal) */
  readonly kill?: KillFn;
  /** @default httpProbe */
  readonly probe?: Probe;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default Math.random */
  readonly random?: () => number;
  /** For wrapped entries. @default { service: 'elevendops' } */
  readonly serviceContext?: { readonly service: string; readonly version?: string };
  /** @default MAX_ENTRY_BYTES */
  readonly maxEntryBytes?: number;
}

/**
 * `detached: true` makes the child a process-group (and session) leader, so `kill(-pid)` reaches
 * its grandchildren too. Never through a shell: the shell would get the signal, not the server.
 */
export const defaultSpawn: SpawnFn = (spec, env) =>
  spawnChild(spec.command, [...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: { ...env, ...spec.env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

export const defaultKill: KillFn = (group, signal) => process.kill(-group, signal);

interface Running {
  readonly child: ChildProcess;
}

export class Runner {
  readonly #options: RunnerOptions;
  readonly #specs = new Map<string, ProcessSpec>();
  readonly #machine: Supervisor;
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #running = new Map<string, Running>();
  /** Open child output streams, until they end (they may outlive their process briefly). */
  readonly #streams = new Map<NodeJS.ReadableStream & { destroy(): void }, LogForwarder>();
  readonly #queue: SupervisorEvent[] = [];
  readonly #policy: Policy;
  #draining = false;
  #exitCode: number | undefined;
  #resolve: ((code: number) => void) | undefined;
  readonly #done: Promise<number>;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#policy = options.policy ?? DEFAULT_POLICY;
    const ordered = orderProcesses(options.processes);
    for (const spec of options.processes) this.#specs.set(spec.name, spec);
    this.#machine = new Supervisor({
      processes: ordered,
      policy: this.#policy,
      ...(options.now ? { now: options.now } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.#done = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Starts the processes; resolves with the supervisor's exit code once everything stopped. */
  run(): Promise<number> {
    this.#dispatch({ type: 'start' });
    return this.#done;
  }

  /** Delivers SIGTERM or SIGINT (the first stops gracefully, a second kills at once). */
  signal(signal: NodeJS.Signals): void {
    this.#dispatch({ type: 'signal', signal });
  }

  /** Pids of the live children by name (tests and diagnostics). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, r] of this.#running) if (r.child.pid !== undefined) out[name] = r.child.pid;
    return out;
  }

  #dispatch(event: SupervisorEvent): void {
    if (this.#exitCode !== undefined) return;
    this.#queue.push(event);
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#queue.length > 0) {
        for (const command of this.#machine.handle(this.#queue.shift()!)) this.#execute(command);
      }
    } finally {
      this.#draining = false;
    }
  }

  #execute(command: Command): void {
    switch (command.type) {
      case 'spawn':
        return this.#spawn(this.#specs.get(command.name)!);
      case 'kill':
        return this.#kill(command.name, command.group, command.signal, command.reason);
      case 'probe': {
        const url = this.#specs.get(command.name)!.readiness!.url;
        const probe = this.#options.probe ?? httpProbe;
        void probe(url, this.#policy.probeTimeoutMs).then((result) =>
          this.#dispatch(
            result.ok
              ? { type: 'ready', name: command.name, probe: command.probe }
              : {
                  type: 'not-ready',
                  name: command.name,
                  probe: command.probe,
                  reason: result.reason,
                },
          ),
        );
        return;
      }
      case 'schedule': {
        const timer = setTimeout(() => {
          this.#timers.delete(command.id);
          this.#dispatch({ type: 'timer', id: command.id });
        }, command.delayMs);
        this.#timers.set(command.id, timer);
        return;
      }
      case 'log':
        this.#options.logger[command.level](command.fields, command.message);
        return;
      case 'exit':
        return this.#finish(command.code);
    }
  }

  #spawn(spec: ProcessSpec): void {
    const spawn = this.#options.spawn ?? defaultSpawn;
    let child: ChildProcess;
    try {
      child = spawn(spec, this.#options.env ?? process.env);
    } catch (error) {
      this.#queue.push({
        type: 'exited',
        name: spec.name,
        code: null,
        signal: null,
        error: (error as Error).message,
      });
      return;
    }
    const write =
      this.#options.output ?? ((entry: string) => void process.stdout.write(`${entry}\n`));
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source === null) continue;
      const forwarder = new LogForwarder({
        component: spec.name,
        stream,
        write,
        ...(this.#options.serviceContext ? { serviceContext: this.#options.serviceContext } : {}),
        ...(this.#options.maxEntryBytes ? { maxEntryBytes: this.#options.maxEntryBytes } : {}),
      });
      this.#streams.set(source, forwarder);
      const close = () => {
        if (this.#streams.delete(source)) forwarder.end();
      };
      source.on('data', (chunk: Buffer) => forwarder.push(chunk));
      source.once('end', close);
      source.once('error', close);
    }
    const running = { child };
    let reported = false;
    const report = (event: SupervisorEvent) => {
      if (reported) return;
      reported = true;
      if (this.#running.get(spec.name) === running) this.#running.delete(spec.name);
      this.#dispatch(event);
    };
    child.once('exit', (code, signal) => report({ type: 'exited', name: spec.name, code, signal }));
    child.once('error', (error: NodeJS.ErrnoException) => {
      // 'error' without a pid = it never ran; with a pid, 'exit' still follows and reports.
      if (child.pid === undefined) {
        report({
          type: 'exited',
          name: spec.name,
          code: null,
          signal: null,
          error: error.code ?? error.message,
        });
      }
    });
    if (child.pid !== undefined) {
      this.#running.set(spec.name, running);
      this.#queue.push({ type: 'spawned', name: spec.name, pid: child.pid });
    }
  }

  #kill(name: string, group: number, signal: NodeJS.Signals, reason: string): void {
    const kill = this.#options.kill ?? defaultKill;
    try {
      kill(group, signal);
    } catch (error) {
      // ESRCH: the group is already gone, which for leftovers is the common, good case.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        this.#options.logger.warn(
          { process: name, group, signal, err: error },
          `could not signal ${name}`,
        );
      }
      return;
    }
    if (reason === 'leftovers') {
      this.#options.logger.warn(
        { process: name, group },
        `${name} left processes behind in its group: killed them`,
      );
    }
  }

  #finish(code: number): void {
    this.#exitCode = code;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    // Output still in the pipes gets the kill grace to arrive; the stop budget must hold.
    const deadline = setTimeout(() => this.#closeStreams(code), this.#policy.killGraceMs);
    const check = () => {
      if (this.#streams.size > 0) return;
      clearTimeout(deadline);
      this.#closeStreams(code);
    };
    for (const source of this.#streams.keys()) source.once('close', check);
    check();
  }

  #closeStreams(code: number): void {
    for (const [source, forwarder] of this.#streams) {
      forwarder.end();
      source.destroy();
    }
    this.#streams.clear();
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve?.(code);
  }
}
