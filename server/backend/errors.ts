/**
 * The backend's one error shape, `{error: {code, message, details?}}`, and the middleware that
 * turns every failure into it: our own ApiErrors as they are, storage outages as 503 with
 * Retry-After, Koa's client errors (4xx) by status, and anything else as a logged 500 whose body
 * never carries the stack.
 */
import type { Middleware } from 'koa';
import type { Logger } from '../logging/logger.ts';
import { isStoreUnavailable } from '../storage/errors.ts';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers (Allow, Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

export interface FieldProblem {
  /** A JSON Pointer into the body (`/tags/2`) or the query parameter's name (`limit`). */
  readonly field: string;
  readonly message: string;
}

export function validationError(fields: readonly FieldProblem[]): ApiError {
  const summary = fields
    .slice(0, 3)
    .map((f) => `${f.field} ${f.message}`)
    .join('; ');
  return new ApiError(400, 'validation_failed', `invalid request: ${summary}`, { fields });
}

export const notFound = (what = 'resource') => new ApiError(404, 'not_found', `${what} not found`);

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 2;

/** Headers a route may have set that must not survive onto an error response. */
const ROUTE_HEADERS = [
  'content-disposition',
  'content-length',
  'etag',
  'location',
  'repr-digest',
  'x-content-sha256',
];

/** Koa's own client errors (e.g. a malformed URL) carry `status` and `expose`. */
function koaClientError(error: unknown): { status: number; message: string } | undefined {
  const e = error as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.expose === true)
    return { status: e.status, message: typeof e.message === 'string' ? e.message : 'bad request' };
  return undefined;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

export function toErrorResponse(error: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** Whether this is a bug worth an ERROR log with the stack. */
  internal: boolean;
} {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      },
      headers: { ...error.headers },
      internal: false,
    };
  }
  if (isStoreUnavailable(error)) {
    return {
      status: 503,
      body: {
        error: {
          code: 'unavailable',
          message: `${error.dependency === 'firestore' ? 'the document database' : 'content storage'} is unavailable; retry shortly`,
          details: { dependency: error.dependency },
        },
      },
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      internal: false,
    };
  }
  const client = koaClientError(error);
  if (client) {
    return {
      status: client.status,
      body: {
        error: { code: CODE_BY_STATUS[client.status] ?? 'bad_request', message: client.message },
      },
      headers: {},
      internal: false,
    };
  }
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; it has been logged' } },
    headers: {},
    internal: true,
  };
}

/** Outermost error boundary for API routes. */
export function errorHandler(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const response = toErrorResponse(error);
      if (response.internal)
        logger.error({ err: error }, `unhandled error in ${ctx.method} ${ctx.path}`);
      else if (response.status === 503)
        logger.warn({ err: error }, `dependency unavailable: ${ctx.method} ${ctx.path}`);
      if (ctx.headerSent) return; // a streamed body failed midway: nothing more can be said
      for (const name of ROUTE_HEADERS) ctx.remove(name);
      ctx.status = response.status;
      ctx.set(response.headers);
      if (response.status >= 500) ctx.set('Cache-Control', 'no-store');
      if (ctx.state['closeConnection'] === true) ctx.set('Connection', 'close');
      ctx.body = response.body;
    }
  };
}
