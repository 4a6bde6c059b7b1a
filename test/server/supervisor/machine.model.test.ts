/**
 * Model-based property test of the supervisor's pure core: random process lists, policies and
 * sequences of world actions (time passes, probes answer, children crash, signals arrive, spawns
 * fail, children obey or ignore SIGTERM), all in virtual time. A small world model plays the
 * runner's part and checks every command the machine emits against the invariants of issue 4.
 */
import { fc, testProp } from '@fast-check/ava';
import { restartDelayBounds } from '../../../server/supervisor/backoff.ts';
import { Supervisor } from '../../../server/supervisor/machine.ts';
import { DEFAULT_POLICY, type Policy } from '../../../server/supervisor/policy.ts';
import type { ProcessDecl } from '../../../server/supervisor/processes.ts';
import type { Command, SupervisorEvent } from '../../../server/supervisor/protocol.ts';

type Action =
  | { kind: 'advance'; ms: number }
  | { kind: 'probe'; index: number; ok: boolean }
  | { kind: 'crash'; index: number; code: number | null }
  | { kind: 'signal'; signal: 'SIGTERM' | 'SIGINT' }
  | { kind: 'failSpawn'; index: number }
  | { kind: 'behaviour'; index: number; obedient: boolean; drainMs: number };

const NAMES = ['backend', 'frontend', 'worker'];

const declsArb: fc.Arbitrary<ProcessDecl[]> = fc
  .array(fc.record({ probed: fc.boolean(), deps: fc.array(fc.nat(2), { maxLength: 2 }) }), {
    minLength: 1,
    maxLength: 3,
  })
  .map((items) =>
    items.map((item, i) => ({
      name: NAMES[i]!,
      probed: item.probed,
      // Only earlier processes can be dependencies (start order = declaration order).
      dependsOn: [...new Set(item.deps.filter((d) => d < i).map((d) => NAMES[d]!))],
    })),
  );

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    readyTimeoutMs: fc.integer({ min: 100, max: 30_000 }),
    restartInitialMs: fc.integer({ min: 0, max: 500 }),
    restartMaxMs: fc.integer({ min: 500, max: 10_000 }),
    restartJitter: fc.double({ min: 0, max: 0.9, noNaN: true }),
    stableAfterMs: fc.integer({ min: 0, max: 20_000 }),
    maxFailedStarts: fc.integer({ min: 1, max: 6 }),
    failureWindowMs: fc.integer({ min: 1, max: 60_000 }),
    stopTimeoutMs: fc.integer({ min: 0, max: 9_000 }),
    killGraceMs: fc.integer({ min: 0, max: 1_000 }),
  })
  .map((p) => ({ ...DEFAULT_POLICY, ...p }));

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 15_000 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('probe' as const),
      index: fc.nat(2),
      ok: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('crash' as const),
      index: fc.nat(2),
      code: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(0, 1, null) },
        { weight: 1, arbitrary: fc.constant(78) },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('signal' as const),
      signal: fc.constantFrom('SIGTERM' as const, 'SIGINT' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('failSpawn' as const), index: fc.nat(2) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('behaviour' as const),
      index: fc.nat(2),
      obedient: fc.boolean(),
      drainMs: fc.integer({ min: 0, max: 12_000 }),
    }),
  },
);

interface Child {
  alive: boolean;
  pid: number | undefined;
  ready: boolean;
  probe: number | undefined;
  spawnedAt: number;
  failNextSpawn: boolean;
  obedient: boolean;
  drainMs: number;
  /** Times of exits before ready (certain failed starts) and all exits. */
  exitsBeforeReady: number[];
  exits: number[];
  pids: Set<number>;
}

class World {
  now = 0;
  nextPid = 100;
  readonly timers: { id: number; due: number }[] = [];
  readonly childExits: { name: string; pid: number; due: number }[] = [];
  readonly queue: SupervisorEvent[] = [];
  readonly children = new Map<string, Child>();
  readonly sup: Supervisor;
  signals = 0;
  stopStartedAt: number | undefined;
  gaveUp: { name: string; code: number } | undefined;
  killedHard = false;
  exit: { code: number; at: number } | undefined;
  readonly violations: string[] = [];

