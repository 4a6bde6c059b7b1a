import test from 'ava';
import { readFileSync } from 'node:fs';
import { fc, testProp } from '@fast-check/ava';
import {
  restartDelay,
  restartDelayBounds,
  nextProbeDelay,
} from '../../../server/supervisor/backoff.ts';
import {
  DEFAULT_POLICY,
  SUPERVISOR_VARIABLES,
  assertPolicy,
  policyFromEnv,
} from '../../../server/supervisor/policy.ts';

const names = Object.keys(SUPERVISOR_VARIABLES) as (keyof typeof SUPERVISOR_VARIABLES)[];

test("the defaults are the issue's policy and fit inside Cloud Run's 10 s", (t) => {
  t.like(DEFAULT_POLICY, {
    readyTimeoutMs: 30_000,
    restartInitialMs: 100,
    restartMaxMs: 10_000,
    maxFailedStarts: 5,
    failureWindowMs: 60_000,
    stopTimeoutMs: 9_000,
  });
  // SIGKILL at the budget, then at most the kill grace for deaths and again for the last log lines.
  t.true(DEFAULT_POLICY.stopTimeoutMs + 2 * DEFAULT_POLICY.killGraceMs < 10_000);
  t.deepEqual(policyFromEnv({}), { ok: true, policy: DEFAULT_POLICY });
  t.notThrows(() => assertPolicy(DEFAULT_POLICY));
});

testProp(
  'any in-range value of any knob is read back exactly',
  [fc.constantFrom(...names).filter((n) => n !== 'SUPERVISOR_RESTART_JITTER'), fc.nat()],
  (t, name, n) => {
    const knob = SUPERVISOR_VARIABLES[name];
    const value = knob.min + (n % (knob.max - knob.min + 1));
    const result = policyFromEnv({ [name]: String(value) });
    if (result.ok) t.is(result.policy[knob.key], value);
    else
      t.true(
        result.problems.every((p) => p.message.includes('must not exceed')),
        JSON.stringify(result),
      );
  },
);

testProp(
  'a bad value is reported naming the variable, never thrown',
  [
    fc.constantFrom(...names),
    fc.oneof(
      fc.constantFrom('abc', '-1', '1e3', '0x10', '9999999999', '1.5.2'),
      fc.string({ maxLength: 8 }),
    ),
  ],
  (t, name, raw) => {
    const result = policyFromEnv({ [name]: raw });
    if (!result.ok)
      t.true(result.problems.some((p) => p.variable === name || p.message.includes(name)));
    else t.pass();
  },
);

test('initial delays above their caps are refused with both names', (t) => {
  const result = policyFromEnv({
    SUPERVISOR_RESTART_INITIAL_MS: '5000',
    SUPERVISOR_RESTART_MAX_MS: '1000',
  });
  t.false(result.ok);
  if (!result.ok)
    t.regex(
      result.problems[0]!.message,
      /SUPERVISOR_RESTART_INITIAL_MS \(5000\) must not exceed SUPERVISOR_RESTART_MAX_MS \(1000\)/,
    );
});

const backoffPolicy = fc.record({
  restartInitialMs: fc.integer({ min: 0, max: 1000 }),
  restartMaxMs: fc.integer({ min: 1000, max: 60_000 }),
  restartJitter: fc.double({ min: 0, max: 0.9, noNaN: true }),
});

testProp(
  'restart delays stay within their bounds, under the cap, and their ceiling never decreases',
  [
    backoffPolicy,
    fc.integer({ min: 1, max: 100 }),
    fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  ],
  (t, policy, failures, r) => {
    const delay = restartDelay(failures, policy, () => r);
    const { min, max } = restartDelayBounds(failures, policy);
    t.true(delay >= min && delay <= max && max <= policy.restartMaxMs);
    t.true(restartDelayBounds(failures + 1, policy).max >= max);
  },
);

testProp(
  'probe delays grow to the cap and never beyond',
  [fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 5000 }), fc.nat(50)],
  (t, initial, cap, steps) => {
    let delay = nextProbeDelay(undefined, { probeInitialMs: initial, probeMaxMs: cap });
    t.is(delay, initial);
    for (let i = 0; i < steps; i++) {
      const next = nextProbeDelay(delay, { probeInitialMs: initial, probeMaxMs: cap });
      t.true(next >= delay && next <= cap);
      delay = next;
    }
  },
);

test('docs/supervisor.md lists every knob with its default', (t) => {
  const doc = readFileSync(new URL('../../../docs/supervisor.md', import.meta.url), 'utf8');
  for (const [name, knob] of Object.entries(SUPERVISOR_VARIABLES)) {
    t.true(
      doc.includes(`| \`${name}\` | ${knob.default} |`),
      `${name} = ${knob.default} in the docs`,
    );
  }
});
