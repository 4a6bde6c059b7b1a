import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { LineSplitter } from '../../../server/supervisor/line-splitter.ts';

/** Cuts `bytes` at the given points (any byte offsets, even inside a UTF-8 character). */
function chunk(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    out.push(bytes.subarray(start, p));
    start = p;
  }
  out.push(bytes.subarray(start));
  return out;
}

const lineArb = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''));

testProp(
  'lines come out whole and in order however the bytes are chunked, with LF or CRLF',
  [
    fc.array(lineArb, { maxLength: 20 }),
    fc.boolean(),
    fc.array(fc.nat(), { maxLength: 30 }),
    fc.boolean(),
  ],
  (t, lines, crlf, cuts, trailingNewline) => {
    const eol = crlf ? '\r\n' : '\n';
    const text = lines.join(eol) + (trailingNewline && lines.length > 0 ? eol : '');
    const splitter = new LineSplitter(1 << 20);
    const out = chunk(Buffer.from(text), cuts).flatMap((c) => splitter.push(c));
    out.push(...splitter.end());
    const expected = text === '' ? [] : lines;
    // A final empty line (text ending in a newline) is not a line.
    t.deepEqual(
      out.map((l) => l.text),
      trailingNewline || lines.length === 0 || lines.at(-1) !== ''
        ? expected
        : expected.slice(0, -1),
    );
    t.true(out.every((l) => l.droppedBytes === 0));
  },
);

testProp(
  'an over-long line is cut at the limit, never splits a character, and counts what it dropped',
  [
    fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 200 })
      .map((s) => s.replace(/[\r\n]/g, 'x')),
    fc.integer({ min: 1, max: 64 }),
    fc.array(fc.nat(), { maxLength: 10 }),
  ],
  (t, line, limit, cuts) => {
    const bytes = Buffer.from(`${line}\n`);
    const splitter = new LineSplitter(limit);
    const out = chunk(bytes, cuts).flatMap((c) => splitter.push(c));
    t.is(out.length, 1);
    const { text, droppedBytes } = out[0]!;
    t.true(Buffer.byteLength(text) <= limit);
    t.true(line.startsWith(text), 'a prefix of the line');
    t.false(text.includes('\uFFFD') && !line.includes('\uFFFD'));
    const kept = Math.min(limit, Buffer.byteLength(line));
    t.is(droppedBytes, Buffer.byteLength(line) - kept);
    t.true(splitter.buffered === 0);
  },
);

test('memory stays bounded while a huge line without newline streams in', (t) => {
  const splitter = new LineSplitter(1024);
  for (let i = 0; i < 1000; i++) splitter.push(Buffer.alloc(4096, 0x61));
  t.true(splitter.buffered <= 1024);
  const [last] = splitter.end();
  t.is(last!.text.length, 1024);
  t.is(last!.droppedBytes, 4096 * 1000 - 1024);
});
