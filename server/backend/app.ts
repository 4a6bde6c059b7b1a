/**
 * `createBackend(...)`: the backend's Koa application, built from injected stores (so tests and
 * the reliability work can wrap them) and returned unstarted. `startBackend` (./server.ts) gives
 * it a socket.
 */
import { Router } from '@koa/router';
import Koa from 'koa';
import type { Config } from '../config/load.ts';
import type { Logger } from '../logging/logger.ts';
import { requestLogger } from '../logging/http.ts';
import type { Stores } from '../storage/types.ts';
import { ApiError, errorHandler } from './errors.ts';
import { HealthMonitor, healthReport } from './health.ts';
import { registerKnowledgeRoutes } from './knowledge/routes.ts';
import { KnowledgeService } from './knowledge/service.ts';
import { securityHeaders, strictCors } from './security.ts';

export interface BackendOptions {
  /** Uses knowledgeMaxBytes, corsOrigins and appVersion. */
  readonly config: Pick<Config, 'knowledgeMaxBytes' | 'corsOrigins' | 'appVersion'>;
  readonly stores: Stores;
  readonly logger: Logger;
  /** Health check cache lifetime. @default 2000 */
  readonly healthCacheMs?: number;
  /** Health check deadline per dependency. @default 2000 */
  readonly healthTimeoutMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface BackendControls {
  readonly service: KnowledgeService;
  readonly health: HealthMonitor;
  /** Health turns 503 (`draining: true`) and responses ask clients to close their connection. */
  startDraining(): void;
  readonly draining: boolean;
}

export type BackendApp = Koa & { readonly backend: BackendControls };

/** Client aborts and resets are not our errors; everything else Koa reports is. */
function isClientGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'EPIPE';
}

export function createBackend(options: BackendOptions): BackendApp {
  const { config, stores, logger } = options;
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const service = new KnowledgeService({ stores, logger, now });
  const health = new HealthMonitor({
    probes: { firestore: stores.documents, storage: stores.blobs },
    cacheMs: options.healthCacheMs ?? 2000,
    timeoutMs: options.healthTimeoutMs ?? 2000,
    clock: () => now().getTime(),
  });
  let draining = false;

  const router = new Router();
  router.get('/api/health', async (ctx) => {
    const report = healthReport({
      checks: await health.checks(),
      version: config.appVersion,
      now: now(),
      startedAt,
      draining,
    });
    ctx.status = report.httpStatus;
    ctx.body = report.body;
  });
  registerKnowledgeRoutes(router, { service, maxContentBytes: config.knowledgeMaxBytes });

  const app = new Koa({ proxy: true, maxIpsCount: 1 }) as BackendApp;
  app.silent = true;
  app.on('error', (error: unknown) => {
    // Koa reports failures after the headers went out (a content stream that broke midway).
    if (isClientGone(error)) logger.debug({ err: error }, 'client went away mid-response');
    else logger.error({ err: error }, 'response failed after headers were sent');
  });

  app.use(requestLogger(logger, { quietPaths: ['/api/health'] }));
  app.use(securityHeaders());
  app.use(strictCors(config.corsOrigins));
  app.use(async (ctx, next) => {
    await next();
    // While draining, every answer asks the client (the frontend's pool) to drop the socket.
    if (draining) ctx.set('Connection', 'close');
  });
  app.use(errorHandler(logger));
  app.use(router.routes());
  app.use(async (ctx) => {
    // Nothing matched: 405 when the path exists with other methods, else 404.
    const matched = router.match(ctx.path, ctx.method);
    const methods = new Set(matched.path.flatMap((layer) => layer.methods));
    if (methods.size > 0) {
      const allow = [...methods].join(', ');
      if (ctx.method === 'OPTIONS') {
        ctx.status = 204;
        ctx.set('Allow', allow);
        return;
      }
      throw new ApiError(
        405,
        'method_not_allowed',
        `${ctx.method} is not allowed here; use ${allow}`,
        undefined,
        {
          Allow: allow,
        },
      );
    }
    throw new ApiError(404, 'not_found', `no route for ${ctx.method} ${ctx.path}`);
  });

  Object.defineProperty(app, 'backend', {
    value: {
      service,
      health,
      startDraining: () => {
        draining = true;
      },
      get draining() {
        return draining;
      },
    } satisfies BackendControls,
  });
  return app;
}
