/**
 * The `/api` reverse proxy: streams requests and responses in both directions through a
 * keep-alive connection pool, so an upload is never held whole in memory and a slow response
 * reaches the caller chunk by chunk. When the backend cannot be reached (down, restarting,
 * refusing) the caller gets a 503 JSON error with `Retry-After: 1` at once, never a hang or an
 * HTML page.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Middleware } from 'koa';
import type { Logger } from '../logging/logger.ts';
import { sendError } from './errors.ts';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.ts';
import { OWNED_HEADERS, isApiPath } from './security.ts';

export interface ProxyOptions {
  /** Backend base URL such as `http://127.0.0.1:8000`; a path in it is prefixed to every request. */
  readonly target: string;
  /**
   * Longest wait for a TCP connection. A refused connection fails at once; this bounds the wait
   * for a host that does not answer, so the caller still hears 503 within a second.
   * @default 900
   */
  readonly connectTimeoutMs?: number;
  /** Longest silence (no bytes either way) on an upstream connection before giving up. @default 60_000 */
  readonly idleTimeoutMs?: number;
  /**
   * Longest a whole proxied exchange may take. Kept under Cloud Run's default request timeout
   * (300 s) so the caller gets our 504 JSON instead of Cloud Run's HTML error page.
   * @default 290_000
   */
  readonly totalTimeoutMs?: number;
  /** Upper bound of concurrent connections to the backend. @default 512 */
  readonly maxSockets?: number;
  /** Idle keep-alive connections kept warm. @default 64 */
  readonly maxFreeSockets?: number;
  /** Whether our listener is TLS (`X-Forwarded-Proto` fallback). @default false */
  readonly encrypted?: boolean;
  /** Set to true while draining: responses then carry `Connection: close`. @default () => false */
  readonly draining?: () => boolean;
  /** @default undefined (no proxy-level logging beyond the request log) */
  readonly logger?: Logger;
}

/** How a proxied exchange ended, seen from the caller's side. */
export type ForwardResult =
  /** The backend's response (any status) is being streamed to the caller. */
  | { readonly kind: 'relayed' }
  /** The caller went away before the backend answered; nothing more to send. */
  | { readonly kind: 'client-gone' }
  /** No response from the backend: the caller is owed this error (see failureResponse). */
  | { readonly kind: 'failed'; readonly failure: Failure };

export type Failure = ReturnType<typeof failureResponse>;

export interface ApiProxy {
  /** Koa middleware for `/api` paths (requests the plain handler in front of Koa passes on). */
  readonly middleware: Middleware;
  /**
   * Sends `req` to the backend at `pathAndQuery` (path and query, e.g. `/api/x?y=1`; the base path of
   * the backend URL is prefixed) and, once the backend answers, streams its response into `res`.
   * Resolves when the exchange has been handed to the streams or has failed; never rejects for
   * network reasons. A failure before the first response byte is logged and returned for the
   * caller to answer; nothing has been written to `res` then.
   */
  forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    pathAndQuery: string,
    requestId: string,
  ): Promise<ForwardResult>;
  /** Closes pooled connections; call after the server has drained. */
  close(): void;
}

