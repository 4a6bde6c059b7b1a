/**
 * The one error shape the API uses, `{error: {code, message}}`, for the errors the frontend itself
 * produces (backend unreachable, timeouts, bad paths). Never HTML, never a stack.
 */
import type { Context } from 'koa';

export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Answers with a JSON error unless the response has already started. */
export function sendError(
  ctx: Context,
  status: number,
  code: string,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  if (ctx.headerSent) return;
  ctx.status = status;
  ctx.set(headers);
  ctx.set('Cache-Control', 'no-store');
  ctx.body = errorBody(code, message);
}
