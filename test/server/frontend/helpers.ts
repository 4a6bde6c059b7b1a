/**
 * Test wiring for the frontend: a real frontend (the production `startFrontend`) in front of a
 * small in-process Koa *backend stub*. The stub is not a stand-in for the real backend: it exists
 * to make the proxy's own behaviour observable (what headers arrived, when bytes arrived), which
 * the real backend cannot show. Tests of the UI against the real backend are in test/ui/.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { createLogger } from '../../../server/logging/logger.ts';
import {
  startFrontend,
  type FrontendHandle,
  type StartFrontendOptions,
} from '../../../server/frontend/server.ts';
import { captureLines } from '../../helpers/log-capture.ts';
import { freePort } from '../../helpers/net.ts';

export interface BackendStub {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts `app` (the backend stub) on 127.0.0.1, on `port` when given. */
export async function startBackendStub(app: Koa, port = 0): Promise<BackendStub> {
  // Aborted requests are part of what these tests provoke; Koa would print each one.
  app.silent = true;
  const handler = app.callback();
  const server = createServer((req, res) => void handler(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function startTestFrontend(
  backendUrl: string,
  options: Partial<StartFrontendOptions> = {},
): Promise<FrontendHandle & { logs: ReturnType<typeof captureLines> }> {
  const logs = captureLines();
  const logger = createLogger({ component: 'frontend', level: 'debug', destination: logs });
  const handle = await startFrontend(
    { port: await freePort(), backendApiUrl: backendUrl },
    { logger, host: '127.0.0.1', uiDir: '/nonexistent-ui-dir', ...options },
  );
  return Object.assign(handle, { logs });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** One HTTP exchange with no client-side magic (no decompression, no header normalisation). */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Resolves once `predicate()` holds, polling; rejects after a generous deadline. */
export async function until(
  predicate: () => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
