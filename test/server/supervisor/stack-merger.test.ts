import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { StackMerger } from '../../../server/supervisor/stack-merger.ts';

function groups(lines: string[]): string[][] {
  const merger = new StackMerger();
  const out = lines.flatMap((l) => merger.push(l));
  out.push(...merger.flush());
  return out.map((g) => [...g.lines]);
}

test("Node's crash dump becomes one entry", (t) => {
  const dump = [
    '/app/dist/server/backend/main.js:10',
    "    throw new Error('boom');",
    '    ^',
    '',
    'Error: boom',
    '    at Object.<anonymous> (/app/dist/server/backend/main.js:10:9)',
    '    at node:internal/main/run_main_module:28:49 {',
    "  code: 'E_BOOM'",
    '}',
    '',
    'Node.js v22.12.0',
  ];
  t.deepEqual(groups([...dump, 'next unrelated line']), [dump, ['next unrelated line']]);
});

test('a stack trace after plain lines is its own entry; plain lines stay separate', (t) => {
  t.deepEqual(
    groups([
      'starting',
      'TypeError: x is undefined',
      '    at f (a.js:1:1)',
      '    at g (b.js:2:2)',
      'listening',
    ]),
    [
      ['starting'],
      ['TypeError: x is undefined', '    at f (a.js:1:1)', '    at g (b.js:2:2)'],
      ['listening'],
    ],
  );
});

test('blank lines alone never make entries, and trailing blanks are dropped', (t) => {
  t.deepEqual(groups(['', '', 'a', '', '', 'b', '']), [['a'], ['b']]);
});

testProp(
  'every non-blank line comes out exactly once, in order',
  [
    fc.array(
      fc.oneof(
        fc.constantFrom(
          '',
          '    at x (y.js:1:2)',
          'Error: e',
          '  indented',
          '}',
          'Node.js v22.1.0',
        ),
        fc.string({ maxLength: 12 }).map((s) => s.replace(/\n/g, '')),
      ),
      { maxLength: 40 },
    ),
  ],
  (t, lines) => {
    const flat = groups(lines)
      .flat()
      .filter((l) => l.trim() !== '');
    t.deepEqual(
      flat,
      lines.filter((l) => l.trim() !== ''),
    );
    t.true(
      groups(lines).every((g) => g.length > 0 && g[0]!.trim() !== '' && g.at(-1)!.trim() !== ''),
    );
  },
);
