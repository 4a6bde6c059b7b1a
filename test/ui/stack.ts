/**
 * The real service for browser tests: the backend (`server/backend/main.ts`, embedded adapters
 * in a temporary DATA_DIR) and the frontend (`server/frontend/main.ts`) as child processes on
 * free ports, exactly as the supervisor runs them, plus a built UI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../helpers/net.ts';

export const repoRoot = new URL('../../', import.meta.url).pathname;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the UI into dist/ui unless the build there is newer than every UI source file. */
export function ensureUiBuilt(): void {
  const index = join(repoRoot, 'dist/ui/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(join(repoRoot, 'ui'))) return;
  const result = spawnSync('npm', ['run', 'build:ui'], { cwd: repoRoot, encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`npm run build:ui failed:\n${result.stdout}\n${result.stderr}`);
}

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  output: string;
  readonly exited: Promise<number | null>;
}

function startService(name: string, entry: string, env: NodeJS.ProcessEnv): Service {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'], METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const service: Service = {
    name,
    child,
    output: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  const collect = (chunk: Buffer) => {
    service.output += chunk.toString();
    if (service.output.length > 2_000_000) service.output = service.output.slice(-1_000_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return service;
}

async function stopService(service: Service): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 15_000);
  await service.exited;
  clearTimeout(timer);
}

export interface Stack {
  /** The frontend's URL, what a user opens. */
  readonly url: string;
  readonly backendUrl: string;
  backend: Service;
  readonly frontend: Service;
  /** Stops the backend (SIGTERM) and waits for it to exit. */
  stopBackend(): Promise<void>;
  /** Starts the backend again on the same port and data directory. */
  startBackend(): Promise<void>;
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/api/health`);
  await res.arrayBuffer();
  return res.status === 200;
}

export async function startStack(): Promise<Stack> {
  ensureUiBuilt();
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-ui-'));
  const [port, backendPort] = [await freePort(), await freePort()];
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const common = { APP_ENV: 'development', LOG_LEVEL: 'warn', PORT: String(port) };
  const backendEnv = {
    ...common,
    BACKEND_HOST: '127.0.0.1',
    BACKEND_PORT: String(backendPort),
    DATA_BACKEND: 'embedded',
    DATA_DIR: dataDir,
  };
  const launchBackend = () => startService('backend', 'server/backend/main.ts', backendEnv);
  const waitHealthy = (what: string, service: Service) =>
    waitFor(
      async () => {
        if (service.child.exitCode !== null)
          throw new Error(
            `${service.name} exited with ${service.child.exitCode}:\n${service.output}`,
          );
        return healthy(backendUrl);
      },
      60_000,
      what,
    );
  const stack: Stack = {
    url: `http://127.0.0.1:${port}`,
    backendUrl,
    backend: launchBackend(),
    frontend: startService('frontend', 'server/frontend/main.ts', {
      ...common,
      BACKEND_API_URL: backendUrl,
    }),
    stopBackend: () => stopService(stack.backend),
    async startBackend() {
      stack.backend = launchBackend();
      await waitHealthy('the restarted backend', stack.backend);
    },
    async stop() {
      await Promise.all([stopService(stack.frontend), stopService(stack.backend)]);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitHealthy('the backend to be healthy', stack.backend);
    await waitFor(
      async () => {
        if (stack.frontend.child.exitCode !== null)
          throw new Error(
            `frontend exited with ${stack.frontend.child.exitCode}:\n${stack.frontend.output}`,
          );
        return healthy(stack.url);
      },
      60_000,
      'the frontend to proxy /api/health',
    );
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
