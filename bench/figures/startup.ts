/** Backend and frontend started alone, with nothing supervising them: the baseline for ready/recover. */
import path from 'node:path';
import { waitFor200 } from '../lib/http.ts';
import { msBetween, tail, Tree } from '../lib/proc.ts';
import { entry, repoRoot, serviceEnv, type Ports } from '../lib/service.ts';

export interface AloneResult {
  readonly backendMs: number;
  readonly frontendMs: number;
}

/**
 * Backend: spawn → `/api/health` 200 on its port. Frontend: spawn (backend already up) → 200 on
 * `$PORT` through its proxy. Both are stopped with SIGTERM afterwards.
 */
export async function startAlone(ports: Ports, dir: string): Promise<AloneResult> {
  const env = serviceEnv(ports, path.join(dir, 'data'));
  const logFile = path.join(dir, 'alone.log');
  const trees: Tree[] = [];
  try {
    const t0 = process.hrtime.bigint();
    const backend = Tree.spawn({
      command: process.execPath,
      args: [entry.backend],
      env,
      cwd: repoRoot,
      logFile,
    });
    trees.push(backend);
    const backendUp = await waitFor200({
      port: ports.backendPort,
      abort: () => (backend.exited ? `backend exited:\n${tail(logFile)}` : undefined),
    });
    const t1 = process.hrtime.bigint();
    const frontend = Tree.spawn({
      command: process.execPath,
      args: [entry.frontend],
      env,
      cwd: repoRoot,
      logFile,
    });
    trees.push(frontend);
    const frontendUp = await waitFor200({
      port: ports.port,
      abort: () => (frontend.exited ? `frontend exited:\n${tail(logFile)}` : undefined),
    });
    return { backendMs: msBetween(t0, backendUp), frontendMs: msBetween(t1, frontendUp) };
  } finally {
    for (const tree of trees.reverse()) {
      tree.signal('SIGTERM');
      await tree.followUntilExit(10_000);
      tree.killAll();
    }
  }
}
