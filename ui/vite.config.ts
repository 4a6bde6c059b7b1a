/**
 * Vite build of the web UI into `dist/ui/` (served by server/frontend). Preact's JSX through
 * Vite's own transformer (no Babel preset needed); no inline scripts or styles in the output, so
 * the frontend's strict Content-Security-Policy holds; `.br` / `.gz` siblings written at maximum
 * quality so the server never compresses at run time.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../dist/ui/', import.meta.url));

function precompress(dir: string): Plugin {
  const compressible = /\.(html|js|mjs|css|json|svg|txt|webmanifest)$/;
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((name) => {
      const path = join(d, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'elevendops-precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(dir)) {
        if (!compressible.test(file)) continue;
        const body = readFileSync(file);
        if (body.length < 1024) continue;
        const br = brotliCompressSync(body, {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
        });
        const gz = gzipSync(body, { level: constants.Z_BEST_COMPRESSION });
        if (br.length < body.length) writeFileSync(`${file}.br`, br);
        if (gz.length < body.length) writeFileSync(`${file}.gz`, gz);
      }
    },
  };
}

export default defineConfig({
  root,
  publicDir: join(root, 'public'),
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // Every supported browser has <link rel=modulepreload>; the polyfill would be dead code.
    modulePreload: { polyfill: false },
    // Inlined assets become data: URLs; keep fonts/images as files the CSP allows from 'self'.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
  },
  plugins: [precompress(outDir)],
  server: {
    // `vite` dev server: API calls go to a running frontend or backend.
    proxy: { '/api': process.env['VITE_API_PROXY'] ?? 'http://127.0.0.1:8000' },
  },
});
