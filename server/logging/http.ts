/**
 * Koa middleware that gives each request a request id and trace context, and logs it exactly
 * once, when the response has finished (so streamed bodies are included in the latency), with
 * Cloud Logging's `httpRequest` object.
 */
import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { runWithLogContext } from './context.ts';
import type { Logger } from './logger.ts';
import { traceFromHeaders } from './trace.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-Id` when it is sane, else a fresh UUID. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

/** A google.protobuf.Duration in JSON form, e.g. "0.012345s". */
export function formatLatency(nanoseconds: bigint): string {
  return `${(Number(nanoseconds) / 1e9).toFixed(6)}s`;
}

export interface HttpRequestLog {
  readonly requestMethod: string;
  readonly requestUrl: string;
  readonly status: number;
  readonly requestSize?: string;
  readonly responseSize?: string;
  readonly userAgent?: string;
  readonly remoteIp?: string;
  readonly referer?: string;
  readonly protocol: string;
  readonly latency: string;
}

function describe(ctx: Context, started: bigint): HttpRequestLog {
  const requestSize = ctx.get('content-length');
  const responseSize = ctx.res.getHeader('content-length');
  return {
    requestMethod: ctx.method,
    requestUrl: ctx.originalUrl,
    status: ctx.res.headersSent || ctx.res.writableFinished ? ctx.res.statusCode : ctx.status,
    ...(requestSize ? { requestSize } : {}),
    ...(responseSize !== undefined ? { responseSize: String(responseSize) } : {}),
    ...(ctx.get('user-agent') ? { userAgent: ctx.get('user-agent') } : {}),
    ...(ctx.ip ? { remoteIp: ctx.ip } : {}),
    ...(ctx.get('referer') ? { referer: ctx.get('referer') } : {}),
    protocol: `HTTP/${ctx.req.httpVersion}`,
    latency: formatLatency(process.hrtime.bigint() - started),
  };
}

export interface RequestLoggerOptions {
  /** Paths logged at debug instead of info when they succeed (probes). @default [] */
  readonly quietPaths?: readonly string[];
}

export function requestLogger(logger: Logger, options: RequestLoggerOptions = {}): Middleware {
  const quiet = new Set(options.quietPaths ?? []);
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(ctx.headers['x-request-id']);
    const trace = traceFromHeaders(ctx.headers);
    ctx.state['requestId'] = requestId;
    ctx.set('X-Request-Id', requestId);

    let logged = false;
    const log = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      runWithLogContext({ trace, requestId }, () => {
        const httpRequest = describe(ctx, started);
        const status = httpRequest.status;
        const level =
          status >= 500
            ? 'error'
            : status >= 400 || aborted
              ? 'warn'
              : quiet.has(ctx.path)
                ? 'debug'
                : 'info';
        logger[level](
          { httpRequest, ...(aborted ? { aborted: true } : {}) },
          `${ctx.method} ${ctx.path} ${status}${aborted ? ' (client went away)' : ''}`,
        );
      });
    };
    ctx.res.once('finish', () => log(false));
    ctx.res.once('close', () => log(!ctx.res.writableFinished));

    await runWithLogContext({ trace, requestId }, next);
  };
}
