/**
 * The backend and the frontend as real child processes (source entry points through tsx,
 * embedded storage in a temporary directory), started the way the supervisor starts them but
 * without it, so each process's raw output is kept whole (the supervisor scrubs secrets from what
 * it forwards; tests that grep for leaks must see what the processes themselves wrote).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../helpers/net.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
}

export function startProc(name: string, entry: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    output: () => out,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

export async function stopProc(
  proc: Proc,
): Promise<{ code: number | null; signal: string | null }> {
  if (proc.alive()) proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 20_000);
  const result = await proc.exited;
  clearTimeout(timer);
  return result;
}

export interface Pair {
  /** The frontend, what callers reach. */
  readonly url: string;
  readonly backendUrl: string;
  readonly backend: Proc;
  readonly frontend: Proc;
  /** Both outputs. */
  output(): string;
  /** SIGTERM both (frontend first); their exits. */
  stop(): Promise<{ frontend: { code: number | null }; backend: { code: number | null } }>;
}

export interface PairOptions {
  /** Added to both processes' environment. @default {} */
  readonly env?: Record<string, string>;
  /** Directory of the built UI the frontend serves. @default dist/ui of the repository */
  readonly uiDir?: string;
}

export async function startPair(options: PairOptions = {}): Promise<Pair> {
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-pair-'));
  const [port, backendPort] = [await freePort(), await freePort()];
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const common = {
    METADATA_SERVER_DETECTION: 'none',
    APP_ENV: 'development',
    LOG_LEVEL: 'info',
    PORT: String(port),
    BACKEND_HOST: '127.0.0.1',
    BACKEND_PORT: String(backendPort),
    DATA_BACKEND: 'embedded',
    DATA_DIR: dataDir,
    ...options.env,
  };
  const backend = startProc('backend', 'server/backend/main.ts', common);
  const frontend = startProc('frontend', 'server/frontend/main.ts', {
    ...common,
    BACKEND_API_URL: backendUrl,
  });
  const pair: Pair = {
    url: `http://127.0.0.1:${port}`,
    backendUrl,
    backend,
    frontend,
    output: () => backend.output() + frontend.output(),
    async stop() {
      const f = await stopProc(frontend);
      const b = await stopProc(backend);
      await rm(dataDir, { recursive: true, force: true });
      return { frontend: f, backend: b };
    },
  };
  try {
    await waitFor(
      async () => {
        for (const p of [backend, frontend])
          if (!p.alive())
            throw new Error(`${p.name} exited with ${p.child.exitCode}:\n${p.output()}`);
        const res = await fetch(`${pair.url}/api/health`);
        await res.arrayBuffer();
        return res.status === 200;
      },
      180_000,
      'backend and frontend to be healthy',
      100,
    );
  } catch (error) {
    await pair.stop();
    throw new Error(
      `${(error as Error).message}\nbackend:\n${backend.output().slice(-2000)}\nfrontend:\n${frontend.output().slice(-2000)}`,
      { cause: error },
    );
  }
  return pair;
}
