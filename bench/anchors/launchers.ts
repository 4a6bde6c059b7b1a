/**
 * How each supervisor under comparison is started: ours, and the anchors users would pick
 * instead, all running the same two compiled processes with the same environment. Anchors run
 * with their defaults (that is what users get), plus "restart forever" where restarting is opt-in.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { entry, repoRoot, serviceEnv, type Ports } from '../lib/service.ts';

export const SUPERVISORS = ['ours', 'pm2-runtime', 'concurrently', 'seed-shell'] as const;
export type SupervisorName = (typeof SUPERVISORS)[number];

export interface Launch {
  readonly name: SupervisorName;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

export interface LaunchContext {
  readonly ports: Ports;
  /** Scratch directory of this run (data, logs, generated config). */
  readonly dir: string;
}

const node = process.execPath;

export function launch(name: SupervisorName, ctx: LaunchContext): Launch {
  const env = serviceEnv(ctx.ports, path.join(ctx.dir, 'data'));
  switch (name) {
    case 'ours':
      return { name, command: node, args: [entry.supervisor], env };
    case 'pm2-runtime': {
      // Fork mode, autorestart (default), restart_delay 0 (default), kill_timeout 1600 ms (default).
      const ecosystem = path.join(ctx.dir, 'ecosystem.json');
      writeFileSync(
        ecosystem,
        JSON.stringify({
          apps: [
            { name: 'backend', script: entry.backend, cwd: repoRoot },
            { name: 'frontend', script: entry.frontend, cwd: repoRoot },
          ],
        }),
      );
      return {
        name,
        command: node,
        args: [path.join(repoRoot, 'node_modules/pm2/bin/pm2-runtime'), ecosystem],
        // Its own PM2_HOME so the benchmark never touches a user's pm2 daemon.
        env: { ...env, PM2_HOME: path.join(ctx.dir, 'pm2') },
      };
    }
    case 'concurrently':
      // Restarts are opt-in: restart forever with the default delay (0 ms); raw output.
      return {
        name,
        command: node,
        args: [
          path.join(repoRoot, 'node_modules/concurrently/dist/bin/concurrently.js'),
          '--raw',
          '--restart-tries',
          '-1',
          `node ${entry.backend}`,
          `node ${entry.frontend}`,
        ],
        env,
      };
    case 'seed-shell':
      return {
        name,
        command: '/bin/bash',
        args: [path.join(repoRoot, 'bench/anchors/seed-start.sh'), entry.backend, entry.frontend],
        env,
      };
  }
}
