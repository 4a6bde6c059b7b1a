/**
 * The real service for chaos tests: `server/supervisor/main.ts` (through tsx, as the supervisor
 * tests run it) supervising the real backend and frontend, every byte of its output kept so tests
 * can read the supervisor's own log and grep everything for secrets afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../helpers/net.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Supervised {
  readonly child: ChildProcess;
  /** The frontend's URL (`http://127.0.0.1:$PORT`). */
  readonly url: string;
  readonly port: number;
  readonly backendPort: number;
  /** Everything written to stdout and stderr, in arrival order. */
  output(): string;
  /** stdout lines that parse as JSON (the supervisor's own and the children's log entries). */
  json(): Record<string, unknown>[];
  /** Messages of the supervisor's own log lines. */
  messages(): string[];
  /** Pid of the backend the supervisor last reported ready. */
  backendPid(): number | undefined;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit; SIGKILL after `graceMs` as a last resort. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SuperviseOptions {
  /** Added over a minimal environment (PATH, METADATA_SERVER_DETECTION=none). */
  readonly env: Record<string, string>;
  /** Longest wait for "all processes are ready". @default 120000 */
  readonly readyTimeoutMs?: number;
}

export async function startSupervised(options: SuperviseOptions): Promise<Supervised> {
  const [port, backendPort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'server/supervisor/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'],
        HOME: process.env['HOME'],
        METADATA_SERVER_DETECTION: 'none',
        APP_ENV: 'development',
        LOG_LEVEL: 'info',
        PORT: String(port),
        BACKEND_PORT: String(backendPort),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let all = '';
  let pending = '';
  const lines: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    all += text;
    pending += text;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const json = () =>
    lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  const own = () => json().filter((l) => l['component'] === 'supervisor');
  const service: Supervised = {
    child,
    url: `http://127.0.0.1:${port}`,
    port,
    backendPort,
    output: () => all,
    json,
    messages: () => own().map((l) => String(l['message'])),
    backendPid: () =>
      own()
        .filter((l) => l['message'] === 'backend is ready')
        .map((l) => l['pid'] as number)
        .at(-1),
    exited,
    async stop(graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        // Last resort: the supervisor and every child process group it reported.
        child.kill('SIGKILL');
        for (const l of own()) {
          const pid = l['pid'];
          if (typeof pid === 'number' && String(l['message']).endsWith(' is ready'))
            try {
              process.kill(-pid, 'SIGKILL');
            } catch {
              // already gone
            }
        }
      }, graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`supervisor exited with ${child.exitCode}:\n${all.slice(-4000)}`);
        return service.messages().includes('all processes are ready');
      },
      options.readyTimeoutMs ?? 120_000,
      'the supervised service to be ready',
      100,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return service;
}
