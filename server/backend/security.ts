/**
 * Security headers on every backend response, and strict CORS: only configured origins get
 * `Access-Control-Allow-Origin` (echoed, never `*`, never with credentials); any other origin gets
 * no CORS headers at all, so the browser blocks it.
 */
import cors from '@koa/cors';
import type { Middleware } from 'koa';

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set({
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'Cross-Origin-Resource-Policy': 'same-origin',
    });
    await next();
    // JSON answers are never cached by browsers or intermediaries; content sets its own policy.
    if (!ctx.response.get('Cache-Control') && ctx.response.is('json'))
      ctx.set('Cache-Control', 'no-store');
  };
}

export const EXPOSED_HEADERS = [
  'X-Request-Id',
  'Location',
  'Retry-After',
  'ETag',
  'Repr-Digest',
  'X-Content-SHA256',
];

export function strictCors(allowedOrigins: readonly string[]): Middleware {
  const allowed = new Set(allowedOrigins);
  return cors({
    origin: (ctx) => {
      const origin = ctx.get('Origin');
      return allowed.has(origin) ? origin : '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    allowHeaders: [
      'Content-Type',
      'If-None-Match',
      'X-Request-Id',
      'traceparent',
      'X-Cloud-Trace-Context',
    ],
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    credentials: false,
    keepHeadersOnError: true,
  });
}
