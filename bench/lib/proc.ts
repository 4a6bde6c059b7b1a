/**
 * Processes for the benchmarks: spawn a process tree, follow its descendants through /proc, sum
 * their resident memory, signal one of them, wait for exit, and clean up whatever is left.
 *
 * Descendants are remembered as they are seen (pid + start time), because once a parent exits its
 * orphans are re-parented and can no longer be found by walking down from the top process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** One line of /proc/<pid>/stat, the fields we need. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** Start time in clock ticks after boot: with the pid, identifies a process across pid reuse. */
  readonly startTime: number;
  readonly state: string;
  /** CPU time used, user + system, in clock ticks (fields 14 and 15). */
  readonly cpuTicks: number;
}

/** Parses /proc/<pid>/stat text. `comm` may contain spaces and parentheses: split after the last ')'. */
export function parseStat(pid: number, text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] = state (field 3), fields[1] = ppid (4), fields[19] = starttime (22)
  const ppid = Number(fields[1]);
  const startTime = Number(fields[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTime)) return undefined;
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  return {
    pid,
    ppid,
    startTime,
    state: fields[0] ?? '?',
    cpuTicks: Number.isFinite(cpuTicks) ? cpuTicks : 0,
  };
}

/** Parses the `VmRSS:` line of /proc/<pid>/status into kB (undefined for kernel threads/zombies). */
export function parseVmRssKb(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Parses the `Pss:` line of /proc/<pid>/smaps_rollup into kB. */
export function parsePssKb(smapsRollup: string): number | undefined {
  const match = /^Pss:\s+(\d+)\s+kB$/m.exec(smapsRollup);
  return match ? Number(match[1]) : undefined;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(pid, readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function allStats(): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.push(stat);
  }
  return stats;
}

/** Pids of `root` and all its current descendants. */
export function processTree(root: number): ProcStat[] {
  const stats = allStats();
  const byParent = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = byParent.get(s.ppid) ?? [];
    list.push(s);
    byParent.set(s.ppid, list);
  }
  const top = stats.find((s) => s.pid === root);
  if (!top) return [];
  const tree: ProcStat[] = [top];
  for (let i = 0; i < tree.length; i++) tree.push(...(byParent.get(tree[i]!.pid) ?? []));
  return tree;
}

/** CPU time (user + system) a process has used so far, in ms (undefined when it is gone). */
export function cpuMs(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat ? (stat.cpuTicks * 1000) / CLOCK_TICKS_PER_S : undefined;
}

/** Pids of the direct children of `pid` (all its threads), via /proc/<pid>/task/<tid>/children. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(' ').map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

/** `root`'s descendants, cheaply (no scan of all of /proc): for tight polling loops. */
export function descendantsOf(root: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(root);
  while (queue.length) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...childrenOf(pid));
  }
  return out;
}

