/**
 * Starts the frontend: loads the UI catalogue, listens on 0.0.0.0:$PORT, and drains on close
 * (stop accepting, let in-flight exchanges finish, close idle keep-alive connections, then the
 * backend pool) within a grace period that fits Cloud Run's 10 s SIGTERM window.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/load.ts';
import type { Logger } from '../logging/logger.ts';
import { answerClientError } from '../http/client-error.ts';
import { createApiHandler } from './api-handler.ts';
import { createFrontendApp } from './app.ts';
import { loadCatalogue } from './assets.ts';
import { createApiProxy, type ProxyOptions } from './proxy.ts';

/**
 * `dist/ui` next to the compiled server (`dist/server/frontend/*.js` → `dist/ui`), or under the
 * repository when running from source with tsx (`server/frontend/*.ts` → `dist/ui`).
 */
export function defaultUiDir(moduleUrl: string = import.meta.url): string {
  const here = fileURLToPath(moduleUrl);
  return /[/\\]dist[/\\]server[/\\]frontend[/\\]/.test(here)
    ? fileURLToPath(new URL('../../ui/', moduleUrl))
    : fileURLToPath(new URL('../../dist/ui/', moduleUrl));
}

export interface StartFrontendOptions {
  readonly logger: Logger;
  /** @default defaultUiDir() */
  readonly uiDir?: string;
  /** @default '0.0.0.0' (Cloud Run sends traffic to every interface) */
  readonly host?: string;
  /** @default config.port */
  readonly port?: number;
  /** @default config.backendApiUrl */
  readonly backendUrl?: string;
  /** Timeouts and pool sizes of the proxy. @default ProxyOptions defaults */
  readonly proxy?: Omit<ProxyOptions, 'target' | 'draining' | 'logger'>;
  /** Longest wait for in-flight requests on close before cutting connections. @default 8000 */
  readonly graceMs?: number;
}

export interface FrontendHandle {
  readonly server: Server;
  /** `http://host:port` of the listener (127.0.0.1 when bound to every interface). */
  readonly url: string;
  /** Drains and stops; resolves when every connection is closed. Idempotent. */
  close(): Promise<void>;
}

type FrontendConfig = Pick<Config, 'port' | 'backendApiUrl'>;

export async function startFrontend(
  config: FrontendConfig,
  options: StartFrontendOptions,
): Promise<FrontendHandle> {
  const { logger } = options;
  const uiDir = options.uiDir ?? defaultUiDir();
  const catalogue = await loadCatalogue(uiDir);
  if (!catalogue.has('/index.html'))
    logger.warn({ uiDir }, 'no built UI found: run `npm run build:ui`; serving the API only');
  let draining = false;
  const isDraining = () => draining;
  const proxy = createApiProxy({
    ...options.proxy,
    target: options.backendUrl ?? config.backendApiUrl,
    draining: isDraining,
    logger,
  });
  const app = createFrontendApp({ logger, proxy, catalogue, draining: isDraining });
  const handler = app.callback();
  // `/api/*` skips Koa: the proxy hop is the service's hot path, and Koa's per-request work
  // (dispatch, log context, request log line) is for the UI.
  const api = createApiHandler({ logger, proxy, draining: isDraining });
  const server = createServer((req, res) => {
    if (!api(req, res)) void handler(req, res);
  });
  // Longer than any front end's idle timeout, so it is never us who closes a reused connection
  // just as a request arrives on it.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // Requests Node's parser refuses get the JSON error shape, not Node's bare status line.
  server.on('clientError', answerClientError);

  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((resolve) => {
      draining = true;
      const graceMs = options.graceMs ?? 8000;
      const force = setTimeout(() => {
        logger.warn({ graceMs }, 'grace period over: closing the remaining connections');
        server.closeAllConnections();
      }, graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        proxy.close();
        resolve();
      });
      // Connections with no request in flight would otherwise hold close() open until their
      // keep-alive timeout; busy ones get `Connection: close` on their current response.
      server.closeIdleConnections();
    }));

  return { server, url, close };
}
