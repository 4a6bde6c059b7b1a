/** The benchmark harness's pure parts: statistics, /proc parsers, arguments, the JSON report. */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { parseArgs, GROUPS } from '../../bench/args.ts';
import { parsePssKb, parseStat, parseVmRssKb } from '../../bench/lib/proc.ts';
import { median, percentile, spread } from '../../bench/lib/stats.ts';
import { emptySeries, FIGURE_KEYS, record, toJson } from '../../bench/report.ts';

const values = fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), {
  minLength: 1,
  maxLength: 50,
});

testProp('median lies between min and max and splits the values in half', [values], (t, xs) => {
  const m = median(xs);
  t.true(m >= Math.min(...xs) && m <= Math.max(...xs));
  t.true(xs.filter((x) => x < m).length <= xs.length / 2);
  t.true(xs.filter((x) => x > m).length <= xs.length / 2);
});

testProp(
  'percentile is a member, monotone in p',
  [values, fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })],
  (t, xs, p, q) => {
    const [lo, hi] = p <= q ? [p, q] : [q, p];
    t.true(xs.includes(percentile(xs, lo)));
    t.true(percentile(xs, lo) <= percentile(xs, hi));
  },
);

testProp(
  'spread ignores missing runs and orders min ≤ median ≤ max',
  [fc.array(fc.option(fc.double({ noNaN: true, min: 0, max: 1e4 }), { nil: undefined }))],
  (t, xs) => {
    const s = spread(xs);
    const finite = xs.filter((x) => x !== undefined);
    if (finite.length === 0) return t.is(s, undefined);
    t.truthy(s);
    t.is(s!.runs.length, finite.length);
    t.true(s!.min <= s!.median && s!.median <= s!.max);
  },
);

testProp(
  '/proc/<pid>/stat: any comm (spaces, parentheses) still yields ppid and start time',
  [fc.string({ maxLength: 15 }), fc.nat(), fc.nat(), fc.constantFrom('R', 'S', 'Z')],
  (t, comm, ppid, start, state) => {
    const rest = Array.from({ length: 49 }, (_, i) => String(i));
    rest[0] = String(ppid); // field 4
    rest[18] = String(start); // field 22
    const text = `42 (${comm}) ${state} ${rest.join(' ')}\n`;
    const parsed = parseStat(42, text);
    t.deepEqual(parsed, { pid: 42, ppid, startTime: start, state, cpuTicks: 21 }); // fields 14 + 15
  },
);

test('VmRSS is read from /proc/<pid>/status; absent for kernel threads', (t) => {
  t.is(parseVmRssKb('Name:\tnode\nVmPeak:\t  1000 kB\nVmRSS:\t   51234 kB\n'), 51234);
  t.is(parseVmRssKb('Name:\tkthreadd\nState:\tS\n'), undefined);
});

test('Pss is read from /proc/<pid>/smaps_rollup, not Pss_Anon or Pss_File', (t) => {
  const rollup =
    '55d0-7ffc ---p 00000000 00:00 0 [rollup]\nRss:               52000 kB\nPss:               31234 kB\nPss_Anon:          20000 kB\nPss_File:          11234 kB\n';
  t.is(parsePssKb(rollup), 31234);
  t.is(parsePssKb('Rss: 1 kB\n'), undefined);
});

test('arguments: defaults, values, and clear errors', (t) => {
  const d = parseArgs([]);
  t.false(d.json);
  t.is(d.runs, 3);
  t.deepEqual([...d.only], [...GROUPS]);
  const a = parseArgs(['--json', '--runs', '5', '--only=ours,anchors', '--anchors', 'pm2-runtime']);
  t.true(a.json);
  t.is(a.runs, 5);
  t.deepEqual([...a.only], ['ours', 'anchors']);
  t.deepEqual(a.anchors, ['pm2-runtime']);
  t.throws(() => parseArgs(['--runs', '0']), { message: /--runs needs a positive number/ });
  t.throws(() => parseArgs(['--only', 'nope']), { message: /unknown "nope"/ });
  t.throws(() => parseArgs(['--frobnicate']), { message: /unknown argument/ });
});

testProp(
  'arguments: any unknown flag is refused, never ignored',
  [fc.string({ minLength: 1 }).filter((s) => !s.startsWith('--'))],
  (t, word) => {
    t.throws(() => parseArgs([`--x${word}`]));
  },
);

test('report: every figure key present, null with a reason when missing, worst run for failures', (t) => {
  const ours = emptySeries();
  record(ours, 'ready_ms', 0, 100);
  record(ours, 'ready_ms', 1, 300);
  record(ours, 'ready_ms', 2, 200);
  record(ours, 'stop_failed_requests', 0, 0);
  record(ours, 'stop_failed_requests', 1, 2);
  record(ours, 'stop_failed_requests', 2, 0);
  ours.reasons.image_mb = 'podman not installed';
  const anchor = emptySeries();
  record(anchor, 'ready_ms', 0, 200);
  record(anchor, 'ready_ms', 1, 900);
  record(anchor, 'ready_ms', 2, 800);
  const json = toJson({
    runs: 3,
    ours,
    anchors: { 'pm2-runtime': anchor },
    details: {},
    machine: {},
  });
  for (const key of FIGURE_KEYS) t.true(key in json, key);
  t.is(json.ready_ms, 200);
  t.is(json.stop_failed_requests, 2);
  t.is(json.image_mb, null);
  t.is((json.null_reasons as Record<string, string>).image_mb, 'podman not installed');
  const pm2 = (json.anchors as any).pm2_runtime;
  t.is(pm2.ready_ms, 800);
  t.is(pm2.vs_ours.ready_ms, 3); // per-run ratios 2, 3, 4 → median 3
  t.is((json.budgets as any).stop_failed_requests.met, false);
});
