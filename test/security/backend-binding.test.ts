/**
 * The backend is reachable on loopback only: the real backend process (default BACKEND_HOST) is
 * checked twice - by its own listening sockets (its socket inodes matched in /proc/net/tcp{,6}:
 * every listener bound to 127.0.0.1, none to a wildcard) and by really trying to connect to its
 * port on every non-loopback address of this machine (refused). Production config refuses a
 * non-loopback BACKEND_HOST outright.
 */
import test from 'ava';
import { readdirSync, readlinkSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { loadConfig } from '../../server/config/index.ts';
import { startPair, type Pair } from './pair.ts';

let pair: Pair;
test.before(async () => {
  pair = await startPair();
});
test.after.always(async () => {
  await pair?.stop();
});

/** Listening TCP sockets owned by process `pid`: address (as in /proc, hex) and port. */
function listeningSocketsOf(pid: number): { family: 4 | 6; hex: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const out: { family: 4 | 6; hex: string; port: number }[] = [];
  for (const [file, family] of [
    ['tcp', 4],
    ['tcp6', 6],
  ] as const) {
    for (const line of readFileSync(`/proc/${pid}/net/${file}`, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue;
      const [hex, port] = cols[1]!.split(':');
      out.push({ family, hex: hex!, port: parseInt(port!, 16) });
    }
  }
  return out;
}

const LOOPBACK_V4 = '0100007F'; // 127.0.0.1 in /proc's little-endian hex

test('every socket the backend listens on is bound to 127.0.0.1', (t) => {
  const pid = pair.backend.child.pid!;
  const sockets = listeningSocketsOf(pid);
  const port = Number(new URL(pair.backendUrl).port);
  t.true(
    sockets.some((s) => s.port === port),
    `the backend listens on ${port}`,
  );
  for (const s of sockets) {
    t.is(s.family, 4, `no IPv6 (or dual-stack wildcard) listener: ${JSON.stringify(s)}`);
    t.is(s.hex, LOOPBACK_V4, `bound to 127.0.0.1, not ${s.hex}`);
  }
  // The frontend, by contrast, is meant for every interface (Cloud Run's ingress).
  const frontend = listeningSocketsOf(pair.frontend.child.pid!);
  t.true(frontend.some((s) => s.hex === '00000000' || /^0+$/.test(s.hex)));
});

function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

test("connecting to the backend's port on the machine's other addresses is refused", async (t) => {
  const port = Number(new URL(pair.backendUrl).port);
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal)
    .map((a) => (a!.family === 'IPv6' && a!.scopeid ? `${a!.address}%${a!.scopeid}` : a!.address));
  t.log(`non-loopback addresses tried: ${addresses.join(', ') || '(none)'}`);
  for (const address of addresses) {
    const result = await tryConnect(address, port);
    t.not(result, 'connected', `${address}:${port} must not reach the backend`);
  }
  // The same attempt on loopback does connect: the check itself works.
  t.is(await tryConnect('127.0.0.1', port), 'connected');
  if (addresses.length === 0) t.log('this machine has no non-loopback address: binding check only');
});

test('production refuses a non-loopback BACKEND_HOST and a non-loopback BACKEND_API_URL', (t) => {
  const base = {
    APP_ENV: 'production',
    GOOGLE_CLOUD_PROJECT: 'elevendops-prod',
    GCS_BUCKET_NAME: 'elevendops-prod-docs',
    ELEVENLABS_API_KEY: 'k1',
    GOOGLE_API_KEY: 'k2',
  };
  t.true(loadConfig(base).ok, 'the base production config is valid');
  for (const host of ['0.0.0.0', '::', '192.0.2.2', '10.0.0.1', 'example.com']) {
    const result = loadConfig({ ...base, BACKEND_HOST: host });
    t.false(result.ok, host);
    if (!result.ok)
      t.true(
        result.problems.some((p) => p.variable === 'BACKEND_HOST'),
        host,
      );
  }
  const url = loadConfig({ ...base, BACKEND_API_URL: 'http://10.1.2.3:8000' });
  t.false(url.ok);
});
