/**
 * What a container is doing, read from the host's /proc (podman's containers are ordinary
 * processes in their own namespaces, so no tool has to exist inside the image): the listening
 * sockets of its network namespace and its process tree (user, state, title). Parsers are pure.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface Listener {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** TCP state 0A = LISTEN in /proc/net/tcp{,6}. */
const TCP_LISTEN = '0A';

/** /proc/net/tcp stores an IPv4 address as 8 hex digits in host (little-endian) byte order. */
export function decodeIpv4(hex: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new Error(`not an IPv4 hex address: ${hex}`);
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return bytes.reverse().join('.');
}

/** /proc/net/tcp6: 32 hex digits, four 32-bit words each in little-endian order. */
export function decodeIpv6(hex: string): string {
  if (!/^[0-9A-Fa-f]{32}$/.test(hex)) throw new Error(`not an IPv6 hex address: ${hex}`);
  const groups: string[] = [];
  for (let w = 0; w < 4; w += 1) {
    const word = hex.slice(w * 8, w * 8 + 8);
    const b = [6, 4, 2, 0].map((i) => word.slice(i, i + 2)).join('');
    groups.push(b.slice(0, 4), b.slice(4, 8));
  }
  const full = groups.map((g) => g.toLowerCase());
  // Canonical enough for our use: strip leading zeros, collapse the longest zero run.
  const short = full.map((g) => g.replace(/^0+(?=.)/, ''));
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (short[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && short[j] === '0') j += 1;
    if (j - i > best.len && j - i > 1) best = { start: i, len: j - i };
    i = j;
  }
  if (best.start < 0) return short.join(':');
  const head = short.slice(0, best.start).join(':');
  const tail = short.slice(best.start + best.len).join(':');
  // ::ffff:a.b.c.d (IPv4-mapped) reads better in dotted form.
  if (best.start === 0 && best.len === 5 && short[5] === 'ffff') {
    const v4 = full.slice(6).join('');
    return `::ffff:${[0, 2, 4, 6].map((i) => parseInt(v4.slice(i, i + 2), 16)).join('.')}`;
  }
  return `${head}::${tail}`;
}

/** The LISTEN sockets in the text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6). */
export function parseProcNetTcp(text: string, family: 4 | 6): Listener[] {
  const listeners: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[3] !== TCP_LISTEN) continue;
    const [addrHex, portHex] = cols[1]!.split(':');
    if (addrHex === undefined || portHex === undefined) continue;
    listeners.push({
      address: family === 4 ? decodeIpv4(addrHex) : decodeIpv6(addrHex),
      port: parseInt(portHex, 16),
      family,
    });
  }
  return listeners;
}

export function isLoopbackAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/** Listening sockets in the network namespace of process `pid`. */
export function listenersOf(pid: number): Listener[] {
  const read = (name: string) => {
    try {
      return readFileSync(`/proc/${pid}/net/${name}`, 'utf8');
    } catch {
      return '';
    }
  };
  return [...parseProcNetTcp(read('tcp'), 4), ...parseProcNetTcp(read('tcp6'), 6)];
}

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  /** R, S, D, Z (zombie), T ... */
  readonly state: string;
  /** Real UID. */
  readonly uid: number;
  /** /proc/PID/cmdline joined with spaces (Node's process.title replaces it). */
  readonly command: string;
  /** Resident set size (VmRSS), in bytes; 0 for zombies and kernel threads. */
  readonly rssBytes: number;
}

/** `pid (comm) state ppid ...`: comm may contain spaces and parentheses, so split at the last `)`. */
export function parseStat(text: string): { pid: number; state: string; ppid: number } {
  const close = text.lastIndexOf(')');
  const pid = parseInt(text, 10);
  const rest = text.slice(close + 2).split(' ');
  return { pid, state: rest[0] ?? '?', ppid: parseInt(rest[1] ?? '0', 10) };
}

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const uid = parseInt(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '-1', 10);
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .join(' ');
    const rssKb = parseInt(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? '0', 10);
    return { pid, ppid: stat.ppid, state: stat.state, uid, command, rssBytes: rssKb * 1024 };
  } catch {
    return undefined; // exited while we looked
  }
}

/** `rootPid` and all its descendants, from the host's /proc. */
export function processTree(rootPid: number): ProcessInfo[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProcess(Number(d)))
    .filter((p): p is ProcessInfo => p !== undefined);
  const children = new Map<number, ProcessInfo[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const root = all.find((p) => p.pid === rootPid);
  if (root === undefined) return [];
  const tree: ProcessInfo[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const p = stack.pop()!;
    tree.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return tree;
}
