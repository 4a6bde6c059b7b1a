/**
 * Security headers on every response the frontend sends, UI or API. The policy is strict because
 * the UI needs nothing else: same-origin scripts, styles, images and API calls only; no inline
 * script or style; Trusted Types so the one place that inserts HTML (the sanitised markdown view)
 * must go through DOMPurify's policy; never framed.
 */
import type { Middleware } from 'koa';
import { forwardedProto } from './headers.ts';

/** The single-page app's Content-Security-Policy. */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types dompurify',
].join('; ');

/**
 * API responses are data, never a document: even a stored `.md` opened directly in a tab can run
 * nothing (`sandbox`) and load nothing.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";

/** Two years, the preload list's minimum; sent only when the caller reached us over HTTPS. */
export const HSTS = 'max-age=63072000; includeSubDomains';

export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  'X-DNS-Prefetch-Control': 'off',
};

/** Lowercased names the proxy must not take from the backend: the frontend owns these. */
export const OWNED_HEADERS: ReadonlySet<string> = new Set(
  [...Object.keys(BASE_HEADERS), 'Content-Security-Policy', 'Strict-Transport-Security'].map((h) =>
    h.toLowerCase(),
  ),
);

/** True for requests the `/api` proxy handles: `/api` and anything below it. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/**
 * Every security header of an `/api` response, built once: the plain `/api` handler in front of
 * Koa sets these on each response without recomputing them.
 */
export function apiSecurityHeaders(https: boolean): Readonly<Record<string, string>> {
  return https ? API_HEADERS_HTTPS : API_HEADERS;
}

const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...BASE_HEADERS,
  'Content-Security-Policy': API_CSP,
});
const API_HEADERS_HTTPS: Readonly<Record<string, string>> = Object.freeze({
  ...API_HEADERS,
  'Strict-Transport-Security': HSTS,
});

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set(BASE_HEADERS);
    ctx.set('Content-Security-Policy', isApiPath(ctx.path) ? API_CSP : UI_CSP);
    // Cloud Run ends TLS at Google's front end and says so in X-Forwarded-Proto.
    if (forwardedProto(ctx.headers, ctx.req.socket && 'encrypted' in ctx.req.socket) === 'https')
      ctx.set('Strict-Transport-Security', HSTS);
    await next();
  };
}
