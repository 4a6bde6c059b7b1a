/**
 * Reading a container from the host's /proc: the /proc/net/tcp{,6} address encoding (checked
 * against Node's own formatting of random addresses), LISTEN filtering, /proc/PID/stat with
 * awkward process names, and the process tree of a real child process.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { spawn } from 'node:child_process';
import { isIPv6, SocketAddress } from 'node:net';
import {
  decodeIpv4,
  decodeIpv6,
  isLoopbackAddress,
  parseProcNetTcp,
  parseStat,
  processTree,
} from '../../scripts/container/proc.ts';
import { waitFor } from '../helpers/net.ts';

/** How the kernel writes an IPv4 address: the 32-bit value in host (little-endian) order. */
function kernelHex4(bytes: number[]): string {
  return [...bytes]
    .reverse()
    .map((b) => b.toString(16).padStart(2, '0').toUpperCase())
    .join('');
}

/** IPv6: four 32-bit words, each printed in host order. */
function kernelHex6(bytes: number[]): string {
  let out = '';
  for (let w = 0; w < 4; w += 1) out += kernelHex4(bytes.slice(w * 4, w * 4 + 4));
  return out;
}

testProp(
  'IPv4 addresses decode to dotted form',
  [fc.array(fc.nat(255), { minLength: 4, maxLength: 4 })],
  (t, bytes) => {
    t.is(decodeIpv4(kernelHex4(bytes)), bytes.join('.'));
  },
);

testProp('IPv6 addresses decode to the same address Node parses', [fc.ipV6()], (t, address) => {
  const canonical = new SocketAddress({ address, family: 'ipv6' }).address;
  const bytes: number[] = [];
  // Expand the canonical form to 16 bytes.
  const [head = '', tail = ''] = canonical.includes('::') ? canonical.split('::') : [canonical, ''];
  const toGroups = (s: string) => (s === '' ? [] : s.split(':'));
  let groups = [...toGroups(head), ...toGroups(tail)];
  if (groups.some((g) => g.includes('.'))) return t.pass(); // IPv4-suffixed forms: covered below
  groups = canonical.includes('::')
    ? [...toGroups(head), ...Array(8 - groups.length).fill('0'), ...toGroups(tail)]
    : groups;
  for (const g of groups) {
    const v = parseInt(g, 16);
    bytes.push(v >> 8, v & 0xff);
  }
  const decoded = decodeIpv6(kernelHex6(bytes));
  t.true(isIPv6(decoded), decoded);
  t.is(new SocketAddress({ address: decoded, family: 'ipv6' }).address, canonical);
});

test('well-known addresses', (t) => {
  t.is(decodeIpv4('0100007F'), '127.0.0.1');
  t.is(decodeIpv4('00000000'), '0.0.0.0');
  t.is(decodeIpv6('00000000000000000000000001000000'), '::1');
  t.is(decodeIpv6('00000000000000000000000000000000'), '::');
  t.is(decodeIpv6('0000000000000000FFFF00000100007F'), '::ffff:127.0.0.1');
  t.true(isLoopbackAddress('127.0.0.1'));
  t.true(isLoopbackAddress('::1'));
  t.true(isLoopbackAddress('::ffff:127.0.0.1'));
  t.false(isLoopbackAddress('0.0.0.0'));
  t.false(isLoopbackAddress('::'));
});

const SAMPLE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 1 1 0000000000000000 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 10001        0 2 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F40 0100007F:C350 01 00000000:00000000 00:00000000 00000000 10001        0 3 1 0000000000000000 20 4 30 10 -1
`;

test('only LISTEN sockets are reported', (t) => {
  t.deepEqual(parseProcNetTcp(SAMPLE, 4), [
    { address: '127.0.0.1', port: 8000, family: 4 },
    { address: '0.0.0.0', port: 8080, family: 4 },
  ]);
  t.deepEqual(parseProcNetTcp('', 6), []);
});

testProp(
  'stat lines parse whatever the process name holds',
  [
    fc.integer({ min: 1, max: 4_194_304 }),
    fc.string({ maxLength: 15 }),
    fc.constantFrom('R', 'S', 'D', 'Z', 'T'),
    fc.integer({ min: 0, max: 4_194_304 }),
  ],
  (t, pid, comm, state, ppid) => {
    t.deepEqual(parseStat(`${pid} (${comm}) ${state} ${ppid} ${pid} ${pid} 0 -1 4194560 0 0`), {
      pid,
      state,
      ppid,
    });
  },
);

test('the process tree of a real child includes its own children', async (t) => {
  const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], {
    stdio: 'ignore',
    detached: true,
  });
  try {
    await waitFor(async () => processTree(child.pid!).length >= 3, 10_000, 'two sleeps under sh');
    const tree = processTree(child.pid!);
    t.is(tree[0]!.pid, child.pid!);
    t.is(tree.filter((p) => p.command === 'sleep 30').length, 2);
    t.true(tree.every((p) => p.uid === process.getuid!()));
  } finally {
    process.kill(-child.pid!, 'SIGKILL');
  }
});
