import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { LogForwarder } from '../../../server/supervisor/log-forwarder.ts';

const jsonLine = fc
  .record({
    severity: fc.constantFrom('INFO', 'ERROR'),
    message: fc.string({ maxLength: 30 }),
    n: fc.nat(),
  })
  .map((o) => JSON.stringify(o));
const textLine = fc.oneof(
  fc
    .string({ maxLength: 30 })
    .map((s) => s.replace(/[\r\n]/g, ' '))
    .filter((s) => !s.trim().startsWith('{')), // JSON-looking text would (rightly) pass through
  fc.constantFrom('Error: boom', '    at f (a.js:1:2)', 'WARN: careful', ''),
);

testProp(
  'any mix of JSON and text lines, chunked anyhow: JSON passes through in order, all entries are JSON',
  [
    fc.array(fc.oneof(jsonLine, textLine), { maxLength: 30 }),
    fc.array(fc.nat(), { maxLength: 20 }),
    fc.constantFrom('stdout' as const, 'stderr' as const),
  ],
  (t, lines, cuts, stream) => {
    const entries: string[] = [];
    const forwarder = new LogForwarder({
      component: 'backend',
      stream,
      write: (e) => entries.push(e),
    });
    const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    let start = 0;
    for (const p of [...points, bytes.length]) {
      forwarder.push(bytes.subarray(start, p));
      start = p;
    }
    forwarder.end();
    const parsed = entries.map((e) => JSON.parse(e) as Record<string, unknown>);
    t.true(entries.every((e) => !e.includes('\n')));
    // JSON lines: unchanged and in order.
    t.deepEqual(
      entries.filter((e) => lines.includes(e) && e.startsWith('{"severity"')),
      lines.filter((l) => l.startsWith('{"severity"')),
    );
    // Text: every non-blank line is in exactly one wrapped entry, labelled with the process.
    const wrapped = parsed.filter((e) => e['component'] === 'backend');
    t.deepEqual(
      wrapped.flatMap((e) => String(e['message']).split('\n')).filter((l) => l.trim() !== ''),
      lines.filter((l) => !l.startsWith('{"severity"') && l.trim() !== ''),
    );
  },
);

test('an open text group is flushed after a short idle time, without waiting for more output', async (t) => {
  const entries: string[] = [];
  const forwarder = new LogForwarder({
    component: 'backend',
    stream: 'stderr',
    write: (e) => entries.push(e),
    idleFlushMs: 5,
  });
  forwarder.push(Buffer.from('Error: lonely\n    at f (a.js:1:1)\n'));
  t.is(entries.length, 0, 'held: more frames may follow');
  for (let i = 0; i < 400 && entries.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
  t.is(entries.length, 1);
  t.is(JSON.parse(entries[0]!).message, 'Error: lonely\n    at f (a.js:1:1)');
});
