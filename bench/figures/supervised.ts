/**
 * Figures taken on a running supervisor (ours or an anchor): time to ready, resident memory,
 * recovery after the backend is killed, and a graceful stop under load.
 */
import path from 'node:path';
import { waitFor200 } from '../lib/http.ts';
import { failedBefore, slowUpload, TrackedLoad } from '../lib/load.ts';
import { cmdline, cpuMs, descendantsOf, msBetween, tail, Tree } from '../lib/proc.ts';
import { processPattern, repoRoot, type Ports } from '../lib/service.ts';
import type { Launch } from '../anchors/launchers.ts';

export interface Running {
  readonly tree: Tree;
  readonly readyMs: number;
  /** Spawn → the backend / frontend process first seen in the tree (10 ms polling), ms. */
  readonly seenMs: { readonly backend?: number; readonly frontend?: number };
  /** CPU ms the top process had used when the backend appeared (its own start-up work). */
  readonly bootCpuMs: number | undefined;
  readonly logFile: string;
}

/**
 * Notes when the backend and frontend processes first appear under `root` (a cheap walk of
 * /proc/<pid>/task/<tid>/children every 10 ms), to split time-to-ready into the supervisor's
 * own start, the backend's start and the frontend's start.
 */
interface ChildWatch {
  readonly seen: { backend?: number; frontend?: number };
  bootCpuMs?: number;
  stop(): void;
}

function watchChildren(root: number, t0: bigint): ChildWatch {
  const checked = new Set<number>();
  const watch: ChildWatch = { seen: {}, stop: () => clearInterval(timer) };
  const seen = watch.seen;
  const timer = setInterval(() => {
    for (const pid of descendantsOf(root)) {
      if (checked.has(pid)) continue;
      const cmd = cmdline(pid);
      for (const part of ['backend', 'frontend'] as const) {
        if (
          seen[part] === undefined &&
          processPattern[part].test(cmd) &&
          !/^(\S*\/)?(ba|da)?sh /.test(cmd)
        ) {
          seen[part] = msBetween(t0, process.hrtime.bigint());
          checked.add(pid);
          if (part === 'backend') watch.bootCpuMs = cpuMs(root);
        }
      }
    }
  }, 10);
  return watch;
}

/** Spawns the supervisor and polls `$PORT/api/health` until 200 (both processes up). */
export async function startSupervised(launch: Launch, ports: Ports, dir: string): Promise<Running> {
  const logFile = path.join(dir, `${launch.name}.log`);
  const t0 = process.hrtime.bigint();
  const tree = Tree.spawn({
    command: launch.command,
    args: launch.args,
    env: launch.env,
    cwd: repoRoot,
    logFile,
  });
  const watcher = watchChildren(tree.pid, t0);
  try {
    const ready = await waitFor200({
      port: ports.port,
      abort: () =>
        tree.exited ? `${launch.name} exited before ready:\n${tail(logFile)}` : undefined,
    });
    return {
      tree,
      readyMs: msBetween(t0, ready),
      seenMs: watcher.seen,
      bootCpuMs: watcher.bootCpuMs,
      logFile,
    };
  } catch (error) {
    tree.killAll();
    throw error;
  } finally {
    watcher.stop();
  }
}

/**
 * Lets start-up work settle, then sums VmRSS over the whole tree; keeps the per-process
 * breakdown and the PSS sum (shared pages counted once) for the profile.
 */
export async function idleMemory(
  running: Running,
  settleMs = 2000,
): Promise<{
  rssMb: number;
  pssMb: number;
  byProcess: Record<string, { rss: number; pss: number }>;
}> {
  await new Promise((r) => setTimeout(r, settleMs));
  const byProcess = running.tree.memoryByProcess();
  const values = Object.values(byProcess);
  return {
    rssMb: values.reduce((a, b) => a + b.rss, 0),
    pssMb: values.reduce((a, b) => a + b.pss, 0),
    byProcess,
  };
}

/**
 * SIGKILLs the backend (a crash) and polls `/api/health` through the frontend until 200 again.
 * A 200 counts only after a failure was seen or the backend's pid changed, so a response from
 * the dying process cannot end the measurement.
 */
export async function recoverAfterKill(
  running: Running,
  ports: Ports,
  timeoutMs = 30_000,
): Promise<number> {
  const victim = running.tree.find(processPattern.backend);
  if (victim === undefined) throw new Error('no backend process found in the tree');
  let sawFailure = false;
  const t0 = process.hrtime.bigint();
  running.tree.signal('SIGKILL', victim);
  const back = await waitFor200({
    port: ports.port,
    timeoutMs,
    onFailure: () => (sawFailure = true),
    accept: () => {
      if (sawFailure) return true;
      const now = running.tree.find(processPattern.backend);
      return now !== undefined && now !== victim;
    },
    abort: () =>
      running.tree.exited
        ? `supervisor exited after the kill:\n${tail(running.logFile)}`
        : undefined,
  });
  return msBetween(t0, back);
}

/** Cloud Run sends SIGKILL 10 s after SIGTERM; the stop phase does the same. */
export const CLOUD_RUN_STOP_WINDOW_MS = 10_000;

export interface StopResult {
  /** Requests fully sent before SIGTERM that failed (error or 5xx). */
  readonly failed: number;
  readonly sentBefore: number;
  readonly outcomes: Record<string, number>;
  /** SIGTERM → the top process exited; undefined when it did not within the window (then SIGKILLed). */
  readonly stopMs: number | undefined;
  /** Processes of the tree still alive when the top process exited (then SIGKILLed). */
  readonly leftRunning: number;
  readonly exitCode: number | null;
}

/**
 * Keeps `connections` keep-alive loops busy through the frontend, plus four slow uploads that
 * straddle the signal, sends SIGTERM to the top
 * process, and waits for it to exit. Whatever of its tree is still alive then is SIGKILLed, as the
 * kernel does to a container when its PID 1 exits.
 */
export async function stopUnderLoad(
  running: Running,
  ports: Ports,
  paths: readonly string[] = ['/api/health'],
  connections = 16,
  timeoutMs = CLOUD_RUN_STOP_WINDOW_MS,
): Promise<StopResult> {
  const load = new TrackedLoad(ports.port, paths, connections);
  await new Promise((r) => setTimeout(r, 500));
  // Four slow uploads, 3 s each, started 1 s before the signal: still in flight when it arrives.
  const uploads = [1, 2, 3, 4].map((i) =>
    slowUpload(ports.port, `${process.pid}-${Date.now()}-${i}`),
  );
  await new Promise((r) => setTimeout(r, 1000));
  running.tree.refresh();
  const signalAt = process.hrtime.bigint();
  running.tree.signal('SIGTERM');
  const exited = await running.tree.followUntilExit(timeoutMs);
  const exit = exited ? await running.tree.exit() : undefined;
  const leftRunning = running.tree.killAll();
  // Let requests that were cut by the kill report their error before counting.
  await new Promise((r) => setTimeout(r, 200));
  await load.stop();
  const uploaded = await Promise.all(uploads);
  const failed = failedBefore([...load.requests, ...uploaded], signalAt);
  return {
    failed: failed.count,
    sentBefore: failed.sentBefore,
    outcomes: failed.outcomes,
    stopMs: exit ? msBetween(signalAt, exit.at) : undefined,
    leftRunning,
    exitCode: exit ? exit.code : null,
  };
}
