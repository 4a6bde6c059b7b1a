import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { isSeverity, type Severity } from '../../../server/logging/severity.ts';
import {
  formatJsonLine,
  isJsonObjectLine,
  severityOfText,
  statedSeverity,
  wrapText,
  type EntryContext,
} from '../../../server/supervisor/log-entry.ts';

const stderr: EntryContext = { component: 'backend', stream: 'stderr' };
const stdout: EntryContext = { component: 'frontend', stream: 'stdout' };

testProp(
  'a wrapped entry is one line of valid JSON under the cap, with severity, component and the text',
  [
    fc.string({ unit: 'binary', maxLength: 3000 }),
    fc.constantFrom(stderr, stdout),
    fc.integer({ min: 600, max: 4000 }),
    fc.nat(10_000),
  ],
  (t, text, context, cap, dropped) => {
    const entry = wrapText(text, { ...context, maxEntryBytes: cap }, 1_700_000_000_123, dropped);
    t.false(entry.includes('\n'));
    t.true(Buffer.byteLength(entry) <= cap, `${Buffer.byteLength(entry)} > ${cap}`);
    const parsed = JSON.parse(entry);
    t.true(isSeverity(parsed.severity));
    t.is(parsed.component, context.component);
    t.deepEqual(parsed['logging.googleapis.com/labels'], { component: context.component });
    t.deepEqual(parsed.timestamp, { seconds: 1_700_000_000, nanos: 123_000_000 });
    if (parsed.truncatedBytes === undefined) t.is(parsed.message, text);
    else {
      t.true(parsed.truncatedBytes >= dropped);
      const kept = parsed.message.replace(/ …\[truncated \d+ bytes\]$/, '');
      t.true(text.startsWith(kept) || kept.length === 0);
    }
  },
  { numRuns: 200 },
);

testProp(
  'JSON object lines under the cap pass through byte for byte',
  [
    fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), {
      noNullPrototype: true,
      maxKeys: 6,
    }),
  ],
  (t, object) => {
    const line = JSON.stringify(object);
    t.true(isJsonObjectLine(line));
    t.is(formatJsonLine(line, stderr, 0), line);
  },
);

test('an oversized JSON line is wrapped under the cap and keeps the severity it stated', (t) => {
  const line = JSON.stringify({ severity: 'WARNING', message: 'big', blob: 'z'.repeat(5000) });
  const entry = JSON.parse(formatJsonLine(line, { ...stderr, maxEntryBytes: 1000 }, 0));
  t.is(entry.severity, 'WARNING');
  t.true(entry.truncatedBytes > 4000);
  const pinoLevel = JSON.parse(formatJsonLine('{"level":"warn","msg":"x"', stdout, 0, 9999));
  t.is(pinoLevel.severity, 'WARNING');
});

test('non-object JSON and broken JSON are text, not pass-through', (t) => {
  for (const line of ['[1,2]', '42', '"str"', '{"a":', '{not json}', 'null']) {
    t.false(isJsonObjectLine(line), line);
  }
});

test('stderr is ERROR and stdout INFO unless the line states its level', (t) => {
  t.is(severityOfText('something happened', 'stderr'), 'ERROR');
  t.is(severityOfText('something happened', 'stdout'), 'INFO');
  const cases: [string, Severity | undefined][] = [
    ['WARN: disk almost full', 'WARNING'],
    ['[info] listening', 'INFO'],
    ['debug: cache miss', 'DEBUG'],
    ['Error: boom', 'ERROR'],
    ['FATAL out of memory', 'CRITICAL'],
    ['2026-11-26T10:00:00Z WARNING slow query', 'WARNING'],
    ['ts=1 level=error msg="x"', 'ERROR'],
    ['(node:42) [DEP0040] DeprecationWarning: punycode is deprecated', 'WARNING'],
    ['(node:42) ExperimentalWarning: x', 'WARNING'],
    ['[firestore] INFO: Started WebSocket server', 'INFO'],
    ['[firestore] Dev App Server is now running.', undefined],
    ['Information about things', undefined],
    ['Debugger listening on ws://127.0.0.1:9229', undefined],
    ['Errors: 0', undefined],
  ];
  for (const [line, expected] of cases) t.is(statedSeverity(line), expected, line);
});

testProp(
  'severity detection is total and only yields Cloud Logging severities',
  [fc.string({ unit: 'binary' }), fc.constantFrom('stdout' as const, 'stderr' as const)],
  (t, line, stream) => {
    t.true(isSeverity(severityOfText(line, stream)));
  },
);