  constructor(
    readonly decls: ProcessDecl[],
    readonly policy: Policy,
    seed: number,
  ) {
    let state = seed >>> 0 || 1;
    const random = () => {
      state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
      return state / 2 ** 32;
    };
    this.sup = new Supervisor({ processes: decls, policy, now: () => this.now, random });
    for (const d of decls) {
      this.children.set(d.name, {
        alive: false,
        pid: undefined,
        ready: false,
        probe: undefined,
        spawnedAt: 0,
        failNextSpawn: false,
        obedient: true,
        drainMs: 0,
        exitsBeforeReady: [],
        exits: [],
        pids: new Set(),
      });
    }
  }

  fail(message: string): void {
    this.violations.push(`t=${this.now}: ${message}`);
  }

  deliver(event: SupervisorEvent): void {
    this.queue.push(event);
    while (this.queue.length > 0) {
      const next = this.queue.shift()!;
      const wasStopping = this.sup.stopping;
      if (next.type === 'signal') {
        this.signals += 1;
        this.stopStartedAt ??= this.now;
      }
      if (next.type === 'exited') this.recordExit(next.name);
      const commands = this.sup.handle(next);
      if (this.sup.stopping && this.stopStartedAt === undefined) this.stopStartedAt = this.now;
      this.check(commands, wasStopping);
    }
  }

  recordExit(name: string): void {
    const c = this.children.get(name)!;
    if (c.alive || c.pid === undefined) {
      c.exits.push(this.now);
      if (!c.ready) c.exitsBeforeReady.push(this.now);
    }
    c.alive = false;
    c.ready = false;
    c.probe = undefined;
  }

  check(commands: Command[], wasStopping: boolean): void {
    for (const cmd of commands) {
      switch (cmd.type) {
        case 'spawn': {
          if (wasStopping || this.sup.stopping) this.fail(`spawned ${cmd.name} after stop began`);
          const decl = this.decls.find((d) => d.name === cmd.name)!;
          for (const dep of decl.dependsOn) {
            const d = this.children.get(dep)!;
            if (!d.alive || !d.ready) this.fail(`spawned ${cmd.name} before ${dep} was ready`);
          }
          const c = this.children.get(cmd.name)!;
          if (c.alive) this.fail(`spawned ${cmd.name} twice`);
          c.spawnedAt = this.now;
          c.ready = false;
          c.probe = undefined;
          if (c.failNextSpawn) {
            c.failNextSpawn = false;
            c.pid = undefined;
            this.queue.push({
              type: 'exited',
              name: cmd.name,
              code: null,
              signal: null,
              error: 'ENOENT',
            });
          } else {
            c.alive = true;
            c.pid = this.nextPid++;
            c.pids.add(c.pid);
            this.queue.push({ type: 'spawned', name: cmd.name, pid: c.pid });
            if (!decl.probed) c.ready = true;
          }
          break;
        }
        case 'probe':
          this.children.get(cmd.name)!.probe = cmd.probe;
          break;
        case 'schedule': {
          if (cmd.delayMs < 0) this.fail(`negative delay ${cmd.delayMs}`);
          if (cmd.purpose === 'restart') {
            if (this.sup.stopping) this.fail(`restart of ${cmd.name} scheduled while stopping`);
            const c = this.children.get(cmd.name!)!;
            const lowest = restartDelayBounds(1, this.policy).min;
            if (cmd.delayMs < lowest || cmd.delayMs > this.policy.restartMaxMs) {
              this.fail(
                `restart delay ${cmd.delayMs} outside [${lowest}, ${this.policy.restartMaxMs}] (${c.exits.length} exits)`,
              );
            }
          }
          if (
            cmd.purpose === 'probe' &&
            (cmd.delayMs > this.policy.probeMaxMs || cmd.delayMs < 1)
          ) {
            this.fail(`probe delay ${cmd.delayMs} outside bounds`);
          }
          this.timers.push({ id: cmd.id, due: this.now + cmd.delayMs });
          break;
        }
        case 'kill':
          this.checkKill(cmd);
          break;
        case 'log':
          if (cmd.level === 'error' && typeof cmd.fields['exitCode'] === 'number') {
            this.gaveUp = { name: String(cmd.fields['process']), code: cmd.fields['exitCode'] };
          }
          break;
        case 'exit':
          this.checkExit(cmd.code);
          break;
      }
    }
  }

