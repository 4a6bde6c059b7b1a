/**
 * The `/api` fast path: a plain `node:http` request handler that sits in front of the Koa app and
 * hands `/api/*` requests straight to the proxy. Koa's dispatch, the per-request log context
 * (AsyncLocalStorage) and the request log line are what the UI needs; for a proxied request they
 * cost the frontend more CPU than the proxying itself (see BENCHMARKS.md), so this handler does
 * only what the API path needs: request id, security headers, `Connection: close` while
 * draining, the JSON error when the backend cannot answer, and a log line for those failures.
 *
 * Proxied responses are logged at debug only: the backend logs the same request, with the same
 * request id and trace context, at info. Failures the frontend produces itself (502/503/504, or a
 * 500 of its own) and callers that go away keep their line, as the Koa request logger would
 * write it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { runWithLogContext } from '../logging/context.ts';
import { formatLatency, requestIdFrom, type HttpRequestLog } from '../logging/http.ts';
import type { Logger } from '../logging/logger.ts';
import { traceFromHeaders } from '../logging/trace.ts';
import { errorBody } from './errors.ts';
import { forwardedProto } from './headers.ts';
import type { ApiProxy, Failure } from './proxy.ts';
import { apiSecurityHeaders } from './security.ts';

/**
 * Characters for which Koa's URL parsing (parseurl) leaves its fast path and falls back to the
 * legacy URL parser (which, e.g., strips a `#fragment`): such requests go through Koa, so both
 * paths always agree on what the path is.
 */
const UNUSUAL_URL = /[\t\n\f\r #\u00a0\ufeff]/;

/**
 * The path and query to send to the backend when `url` (a request target) is an origin-form
 * `/api` or `/api/…` URL; undefined for everything else (the UI, absolute-form targets, odd
 * characters), which Koa serves. Equals Koa's `ctx.path + (ctx.querystring ? '?' + ctx.querystring : '')`
 * for every URL it accepts (property-tested).
 */
export function apiRequestTarget(url: string | undefined): string | undefined {
  if (url === undefined || !url.startsWith('/api')) return undefined;
  if (url.length > 4) {
    const next = url.charCodeAt(4);
    if (next !== 0x2f /* / */ && next !== 0x3f /* ? */) return undefined;
  }
  if (UNUSUAL_URL.test(url)) return undefined;
  // An empty query (`/api/x?`) is dropped, as Koa's `ctx.querystring` drops it.
  return url.indexOf('?') === url.length - 1 ? url.slice(0, -1) : url;
}

/** Log level of a finished `/api` exchange: failures stand out, successes are the backend's to log. */
export function apiLogLevel(status: number, aborted: boolean): 'error' | 'warn' | 'debug' {
  if (status >= 500) return 'error';
  if (status >= 400 || aborted) return 'warn';
  return 'debug';
}

export interface ApiHandlerOptions {
  readonly logger: Logger;
  readonly proxy: ApiProxy;
  /** True once SIGTERM arrived: responses then ask the client to close the connection. @default () => false */
  readonly draining?: () => boolean;
  /** Whether our listener is TLS (`X-Forwarded-Proto` fallback for HSTS). @default false */
  readonly encrypted?: boolean;
}

/**
 * Returns a handler that takes `/api` requests (and returns true) or leaves the request alone
 * (and returns false) for the next handler, the Koa app.
 */
export function createApiHandler(
  options: ApiHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { logger, proxy } = options;
  const draining = options.draining ?? (() => false);
  const encrypted = options.encrypted ?? false;

  function describe(req: IncomingMessage, res: ServerResponse, started: bigint): HttpRequestLog {
    const requestSize = req.headers['content-length'];
    const responseSize = res.getHeader('content-length');
    const userAgent = req.headers['user-agent'];
    const remoteIp = req.socket.remoteAddress;
    const referer = req.headers['referer'];
    return {
      requestMethod: req.method ?? '',
      requestUrl: req.url ?? '',
      status: res.statusCode,
      ...(requestSize ? { requestSize } : {}),
      ...(responseSize !== undefined ? { responseSize: String(responseSize) } : {}),
      ...(userAgent ? { userAgent } : {}),
      ...(remoteIp ? { remoteIp } : {}),
      ...(referer ? { referer } : {}),
      protocol: `HTTP/${req.httpVersion}`,
      latency: formatLatency(process.hrtime.bigint() - started),
    };
  }

  /** One request line, as the Koa request logger writes it, at the level apiLogLevel says. */
  function logRequest(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    started: bigint,
  ): void {
    const aborted = !res.writableFinished;
    const level = apiLogLevel(res.statusCode, aborted);
    if (!logger.isLevelEnabled(level)) return;
    const path = req.url?.split('?', 1)[0] ?? '';
    runWithLogContext({ trace: traceFromHeaders(req.headers), requestId }, () =>
      logger[level](
        { httpRequest: describe(req, res, started), ...(aborted ? { aborted: true } : {}) },
        `${req.method} ${path} ${res.statusCode}${aborted ? ' (client went away)' : ''}`,
      ),
    );
  }

  function sendFailure(req: IncomingMessage, res: ServerResponse, failure: Failure): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify(errorBody(failure.code, failure.message));
    res.statusCode = failure.status;
    for (const [name, value] of Object.entries(failure.headers)) res.setHeader(name, value);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    // A caller that disconnects mid-body makes Node emit 'error' on the request; with no
    // listener that would be an uncaught exception. The proxy reacts to it on its own.
    req.on('error', () => undefined);
    // Every way this exchange ends closes `res`: one listener decides whether it is worth a line.
    res.once('close', () => logRequest(req, res, requestId, started));
    res.setHeader('X-Request-Id', requestId);
    const security = apiSecurityHeaders(forwardedProto(req.headers, encrypted) === 'https');
    for (const name in security) res.setHeader(name, security[name]!);
    if (draining()) res.setHeader('Connection', 'close');
    try {
      const result = await proxy.forward(req, res, target, requestId);
      if (result.kind === 'failed') sendFailure(req, res, result.failure);
    } catch (error) {
      logger.error({ err: error }, `unexpected error serving ${req.method} ${target}`);
      sendFailure(req, res, {
        status: 500,
        code: 'internal',
        message: 'Something went wrong in the frontend server.',
        headers: {},
      });
    }
  }

  return (req, res) => {
    const target = apiRequestTarget(req.url);
    if (target === undefined) return false;
    void serve(req, res, target);
    return true;
  };
}
