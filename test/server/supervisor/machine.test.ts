/**
 * Scenarios of the supervisor core in virtual time, written out step by step (the model-based
 * test in machine.model.test.ts covers the random sequences).
 */
import test from 'ava';
import { Supervisor } from '../../../server/supervisor/machine.ts';
import { DEFAULT_POLICY, type Policy } from '../../../server/supervisor/policy.ts';
import type { Command, SupervisorEvent } from '../../../server/supervisor/protocol.ts';

const SERVICE = [
  { name: 'backend', dependsOn: [], probed: true },
  { name: 'frontend', dependsOn: ['backend'], probed: true },
];

/** A tiny harness: virtual clock, pending timers, and the commands the core emitted. */
function harness(policy: Partial<Policy> = {}, random = () => 0) {
  let now = 0;
  const timers = new Map<number, number>();
  const sup = new Supervisor({
    processes: SERVICE,
    policy: { ...DEFAULT_POLICY, ...policy },
    now: () => now,
    random,
  });
  const send = (event: SupervisorEvent): Command[] => {
    const out = sup.handle(event);
    for (const c of out) if (c.type === 'schedule') timers.set(c.id, now + c.delayMs);
    return out;
  };
  /** Advances the clock to `to`, firing due timers; returns every command emitted meanwhile. */
  const advance = (to: number): Command[] => {
    const out: Command[] = [];
    for (;;) {
      const next = [...timers].sort((a, b) => a[1] - b[1])[0];
      if (next === undefined || next[1] > to) break;
      timers.delete(next[0]);
      now = next[1];
      out.push(...send({ type: 'timer', id: next[0] }));
    }
    now = to;
    return out;
  };
  return { sup, send, advance, now: () => now };
}

const kinds = (cs: Command[]) => cs.filter((c) => c.type !== 'log' && c.type !== 'schedule');
const probeOf = (cs: Command[], name: string) =>
  cs.find((c): c is Extract<Command, { type: 'probe' }> => c.type === 'probe' && c.name === name);

test('start: backend first, frontend only after the backend probe succeeds', (t) => {
  const h = harness();
  t.deepEqual(kinds(h.send({ type: 'start' })), [{ type: 'spawn', name: 'backend' }]);
  t.deepEqual(kinds(h.send({ type: 'spawned', name: 'backend', pid: 10 })), []);
  const first = probeOf(h.advance(10), 'backend')!;
  t.truthy(first, 'first probe after 10 ms');
  t.deepEqual(
    kinds(
      h.send({ type: 'not-ready', name: 'backend', probe: first.probe, reason: 'ECONNREFUSED' }),
    ),
    [],
  );
  const second = probeOf(h.advance(25), 'backend')!;
  t.truthy(second, 'second probe 15 ms later (backing off)');
  t.deepEqual(kinds(h.send({ type: 'ready', name: 'backend', probe: second.probe })), [
    { type: 'spawn', name: 'frontend' },
  ]);
});

test('restart delays double from 100 ms up to the cap, and the 5th failed start gives up', (t) => {
  const h = harness();
  h.send({ type: 'start' });
  const delays: number[] = [];
  let pid = 10;
  for (let i = 0; i < 5; i++) {
    h.send({ type: 'spawned', name: 'backend', pid: ++pid });
    const out = h.send({ type: 'exited', name: 'backend', code: 1, signal: null });
    const restart = out.find((c) => c.type === 'schedule' && c.purpose === 'restart');
    if (restart?.type === 'schedule') {
      delays.push(restart.delayMs);
      h.advance(h.now() + restart.delayMs);
    } else {
      const line = out.find((c) => c.type === 'log' && c.level === 'error');
      t.is(
        line?.type === 'log' ? line.message : '',
        'giving up: backend failed to start 5 times within 60 s (last: exited with code 1 before ready)',
      );
      t.deepEqual(out.at(-1), { type: 'exit', code: 1 });
    }
  }
  t.deepEqual(delays, [100, 200, 400, 800]);
});

test('a crash after being stable for a while restarts quickly and is not a failed start', (t) => {
  const h = harness();
  h.send({ type: 'start' });
  h.send({ type: 'spawned', name: 'backend', pid: 10 });
  const probe = probeOf(h.advance(10), 'backend')!;
  h.send({ type: 'ready', name: 'backend', probe: probe.probe });
  h.advance(60_000);
  const out = h.send({ type: 'exited', name: 'backend', code: 1, signal: null });
  const restart = out.find((c) => c.type === 'schedule' && c.purpose === 'restart');
  t.is(restart?.type === 'schedule' ? restart.delayMs : -1, 100);
  t.is(h.sup.snapshot()[0]!.consecutiveFailures, 0);
});

test('stop: frontend first, backend after it exited, SIGKILL exactly at the budget', (t) => {
  const h = harness();
  h.send({ type: 'start' });
  h.send({ type: 'spawned', name: 'backend', pid: 10 });
  h.send({ type: 'ready', name: 'backend', probe: probeOf(h.advance(10), 'backend')!.probe });
  h.send({ type: 'spawned', name: 'frontend', pid: 20 });
  h.send({ type: 'ready', name: 'frontend', probe: probeOf(h.advance(20), 'frontend')!.probe });
  h.advance(1_000);
  t.deepEqual(kinds(h.send({ type: 'signal', signal: 'SIGTERM' })), [
    { type: 'kill', name: 'frontend', group: 20, signal: 'SIGTERM', reason: 'stop' },
  ]);
  h.advance(3_000);
  t.deepEqual(kinds(h.send({ type: 'exited', name: 'frontend', code: 0, signal: null })), [
    { type: 'kill', name: 'frontend', group: 20, signal: 'SIGKILL', reason: 'leftovers' },
    { type: 'kill', name: 'backend', group: 10, signal: 'SIGTERM', reason: 'stop' },
  ]);
  t.deepEqual(kinds(h.advance(9_999)), []);
  t.deepEqual(kinds(h.advance(10_000)), [
    { type: 'kill', name: 'backend', group: 10, signal: 'SIGKILL', reason: 'budget' },
  ]);
  const end = h.send({ type: 'exited', name: 'backend', code: null, signal: 'SIGKILL' });
  t.deepEqual(end.at(-1), { type: 'exit', code: 1 });
});

test('a signal while a restart is pending cancels it and exits 0 at once', (t) => {
  const h = harness();
  h.send({ type: 'start' });
  h.send({ type: 'spawned', name: 'backend', pid: 10 });
  h.send({ type: 'exited', name: 'backend', code: 1, signal: null });
  const out = h.send({ type: 'signal', signal: 'SIGINT' });
  t.deepEqual(out.at(-1), { type: 'exit', code: 0 });
  t.deepEqual(kinds(h.advance(60_000)), []);
});