  checkKill(cmd: Extract<Command, { type: 'kill' }>): void {
    const c = this.children.get(cmd.name)!;
    if (!c.pids.has(cmd.group)) this.fail(`kill of unknown group ${cmd.group} for ${cmd.name}`);
    const leaderAlive = c.alive && c.pid === cmd.group;
    if (!leaderAlive) {
      if (cmd.reason !== 'leftovers')
        this.fail(`${cmd.signal} (${cmd.reason}) to dead ${cmd.name}`);
      return;
    }
    if (cmd.reason === 'leftovers') this.fail(`leftovers kill while ${cmd.name}'s leader lives`);
    if (cmd.signal === 'SIGTERM') {
      if (cmd.reason !== 'stop' || this.stopStartedAt === undefined)
        this.fail(`SIGTERM to ${cmd.name} outside a stop`);
      for (const d of this.decls.filter((x) => x.dependsOn.includes(cmd.name))) {
        if (this.children.get(d.name)!.alive)
          this.fail(`SIGTERM to ${cmd.name} while its dependent ${d.name} runs`);
      }
      if (c.obedient)
        this.childExits.push({ name: cmd.name, pid: cmd.group, due: this.now + c.drainMs });
      return;
    }
    // SIGKILL to a live leader: only for these reasons, and only when they hold.
    if (cmd.reason === 'budget') {
      this.killedHard = true;
      if (
        this.stopStartedAt === undefined ||
        this.now < this.stopStartedAt + this.policy.stopTimeoutMs
      ) {
        this.fail(`budget SIGKILL to ${cmd.name} before the budget ran out`);
      }
    } else if (cmd.reason === 'forced') {
      this.killedHard = true;
      if (this.signals < 2 && !(this.signals >= 1 && this.gaveUp))
        this.fail(`forced SIGKILL to ${cmd.name} without a second signal`);
    } else if (cmd.reason === 'not-ready') {
      if (this.now < c.spawnedAt + this.policy.readyTimeoutMs)
        this.fail(`not-ready SIGKILL to ${cmd.name} before its deadline`);
      if (this.stopStartedAt !== undefined)
        this.fail(`not-ready SIGKILL to ${cmd.name} while stopping`);
    } else {
      this.fail(`SIGKILL to ${cmd.name} for reason ${cmd.reason}`);
    }
    this.queue.push({ type: 'exited', name: cmd.name, code: null, signal: 'SIGKILL' });
  }

  checkExit(code: number): void {
    if (this.exit) this.fail('exit emitted twice');
    this.exit = { code, at: this.now };
    if (this.stopStartedAt === undefined) return this.fail('exit without a stop');
    const limit = this.stopStartedAt + this.policy.stopTimeoutMs + this.policy.killGraceMs;
    if (this.now > limit) this.fail(`exit at ${this.now}, after the stop limit ${limit}`);
    const shouldFail = this.gaveUp !== undefined || this.killedHard;
    if ((code !== 0) !== shouldFail) {
      this.fail(
        `exit code ${code} but gaveUp=${JSON.stringify(this.gaveUp)} killedHard=${this.killedHard}`,
      );
    }
    if (this.gaveUp && code !== this.gaveUp.code)
      this.fail(`gave up with ${this.gaveUp.code} but exit ${code}`);
    if (this.gaveUp) {
      const c = this.children.get(this.gaveUp.name)!;
      const recent = c.exits.filter((t) => t > this.stopStartedAt! - this.policy.failureWindowMs);
      if (this.gaveUp.code === 1 && recent.length < this.policy.maxFailedStarts) {
        this.fail(`gave up on ${this.gaveUp.name} after only ${recent.length} exits in the window`);
      }
    }
  }

  /** Gave up when it had to: N exits before ready inside the window, before any stop. */
  checkGiveUpWasDue(): void {
    for (const [name, c] of this.children) {
      const before = c.exitsBeforeReady.filter(
        (t) => this.stopStartedAt === undefined || t <= this.stopStartedAt,
      );
      for (let i = 0; i + this.policy.maxFailedStarts - 1 < before.length; i++) {
        const first = before[i]!;
        const last = before[i + this.policy.maxFailedStarts - 1]!;
        if (last - first < this.policy.failureWindowMs && this.stopStartedAt === undefined) {
          this.fail(
            `${name} failed to start ${this.policy.maxFailedStarts} times within the window and it did not give up`,
          );
        }
      }
    }
  }

