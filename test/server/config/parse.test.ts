import test from 'ava';
import { testProp, fc } from '@fast-check/ava';
import {
  isLoopbackHost,
  parseBoolean,
  parseHostPort,
  parseInteger,
  parseList,
  parseOrigin,
  parsePort,
} from '../../../server/config/parse.ts';

const caseVariants = (word: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
      fc.constantFrom('', ' ', '\t'),
      fc.constantFrom('', ' ', '\n'),
    )
    .map(
      ([upper, pre, post]) =>
        pre + [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('') + post,
    );

testProp(
  'booleans: true/1/yes in any case and spacing are true',
  [fc.constantFrom('true', '1', 'yes').chain(caseVariants)],
  (t, raw) => {
    t.deepEqual(parseBoolean(raw), { ok: true, value: true });
  },
);

testProp(
  'booleans: false/0/no in any case and spacing are false',
  [fc.constantFrom('false', '0', 'no').chain(caseVariants)],
  (t, raw) => {
    t.deepEqual(parseBoolean(raw), { ok: true, value: false });
  },
);

testProp('booleans: anything else is rejected, never guessed', [fc.string()], (t, raw) => {
  fc.pre(!['true', '1', 'yes', 'false', '0', 'no'].includes(raw.trim().toLowerCase()));
  t.false(parseBoolean(raw).ok);
});

test('booleans: the words people try that are not allowed', (t) => {
  for (const raw of ['on', 'off', 'y', 'n', 'enabled', '', 'truee', '2'])
    t.false(parseBoolean(raw).ok, raw);
});

testProp(
  'integers in range parse back to themselves',
  [fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 })],
  (t, a, b) => {
    const [min, max] = a <= b ? [a, b] : [b, a];
    const inside = Math.floor((min + max) / 2);
    t.deepEqual(parseInteger(String(inside), min, max), { ok: true, value: inside });
    t.false(parseInteger(String(max + 1), min, max).ok);
    t.false(parseInteger(String(min - 1), min, max).ok);
  },
);

test('integers: fractions, exponents, hex and words are rejected', (t) => {
  for (const raw of ['1.5', '1e3', '0x10', 'ten', '', ' ', '8080abc', '--1'])
    t.false(parseInteger(raw, -10000, 10000).ok, raw);
});

test('ports: 1..65535 only', (t) => {
  t.deepEqual(parsePort('1'), { ok: true, value: 1 });
  t.deepEqual(parsePort('65535'), { ok: true, value: 65535 });
  t.false(parsePort('0').ok);
  t.false(parsePort('65536').ok);
});

testProp(
  'lists: items are trimmed and empty ones dropped',
  [fc.array(fc.string().filter((s) => !s.includes(',') && s.trim() !== ''))],
  (t, items) => {
    const raw = items.map((s) => ` ${s} `).join(',') + ',,';
    t.deepEqual(
      parseList(raw),
      items.map((s) => s.trim()),
    );
  },
);

test('origins: scheme, host and port only', (t) => {
  t.deepEqual(parseOrigin('https://example.com'), { ok: true, value: 'https://example.com' });
  t.deepEqual(parseOrigin('https://example.com/'), { ok: true, value: 'https://example.com' });
  t.deepEqual(parseOrigin('http://localhost:5173'), { ok: true, value: 'http://localhost:5173' });
  for (const raw of [
    'example.com',
    'https://example.com/app',
    'https://example.com?x=1',
    'ftp://example.com',
    '*',
  ])
    t.false(parseOrigin(raw).ok, raw);
});

test('host:port for emulator hosts', (t) => {
  t.deepEqual(parseHostPort('127.0.0.1:8085'), {
    ok: true,
    value: { host: '127.0.0.1', port: 8085 },
  });
  t.deepEqual(parseHostPort('[::1]:8085'), { ok: true, value: { host: '[::1]', port: 8085 } });
  for (const raw of ['127.0.0.1', 'http://127.0.0.1:8085', ':8085', 'host:0', 'host:99999'])
    t.false(parseHostPort(raw).ok, raw);
});

test('loopback hosts', (t) => {
  for (const h of ['127.0.0.1', 'localhost', '127.1.2.3', '[::1]', '::1'])
    t.true(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1'])
    t.false(isLoopbackHost(h), h);
});
