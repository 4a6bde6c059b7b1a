/**
 * Serves the catalogued UI (./assets.ts): exact-key lookups only, conditional GETs, the best
 * precompressed variant, and the app shell for client-side routes (SPA fallback).
 */
import type { Context, Middleware } from 'koa';
import type { Asset, Catalogue } from './assets.ts';
import { chooseEncoding, type Encoding } from './encoding.ts';
import { sendError } from './errors.ts';
import { assetKey, looksLikeRoute } from './paths.ts';

/** RFC 9110 §13.1.2 weak comparison against an If-None-Match list. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined || ifNoneMatch === '') return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return ifNoneMatch
    .split(',')
    .some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

function send(ctx: Context, asset: Asset): void {
  ctx.set('Cache-Control', asset.cacheControl);
  ctx.set('ETag', asset.etag);
  if (asset.bodies.size > 1) ctx.vary('Accept-Encoding');
  if (etagMatches(ctx.get('if-none-match') || undefined, asset.etag)) {
    ctx.status = 304;
    return;
  }
  const encoding = chooseEncoding(
    ctx.get('accept-encoding') || undefined,
    new Set<Encoding>(asset.bodies.keys()),
  );
  const body = asset.bodies.get(encoding) ?? asset.bodies.get('identity')!;
  if (encoding !== 'identity') ctx.set('Content-Encoding', encoding);
  ctx.type = asset.type;
  ctx.status = 200;
  ctx.body = body;
}

export function serveUi(catalogue: Catalogue): Middleware {
  return async (ctx) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.set('Allow', 'GET, HEAD');
      return sendError(ctx, 405, 'method_not_allowed', `${ctx.method} is not allowed here`);
    }
    const shell = catalogue.get('/index.html');
    if (shell === undefined)
      return sendError(
        ctx,
        503,
        'ui_not_built',
        'The web UI has not been built: run `npm run build:ui` (the API under /api works).',
      );
    const path = assetKey(ctx.path);
    if (!path.ok) return sendError(ctx, 400, 'bad_path', `Bad path: ${path.reason}`);
    const asset = catalogue.get(path.key);
    if (asset !== undefined) return send(ctx, asset);
    if (looksLikeRoute(path.key)) return send(ctx, shell);
    return sendError(ctx, 404, 'not_found', `No such file: ${path.key}`);
  };
}
