/**
 * Starts the real backend (`startBackend`, a real socket on 127.0.0.1) on stores a test chooses,
 * and talks to it with fetch.
 */
import { loadConfig, type Config } from '../../../server/config/index.ts';
import { createLogger } from '../../../server/logging/logger.ts';
import { startBackend, type RunningBackend } from '../../../server/backend/server.ts';
import type { Stores } from '../../../server/storage/index.ts';
import { captureLines } from '../../helpers/log-capture.ts';

export const ALLOWED_ORIGIN = 'https://allowed.example';
/** Small, so 413s are cheap to provoke. */
export const MAX_BYTES = 4096;

export function testConfig(env: Record<string, string> = {}): Config {
  const result = loadConfig({
    APP_ENV: 'development',
    DATA_BACKEND: 'embedded',
    KNOWLEDGE_MAX_BYTES: String(MAX_BYTES),
    CORS_ORIGINS: ALLOWED_ORIGIN,
    APP_VERSION: '9.9.9-test',
    ...env,
  });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.config;
}

export interface TestBackend extends RunningBackend {
  readonly stores: Stores;
  /** Every log line the backend wrote, parsed. */
  logs(): Record<string, unknown>[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  json(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: any }>;
  /** POST /api/knowledge as JSON. */
  create(body: unknown): Promise<{ status: number; headers: Headers; body: any }>;
}

export async function startTestBackend(
  stores: Stores,
  options: { config?: Config; healthCacheMs?: number; healthTimeoutMs?: number } = {},
): Promise<TestBackend> {
  const out = captureLines();
  const logger = createLogger({ component: 'backend', level: 'debug', destination: out });
  const backend = await startBackend(options.config ?? testConfig(), {
    logger,
    stores,
    port: 0,
    sweepIntervalMs: 0,
    drainTimeoutMs: 3000,
    // Tests switch dependencies off and on: every probe checks afresh unless a test says not.
    healthCacheMs: options.healthCacheMs ?? 0,
    ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }),
  });
  const fetchPath = (path: string, init?: RequestInit) => fetch(`${backend.url}${path}`, init);
  const json = async (path: string, init?: RequestInit) => {
    const res = await fetchPath(path, init);
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: the test sees the text
    }
    return { status: res.status, headers: res.headers, body: body as any };
  };
  return {
    ...backend,
    stores,
    logs: () => out.json(),
    fetch: fetchPath,
    json,
    create: (body: unknown) =>
      json('/api/knowledge', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
  };
}
