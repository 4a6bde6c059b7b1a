import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { addCpus, formatBytes, GiB, MiB, parseCpu, parseMemory } from '../../charts/quantity.ts';

testProp('millicores and decimals agree', [fc.integer({ min: 1, max: 8000 })], (t, milli) => {
  const decimal = (milli / 1000).toFixed(3).replace(/\.?0+$/, '');
  t.is(parseCpu(`${milli}m`), milli / 1000);
  t.is(parseCpu(decimal), milli / 1000);
});

testProp(
  'binary memory units parse to exact bytes and format back',
  [fc.integer({ min: 1, max: 32768 })],
  (t, mib) => {
    t.is(parseMemory(`${mib}Mi`), mib * MiB);
    t.is(parseMemory(formatBytes(mib * MiB)), mib * MiB);
  },
);

testProp('decimal memory units are powers of ten', [fc.integer({ min: 1, max: 64 })], (t, n) => {
  t.is(parseMemory(`${n}G`), n * 1e9);
  t.is(parseMemory(`${n}M`), n * 1e6);
});

testProp('anything else is not a quantity we accept', [fc.string()], (t, s) => {
  const cpu = parseCpu(s);
  const memory = parseMemory(s);
  t.true(cpu === undefined || /^(\d+m|\d+(\.\d{1,3})?)$/.test(s));
  t.true(memory === undefined || /^\d+(Mi|Gi|M|G)$/.test(s));
});

testProp(
  'CPU sums are exact in millicores',
  [fc.array(fc.integer({ min: 1, max: 8000 }), { maxLength: 10 })],
  (t, millis) => {
    t.is(addCpus(millis.map((m) => m / 1000)), millis.reduce((a, b) => a + b, 0) / 1000);
  },
);

test('spellings Cloud Run does not document are refused', (t) => {
  for (const s of ['', '1.5.0', '2 cpus', '0.0001', '1e3', '-1', ' 1'])
    t.is(parseCpu(s), undefined, s);
  for (const s of ['', '512', '1Ti', '1gi', '512Ki', '1.5Gi', '0Mi'])
    t.is(parseMemory(s), undefined, s);
  t.is(formatBytes(GiB), '1Gi');
});
