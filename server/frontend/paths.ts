/**
 * Request path → asset key. The static server only ever serves files it catalogued at start-up
 * (see ./assets.ts), looked up by exact key, so a request can never name a file outside the UI
 * directory; this function only has to turn a URL path into the canonical key or reject it.
 */

export type PathResult =
  { readonly ok: true; readonly key: string } | { readonly ok: false; readonly reason: string };

/**
 * Decodes percent-escapes once and rejects anything that is not a plain relative file path:
 * backslashes, NUL and control characters, empty or dot segments. `/` maps to `/index.html`.
 */
export function assetKey(pathname: string): PathResult {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { ok: false, reason: 'malformed percent-encoding' };
  }
  if (!decoded.startsWith('/')) return { ok: false, reason: 'not an absolute path' };
  // eslint-disable-next-line no-control-regex
  if (/[\\\x00-\x1f\x7f]/.test(decoded)) return { ok: false, reason: 'forbidden character' };
  if (decoded === '/') return { ok: true, key: '/index.html' };
  const segments = decoded.slice(1).split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..')
      return { ok: false, reason: 'empty or dot segment' };
  }
  return { ok: true, key: decoded };
}

/** A path whose last segment has no extension is a client-side route: serve the app shell. */
export function looksLikeRoute(pathname: string): boolean {
  const last = pathname.slice(pathname.lastIndexOf('/') + 1);
  return !last.includes('.');
}

/** Vite's content-hashed output (`assets/index-B4x_9aZq.js`): safe to cache forever. */
export function isHashedAsset(key: string): boolean {
  return /^\/assets\/.+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(key);
}
