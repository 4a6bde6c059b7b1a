/** Where the built service lives and the environment it runs with during the benchmarks. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The build under test: `dist/` of this checkout, or BENCH_DIST (another build, e.g. of an older
 * commit, to compare two versions on the same machine).
 */
export const distDir = path.resolve(process.env['BENCH_DIST'] ?? path.join(repoRoot, 'dist'));

/** Compiled entry points (`npm run build:server`). */
export const entry = {
  backend: path.join(distDir, 'server/backend/main.js'),
  frontend: path.join(distDir, 'server/frontend/main.js'),
  supervisor: path.join(distDir, 'server/supervisor/main.js'),
} as const;

export type Part = keyof typeof entry;

/** Why a part cannot be benchmarked yet, or undefined when its build output is there. */
export function missing(part: Part): string | undefined {
  return existsSync(entry[part])
    ? undefined
    : `${path.relative(repoRoot, entry[part])} not built (server/${part}/main.ts has not landed, or npm run build failed)`;
}

/** Recognises a backend / frontend child by process title or script path. */
export const processPattern = {
  backend: /elevendops-backend|server\/backend\/main\.js/,
  frontend: /elevendops-frontend|server\/frontend\/main\.js/,
} as const;

export interface Ports {
  /** Public port of the frontend ($PORT). */
  readonly port: number;
  readonly backendPort: number;
}

/**
 * The environment of every process under test: embedded data in a fresh directory, both ports
 * free, and no emulator variables inherited from the engineer's shell.
 */
export function serviceEnv(ports: Ports, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'FIRESTORE_EMULATOR_HOST',
    'STORAGE_EMULATOR_HOST',
    'USE_FIRESTORE_EMULATOR',
    'USE_GCS_EMULATOR',
    'K_SERVICE',
    'K_REVISION',
    'K_CONFIGURATION',
    'CI',
  ]) {
    delete env[name];
  }
  return {
    ...env,
    APP_ENV: 'development',
    NODE_ENV: 'production',
    PORT: String(ports.port),
    BACKEND_HOST: '127.0.0.1',
    BACKEND_PORT: String(ports.backendPort),
    BACKEND_API_URL: `http://127.0.0.1:${ports.backendPort}`,
    DATA_BACKEND: 'embedded',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
  };
}
