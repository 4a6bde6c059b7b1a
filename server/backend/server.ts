/**
 * `startBackend(config)`: the backend on its socket, plus the graceful stop SIGTERM triggers:
 * stop accepting, close idle keep-alive sockets, let in-flight requests finish (their responses
 * carry `Connection: close`) up to a deadline, then close the storage clients.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Config } from '../config/load.ts';
import { loggerFromConfig } from '../logging/from-config.ts';
import type { Logger } from '../logging/logger.ts';
import { storesFromConfig } from '../storage/from-config.ts';
import type { Stores } from '../storage/types.ts';
import { createBackend, type BackendApp } from './app.ts';
import { answerClientError } from '../http/client-error.ts';

export interface StartBackendOptions {
  /** @default loggerFromConfig(config, 'backend') */
  readonly logger?: Logger;
  /** @default storesFromConfig(config) */
  readonly stores?: Stores;
  /** Port to listen on; 0 picks a free one (tests). @default config.backendPort */
  readonly port?: number;
  /** Longest a stop waits for in-flight requests before cutting them. @default 8000 */
  readonly drainTimeoutMs?: number;
  /** How long a health check result is reused. @default 2000 */
  readonly healthCacheMs?: number;
  /** A dependency check slower than this counts as failed. @default 2000 */
  readonly healthTimeoutMs?: number;
  /** Period of the orphan sweep (first run shortly after start); 0 disables it. @default 3600000 */
  readonly sweepIntervalMs?: number;
}

export interface RunningBackend {
  readonly app: BackendApp;
  readonly server: Server;
  /** `http://host:port`, without a trailing slash. */
  readonly url: string;
  /** Graceful stop; resolves when everything is closed. Idempotent. */
  stop(): Promise<void>;
}

/** Above the ~60 s idle timeout proxies use, so a pooled socket is never closed under a request. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export async function startBackend(
  config: Config,
  options: StartBackendOptions = {},
): Promise<RunningBackend> {
  const logger = options.logger ?? loggerFromConfig(config, 'backend');
  const stores = options.stores ?? (await storesFromConfig(config));
  const app = createBackend({
    config,
    stores,
    logger,
    ...(options.healthCacheMs === undefined ? {} : { healthCacheMs: options.healthCacheMs }),
    ...(options.healthTimeoutMs === undefined ? {} : { healthTimeoutMs: options.healthTimeoutMs }),
  });
  const handle = app.callback();
  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  server.requestTimeout = 120_000;
  // Garbage after a complete request on the same connection is not a new request to answer.
  const served = new WeakSet<object>();
  server.on('request', (req: IncomingMessage) => served.add(req.socket));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!served.has(socket)) return answerClientError(error, socket);
    // Let a response still being produced finish, then drop the connection.
    const pending = (socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage;
    if (pending && !pending.writableFinished) pending.once('close', () => socket.destroy());
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.backendPort, config.backendHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  // Warm the storage clients (connections, lazy modules) now, so the first probe is answered
  // from a fresh check instead of paying for the first connection.
  void app.backend.health.checks();

  const sweepEvery = options.sweepIntervalMs ?? 3_600_000;
  const sweep = () => {
    app.backend.service.sweepOrphans().catch((error: unknown) => {
      logger.warn({ err: error }, 'orphan sweep failed; it will run again');
    });
  };
  const timers: NodeJS.Timeout[] = [];
  if (sweepEvery > 0) {
    timers.push(setTimeout(sweep, 5_000).unref(), setInterval(sweep, sweepEvery).unref());
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      timers.forEach(clearTimeout);
      app.backend.startDraining();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.drainTimeoutMs ?? 8_000);
      });
      if ((await Promise.race([closed, deadline])) === 'timeout') {
        logger.warn('in-flight requests still running at the drain deadline; closing them');
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      await Promise.allSettled([stores.documents.close(), stores.blobs.close()]);
    })());

  return { app, server, url, stop };
}