/** Errors that mean "nobody is listening right now": the backend is down or restarting. */
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ECONNTIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);
const TIMEOUTS = new Set(['EIDLETIMEOUT', 'ETOTALTIMEOUT']);
/** Safe to send twice (RFC 9110 §9.2.2) when the body is empty. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE', 'PUT']);

const RELAYED: ForwardResult = { kind: 'relayed' };
const CLIENT_GONE: ForwardResult = { kind: 'client-gone' };

type Outcome =
  | {
      readonly kind: 'response';
      readonly req: http.ClientRequest;
      readonly res: http.IncomingMessage;
    }
  | { readonly kind: 'error'; readonly error: NodeJS.ErrnoException; readonly reused: boolean }
  | { readonly kind: 'client-gone' };

function codedError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/** True when the request carries a body that must be streamed (RFC 9112 §6.3). */
export function requestHasBody(headers: http.IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/** How the proxy answers an upstream failure that happened before any response byte. */
export function failureResponse(code: string | undefined): {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
} {
  if (code !== undefined && TIMEOUTS.has(code))
    return {
      status: 504,
      code: 'backend_timeout',
      message: 'The API did not answer in time.',
      headers: {},
    };
  if (code !== undefined && UNAVAILABLE.has(code))
    return {
      status: 503,
      code: 'backend_unavailable',
      message: 'The API is starting or restarting; retry in a second.',
      headers: { 'Retry-After': '1' },
    };
  return {
    status: 502,
    code: 'bad_gateway',
    message: 'The API answered with something that is not HTTP.',
    headers: {},
  };
}

export function createApiProxy(options: ProxyOptions): ApiProxy {
  const target = new URL(options.target);
  const secure = target.protocol === 'https:';
  const transport = secure ? https : http;
  const basePath = target.pathname.replace(/\/+$/, '');
  const upstreamHost = target.host;
  const connectTimeoutMs = options.connectTimeoutMs ?? 900;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const totalTimeoutMs = options.totalTimeoutMs ?? 290_000;
  const draining = options.draining ?? (() => false);
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 512,
    maxFreeSockets: options.maxFreeSockets ?? 64,
    // Reuse the most recently used connection: fewer warm sockets, fewer stale ones.
    scheduling: 'lifo',
  };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);

  function send(
    incoming: http.IncomingMessage,
    outgoing: http.ServerResponse,
    pathAndQuery: string,
    headers: http.OutgoingHttpHeaders,
    withBody: boolean,
    deadline: number,
  ): Promise<Outcome> {
    return new Promise((resolve) => {
      const req = transport.request({
        agent,
        protocol: target.protocol,
        hostname: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || (secure ? 443 : 80),
        method: incoming.method,
        path: basePath + pathAndQuery,
        headers,
      });
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      const totalTimer = setTimeout(
        () => req.destroy(codedError('ETOTALTIMEOUT', 'the whole exchange took too long')),
        Math.max(0, deadline - Date.now()),
      );
      const onClientClose = (): void => {
        if (outgoing.writableFinished) return;
        // The caller went away: stop the upstream exchange too (never leak a pooled socket).
        req.destroy();
        settle({ kind: 'client-gone' });
      };
      const settle = (outcome: Outcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        if (outcome.kind !== 'response') {
          clearTimeout(totalTimer);
          outgoing.off('close', onClientClose);
          if (withBody) incoming.unpipe(req);
        } else {
          outcome.res.once('close', () => {
            clearTimeout(totalTimer);
            outgoing.off('close', onClientClose);
          });
        }
        resolve(outcome);
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        connectTimer = setTimeout(
          () => req.destroy(codedError('ECONNTIMEOUT', 'connecting to the API timed out')),
          connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
      });
      req.setTimeout(idleTimeoutMs, () =>
        req.destroy(codedError('EIDLETIMEOUT', 'the API connection went silent')),
      );
      req.on('response', (res) => settle({ kind: 'response', req, res }));
      // Stays attached for the whole exchange: later errors (e.g. EPIPE after an early 413) are
      // expected and must not crash the process.
      req.on('error', (error: NodeJS.ErrnoException) =>
        settle(
          error.code === 'ECLIENTABORT'
            ? { kind: 'client-gone' }
            : { kind: 'error', error, reused: req.reusedSocket },
        ),
      );
      outgoing.once('close', onClientClose);
      if (withBody) {
        // `pipe` leaves source errors unhandled: a caller that disconnects or sends a broken
        // body would otherwise crash the process. Abort the upstream request instead.
        incoming.once('error', () =>
          req.destroy(codedError('ECLIENTABORT', 'caller aborted the body')),
        );
        incoming.pipe(req);
      } else req.end();
    });
  }

  function relay(res: http.ServerResponse, outcome: Extract<Outcome, { kind: 'response' }>): void {
    const { req, res: upstream } = outcome;
    const headers = downstreamResponseHeaders(upstream.headers, OWNED_HEADERS);
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) res.setHeader(name, value);
    }
    if (draining()) res.setHeader('Connection', 'close');
    res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage);
    // A failure mid-body cannot become an error response any more: both ends are torn down
    // (the caller sees a truncated transfer, which it can detect) and the socket is not reused.
    // Plain `pipe` plus these two listeners: `stream.pipeline` costs an AbortController per call.
    upstream.once('close', () => {
      if (!upstream.complete) res.destroy();
    });
    upstream.on('error', () => res.destroy());
    res.once('close', () => {
      if (!upstream.complete) req.destroy();
    });
    upstream.pipe(res);
  }

  async function forward(
    incoming: http.IncomingMessage,
    outgoing: http.ServerResponse,
    pathAndQuery: string,
    requestId: string,
  ): Promise<ForwardResult> {
    const headers = upstreamRequestHeaders(incoming.headers, {
      remoteAddress: incoming.socket.remoteAddress,
      requestId,
      upstreamHost,
      encrypted: options.encrypted ?? false,
    });
    if (headers['x-request-id'] === '') delete headers['x-request-id'];
    const withBody = requestHasBody(incoming.headers);
    // A request without a body can be re-sent safely when a pooled connection turns out to have
    // been closed by a backend that restarted in the meantime.
    const attempts = !withBody && IDEMPOTENT.has(incoming.method ?? '') ? 2 : 1;
    const deadline = Date.now() + totalTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await send(incoming, outgoing, pathAndQuery, headers, withBody, deadline);
      if (outcome.kind === 'response') {
        relay(outgoing, outcome);
        return RELAYED;
      }
      if (outcome.kind === 'client-gone') return CLIENT_GONE;
      const code = outcome.error.code;
      if (attempt < attempts && outcome.reused && code !== undefined && UNAVAILABLE.has(code))
        continue;
      const failure = failureResponse(code);
      // The code says it all (a refused connection has no interesting stack), and while the
      // backend restarts every probe lands here: keep the line small.
      options.logger?.warn(
        { upstream: options.target, code: code ?? outcome.error.message },
        `API proxy: ${failure.code} (${code ?? outcome.error.message})`,
      );
      return { kind: 'failed', failure };
    }
  }

  const middleware: Middleware = async (ctx, next) => {
    if (!isApiPath(ctx.path)) {
      await next();
      return;
    }
    const requestId = String(ctx.state['requestId'] ?? ctx.get('x-request-id') ?? '');
    const pathAndQuery = ctx.path + (ctx.querystring ? `?${ctx.querystring}` : '');
    const result = await forward(ctx.req, ctx.res, pathAndQuery, requestId);
    if (result.kind !== 'failed') {
      ctx.respond = false;
      return;
    }
    const { failure } = result;
    if (draining()) ctx.set('Connection', 'close');
    sendError(ctx, failure.status, failure.code, failure.message, failure.headers);
  };

  return { middleware, forward, close: () => agent.destroy() };
}