  /** Fires timers and child exits due up to `until`, in time order. */
  advance(until: number): void {
    for (;;) {
      const timer = [...this.timers].sort((a, b) => a.due - b.due)[0];
      const death = [...this.childExits].sort((a, b) => a.due - b.due)[0];
      const next = Math.min(timer?.due ?? Infinity, death?.due ?? Infinity);
      if (next > until || this.exit) break;
      this.now = Math.max(this.now, next);
      if (death && death.due === next) {
        this.childExits.splice(this.childExits.indexOf(death), 1);
        const c = this.children.get(death.name)!;
        if (c.alive && c.pid === death.pid)
          this.deliver({ type: 'exited', name: death.name, code: 0, signal: null });
      } else if (timer) {
        this.timers.splice(this.timers.indexOf(timer), 1);
        this.deliver({ type: 'timer', id: timer.id });
      }
    }
    this.now = Math.max(this.now, until);
  }

  act(action: Action): void {
    if (this.exit) return;
    const name =
      this.decls[
        action.kind === 'advance' || action.kind === 'signal' ? 0 : action.index % this.decls.length
      ]!.name;
    const c = this.children.get(name)!;
    switch (action.kind) {
      case 'advance':
        return this.advance(this.now + action.ms);
      case 'probe':
        if (c.alive && c.probe !== undefined) {
          const probe = c.probe;
          c.probe = undefined;
          if (action.ok) c.ready = true;
          this.deliver(
            action.ok
              ? { type: 'ready', name, probe }
              : { type: 'not-ready', name, probe, reason: 'ECONNREFUSED' },
          );
        }
        return;
      case 'crash':
        if (c.alive)
          this.deliver({
            type: 'exited',
            name,
            code: action.code,
            signal: action.code === null ? 'SIGSEGV' : null,
          });
        return;
      case 'signal':
        return this.deliver({ type: 'signal', signal: action.signal });
      case 'failSpawn':
        c.failNextSpawn = true;
        return;
      case 'behaviour':
        c.obedient = action.obedient;
        c.drainMs = action.drainMs;
        return;
    }
  }
}

testProp(
  'the supervisor core keeps its invariants under any sequence of events',
  [declsArb, policyArb, fc.array(actionArb, { maxLength: 60 }), fc.integer(), fc.boolean()],
  (t, decls, policy, actions, seed, endWithSignal) => {
    const world = new World(decls, policy, seed);
    world.deliver({ type: 'start' });
    for (const action of actions) world.act(action);
    world.checkGiveUpWasDue();
    // Whatever state it is in, a stop signal ends it within the budget (+ kill grace).
    if (!world.exit && (endWithSignal || world.stopStartedAt === undefined)) {
      world.deliver({ type: 'signal', signal: 'SIGTERM' });
    }
    world.advance(world.now + policy.stopTimeoutMs + policy.killGraceMs + 1);
    if (!world.exit) world.fail('no exit after stop budget + kill grace');
    t.deepEqual(world.violations, []);
  },
  { numRuns: 300 },
);

testProp(
  'children that obey SIGTERM promptly always give a clean exit 0 unless it gave up',
  [
    declsArb,
    fc.array(
      actionArb.filter((a) => a.kind !== 'behaviour' && a.kind !== 'signal'),
      { maxLength: 40 },
    ),
  ],
  (t, decls, actions) => {
    const world = new World(decls, DEFAULT_POLICY, 7);
    world.deliver({ type: 'start' });
    for (const action of actions) world.act(action);
    if (!world.exit) world.deliver({ type: 'signal', signal: 'SIGTERM' });
    world.advance(world.now + DEFAULT_POLICY.stopTimeoutMs);
    t.deepEqual(world.violations, []);
    t.truthy(world.exit);
    t.is(world.exit!.code === 0, world.gaveUp === undefined);
    t.true(
      world.exit!.at - world.stopStartedAt! <= 0,
      'obedient children stop at once in virtual time',
    );
  },
  { numRuns: 200 },
);