/** Resident set size of one process in kB (0 when it is gone or a zombie). */
export function rssKb(pid: number): number {
  try {
    return parseVmRssKb(readFileSync(`/proc/${pid}/status`, 'utf8')) ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Proportional set size in kB: shared pages (the node binary, shared libraries) divided among the
 * processes that map them, so a sum over a tree counts them once, as the container's memory
 * cgroup does. 0 when unreadable.
 */
export function pssKb(pid: number): number {
  try {
    return parsePssKb(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')) ?? 0;
  } catch {
    return 0;
  }
}

/** The command line of a process as one string ('' when it is gone). */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The short name of a process (`comm`, at most 15 characters; process.title sets it too). */
export function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Linux's USER_HZ: /proc reports CPU times in these ticks (100 on every mainstream kernel). */
const CLOCK_TICKS_PER_S = 100;

/** A short name for reports: the process title, or the command and its first argument. */
function processName(pid: number): string {
  return (
    cmdline(pid)
      .split(' ')
      .slice(0, 2)
      .join(' ')
      .replace(/^.*\/(node|bash) /, '$1 ') || String(pid)
  );
}

function isShell(pid: number): boolean {
  let exe = '';
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // gone, or not ours to read
  }
  return /\/(ba|da)?sh$/.test(exe) || ['sh', 'bash', 'dash'].includes(comm(pid));
}

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Children's stdout and stderr go here (a file), so a failed phase can show why. */
  readonly logFile: string;
}

/** Every tree spawned and not yet cleaned up, so an interrupted benchmark leaves nothing behind. */
export const liveTrees = new Set<Tree>();

/** A spawned process tree under observation. */
export class Tree {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every descendant ever seen: pid → start time. */
  readonly #seen = new Map<number, number>();
  #exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: bigint }>;
  #exited = false;

  private constructor(child: ChildProcess) {
    this.child = child;
    if (child.pid === undefined) throw new Error('spawn failed: no pid');
    this.pid = child.pid;
    this.#exit = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exited = true;
        resolve({ code, signal, at: process.hrtime.bigint() });
      });
    });
    this.refresh();
  }

  /**
   * Starts `command` in its own process group (so a signal to the benchmark never reaches it by
   * accident), with output appended to `logFile`.
   */
  static spawn(options: SpawnOptions): Tree {
    const fd = openSync(options.logFile, 'a');
    try {
      const child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      const tree = new Tree(child);
      liveTrees.add(tree);
      return tree;
    } finally {
      closeSync(fd);
    }
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Resolves when the top process exits, with the hrtime of the exit. */
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: bigint }> {
    return this.#exit;
  }

  /** Remembers the current descendants; returns them. */
  refresh(): ProcStat[] {
    const tree = this.#exited ? [] : processTree(this.pid);
    for (const s of tree) this.#seen.set(s.pid, s.startTime);
    return tree;
  }

  /** Processes seen in this tree that are still alive (same pid and start time, not a zombie). */
  alive(): number[] {
    const alive: number[] = [];
    for (const [pid, startTime] of this.#seen) {
      const stat = readStat(pid);
      if (stat && stat.startTime === startTime && stat.state !== 'Z') alive.push(pid);
    }
    return alive;
  }

  /** Sum of VmRSS over the live tree, in MB (MiB). */
  rssMb(): number {
    const kb = this.refresh().reduce((sum, s) => sum + rssKb(s.pid), 0);
    return kb / 1024;
  }

  /** CPU time in ms used so far per live process of the tree, keyed by process name. */
  cpuMsByProcess(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.refresh()) {
      const name = processName(s.pid);
      out[name] = (out[name] ?? 0) + (s.cpuTicks * 1000) / CLOCK_TICKS_PER_S;
    }
    return out;
  }

  /**
   * VmRSS and PSS in MB per live process of the tree, keyed by process title / command (for
   * profiles).
   */
  memoryByProcess(): Record<string, { rss: number; pss: number }> {
    const out: Record<string, { rss: number; pss: number }> = {};
    for (const s of this.refresh()) {
      const name = processName(s.pid);
      const entry = (out[name] ??= { rss: 0, pss: 0 });
      entry.rss += rssKb(s.pid) / 1024;
      entry.pss += pssKb(s.pid) / 1024;
    }
    return out;
  }

  /**
   * The node process (not a wrapping shell) among the current descendants whose command line
   * matches `pattern`.
   */
  find(pattern: RegExp): number | undefined {
    const matches = this.refresh().filter((s) => !isShell(s.pid) && pattern.test(cmdline(s.pid)));
    return matches.at(-1)?.pid;
  }

  /**
   * Signals the top process (or one of the tree's pids). Never a pid that has exited: it may
   * belong to someone else's process by now.
   */
  signal(signal: NodeJS.Signals, pid = this.pid): void {
    if (pid === this.pid && this.#exited) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }

  /**
   * SIGKILLs everything of this tree that is still alive (what the kernel does to a container's
   * processes when its PID 1 exits). Returns how many were left.
   */
  killAll(): number {
    this.refresh();
    const alive = this.alive();
    for (const pid of alive) this.signal('SIGKILL', pid);
    if (this.#exited) liveTrees.delete(this);
    return alive.length;
  }

  /** Follows descendants every `intervalMs` until the top process exits (for stop phases). */
  async followUntilExit(timeoutMs: number, intervalMs = 25): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#exited && Date.now() < deadline) {
      this.refresh();
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    return this.#exited;
  }
}

/** Milliseconds between two `process.hrtime.bigint()` readings. */
export function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

/** Last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
