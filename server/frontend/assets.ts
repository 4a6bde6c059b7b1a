/**
 * The built UI, read once at start-up into memory with its ETag and precompressed variants.
 * The whole UI is tens of kilobytes, so holding it costs nothing, serving it costs no disk I/O
 * and no per-request compression, and only files catalogued here can ever be served (no path
 * from a request reaches the filesystem).
 */
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Encoding } from './encoding.ts';
import { isHashedAsset } from './paths.ts';

export interface Asset {
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
  /** The bytes by encoding; `identity` is always there. */
  readonly bodies: ReadonlyMap<Encoding, Buffer>;
}

export type Catalogue = ReadonlyMap<string, Asset>;

export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Revalidate every time (cheap: ETag → 304), so a deploy is picked up at once. */
export const REVALIDATE = 'no-cache';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|wasm)|image\/svg\+xml)/;
/** Below this, compression saves less than the headers it adds. */
const MIN_COMPRESS_BYTES = 1024;

export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export interface LoadCatalogueOptions {
  /** Refuse to hold more than this in memory (a misconfigured root, not a UI). @default 32 MiB */
  readonly maxTotalBytes?: number;
}

/** Variants the UI build wrote next to a file (`app.js.br`, `app.js.gz`), at maximum quality. */
export interface Precompressed {
  readonly br?: Buffer;
  readonly gzip?: Buffer;
}

/**
 * Builds one asset from its bytes: strong ETag, cache policy and compressed variants. Variants
 * the build did not provide are made here at a fast setting, so start-up stays quick.
 */
export function makeAsset(key: string, body: Buffer, precompressed: Precompressed = {}): Asset {
  const type = contentType(key);
  const bodies = new Map<Encoding, Buffer>([['identity', body]]);
  if (COMPRESSIBLE.test(type) && body.length >= MIN_COMPRESS_BYTES) {
    const br =
      precompressed.br ??
      brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 5,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      });
    const gz = precompressed.gzip ?? gzipSync(body, { level: 6 });
    if (br.length < body.length) bodies.set('br', br);
    if (gz.length < body.length) bodies.set('gzip', gz);
  }
  // Weak: the br, gzip and identity bodies are the same representation, byte-different.
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { type, etag, cacheControl: isHashedAsset(key) ? IMMUTABLE : REVALIDATE, bodies };
}

const VARIANTS: Readonly<Record<string, keyof Precompressed>> = { '.br': 'br', '.gz': 'gzip' };

/**
 * Reads every regular file under `root` (symbolic links and dot-files are skipped, so nothing
 * outside `root` can be pulled in). `x.br` / `x.gz` next to `x` become its encoded variants, not
 * assets of their own. A missing root gives an empty catalogue.
 */
export async function loadCatalogue(
  root: string,
  options: LoadCatalogueOptions = {},
): Promise<Map<string, Asset>> {
  const maxTotal = options.maxTotalBytes ?? 32 * 1024 * 1024;
  const catalogue = new Map<string, Asset>();
  let total = 0;
  const files = new Map<string, Buffer>();
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && prefix === '') return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const key = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) await walk(path, key);
      else if (entry.isFile() && (await lstat(path)).isFile()) {
        const body = await readFile(path);
        total += body.length;
        if (total > maxTotal)
          throw new Error(`UI directory ${root} holds more than ${maxTotal} bytes`);
        files.set(key, body);
      }
    }
  };
  await walk(root, '');
  for (const [key, body] of files) {
    const variant = VARIANTS[extname(key)];
    if (variant !== undefined && files.has(key.slice(0, -extname(key).length))) continue;
    catalogue.set(
      key,
      makeAsset(key, body, {
        ...(files.has(`${key}.br`) ? { br: files.get(`${key}.br`)! } : {}),
        ...(files.has(`${key}.gz`) ? { gzip: files.get(`${key}.gz`)! } : {}),
      }),
    );
  }
  return catalogue;
}
