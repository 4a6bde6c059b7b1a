/**
 * The frontend's Koa app: request log, security headers, the `/api` proxy and the static UI.
 * Built from parts passed in, so tests can wire it to any backend and any UI directory.
 */
import Koa from 'koa';
import type { Logger } from '../logging/logger.ts';
import { requestLogger } from '../logging/http.ts';
import type { Catalogue } from './assets.ts';
import { sendError } from './errors.ts';
import type { ApiProxy } from './proxy.ts';
import { securityHeaders } from './security.ts';
import { serveUi } from './static.ts';

export interface FrontendAppOptions {
  readonly logger: Logger;
  readonly proxy: ApiProxy;
  readonly catalogue: Catalogue;
  /** True once SIGTERM arrived: responses then ask the client to close the connection. @default () => false */
  readonly draining?: () => boolean;
}

export function createFrontendApp(options: FrontendAppOptions): Koa {
  const { logger } = options;
  const draining = options.draining ?? (() => false);
  // `proxy: true` would let any caller spoof ctx.ip; the proxy builds X-Forwarded-For itself.
  const app = new Koa({ proxy: false });
  app.silent = true;
  app.on('error', (error: unknown) => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    // A caller hanging up mid-response is routine, not an error worth a stack trace.
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    // Bytes Node's HTTP parser cannot read (HPE_*) are the client's fault, not ours: a warning
    // at most, never an ERROR that would page someone.
    if (typeof code === 'string' && code.startsWith('HPE_')) {
      logger.warn({ code }, 'frontend: malformed request from a client');
      return;
    }
    logger.error({ err: error }, 'frontend request failed');
  });
  app.use(requestLogger(logger, { quietPaths: ['/api/health'] }));
  app.use(async (ctx, next) => {
    // A caller that disconnects mid-body makes Node emit 'error' on the request; with no
    // listener that would be an uncaught exception. The proxy reacts to it on its own.
    ctx.req.on('error', () => undefined);
    if (draining()) ctx.set('Connection', 'close');
    try {
      await next();
    } catch (error) {
      logger.error({ err: error }, `unexpected error serving ${ctx.method} ${ctx.path}`);
      sendError(ctx, 500, 'internal', 'Something went wrong in the frontend server.');
    }
  });
  app.use(securityHeaders());
  app.use(options.proxy.middleware);
  app.use(serveUi(options.catalogue));
  return app;
}
