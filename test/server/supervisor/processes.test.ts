import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import {
  orderProcesses,
  parseProcessList,
  serviceProcesses,
} from '../../../server/supervisor/processes.ts';

test('the service list is backend then frontend, each probed on /api/health', (t) => {
  const list = serviceProcesses({
    port: 8080,
    backendPort: 8000,
    backendHost: '127.0.0.1',
    serverDir: '/app/dist/server',
  });
  t.deepEqual(
    list.map((p) => p.name),
    ['backend', 'frontend'],
  );
  t.is(list[0]!.readiness!.url, 'http://127.0.0.1:8000/api/health');
  t.is(list[1]!.readiness!.url, 'http://127.0.0.1:8080/api/health');
  t.deepEqual(list[1]!.dependsOn, ['backend']);
  t.true(list[0]!.args!.at(-1)!.startsWith('/app/dist/server/backend/main.'));
  t.is(
    serviceProcesses({ port: 1, backendPort: 2, backendHost: '0.0.0.0' })[0]!.readiness!.url,
    'http://127.0.0.1:2/api/health',
  );
});

test('dependencies come first in start order whatever the declaration order', (t) => {
  const order = orderProcesses([
    { name: 'frontend', command: 'x', dependsOn: ['backend'] },
    { name: 'backend', command: 'x', dependsOn: ['emulator'] },
    { name: 'emulator', command: 'x' },
  ]).map((d) => d.name);
  t.deepEqual(order, ['emulator', 'backend', 'frontend']);
});

test('bad lists are refused naming the problem', (t) => {
  t.throws(() => orderProcesses([]), { message: 'the process list is empty' });
  t.throws(
    () =>
      orderProcesses([
        { name: 'a', command: 'x' },
        { name: 'a', command: 'y' },
      ]),
    { message: /declared twice/ },
  );
  t.throws(() => orderProcesses([{ name: 'a', command: 'x', dependsOn: ['b'] }]), {
    message: /"a" depends on "b", which is not declared/,
  });
  t.throws(
    () =>
      orderProcesses([
        { name: 'a', command: 'x', dependsOn: ['b'] },
        { name: 'b', command: 'x', dependsOn: ['a'] },
      ]),
    { message: /dependency cycle: a -> b -> a/ },
  );
  t.throws(() => parseProcessList('{'), { message: /not valid JSON/ });
  t.throws(() => parseProcessList('[{"name":"a","command":"x","readiness":{"url":"ftp://x"}}]'), {
    message: 'SUPERVISOR_PROCESSES[0].readiness.url must be an http:// URL',
  });
  t.throws(() => parseProcessList('[{"name":"a","command":"x","extra":1}]'), {
    message: 'SUPERVISOR_PROCESSES[0].extra is not a known field',
  });
});

const specArb = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  command: fc.string({ minLength: 1, maxLength: 10 }),
  args: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  env: fc.dictionary(fc.stringMatching(/^[A-Z_]{1,8}$/), fc.string({ maxLength: 8 }), {
    noNullPrototype: true,
    maxKeys: 3,
  }),
});

testProp(
  'a valid JSON process list round-trips through parseProcessList',
  [fc.uniqueArray(specArb, { selector: (s) => s.name, minLength: 1, maxLength: 4 })],
  (t, specs) => {
    const withDeps = specs.map((s, i) => (i > 0 ? { ...s, dependsOn: [specs[i - 1]!.name] } : s));
    t.deepEqual(parseProcessList(JSON.stringify(withDeps)), withDeps);
  },
);

testProp('parseProcessList never throws anything but a TypeError', [fc.jsonValue()], (t, value) => {
  try {
    parseProcessList(JSON.stringify(value));
    t.pass();
  } catch (error) {
    t.true(error instanceof TypeError);
  }
});
