/**
 * Build-stage step of Dockerfile.cloudrun: assembles the image's app layer in OUT_DIR from a
 * built checkout (after `npm ci` and `npm run build`):
 *   package.json, dist/server, dist/ui, and the production node_modules the server can load.
 * "Can load" = the packages the compiled server imports (found by esbuild's import scan of every
 * file under dist/server) plus everything they depend on per the lockfile. That is
 * `npm prune --omit=dev` narrowed to the service: chart/validator libraries stay out of the image.
 * Type declarations, source maps of dependencies and Markdown are dropped too.
 *
 * Usage (inside the build stage): tsx scripts/container/assemble-app.ts OUT_DIR
 */
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { build } from 'esbuild';
import {
  dependencyClosure,
  isDroppableFile,
  packageNameOf,
  type LockPackages,
} from './runtime-deps.ts';

const root = new URL('../../', import.meta.url).pathname;
const builtins = new Set(builtinModules);

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => join(dir, f));
}

/** Package names the compiled server imports (statically, or dynamically with a literal). */
async function importedPackages(serverDir: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: filesUnder(serverDir, '.js'),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    metafile: true,
    outdir: join(root, '.tmp', 'assemble-scan'),
    logLevel: 'error',
  });
  const names = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imported of input.imports) {
      if (!imported.external) continue;
      const name = packageNameOf(imported.path);
      if (name !== undefined && !builtins.has(name)) names.add(name);
    }
  }
  return names;
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const s = statSync(join(dir, f));
    if (s.isFile()) total += s.size;
  }
  return total;
}

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: assemble-app.ts OUT_DIR');
  const serverDir = join(root, 'dist', 'server');
  if (!existsSync(join(serverDir, 'supervisor', 'main.js')))
    throw new Error('dist/server/supervisor/main.js is missing: run `npm run build` first');

  const roots = await importedPackages(serverDir);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: LockPackages;
  };
  const { keep, missing } = dependencyClosure(lock.packages, roots);
  if (missing.length > 0)
    throw new Error(`the server imports packages the lockfile lacks: ${missing.join(', ')}`);

  mkdirSync(join(out, 'dist'), { recursive: true });
  mkdirSync(join(out, 'node_modules'), { recursive: true });
  cpSync(join(root, 'package.json'), join(out, 'package.json'));
  cpSync(serverDir, join(out, 'dist', 'server'), { recursive: true });
  const uiDir = join(root, 'dist', 'ui');
  if (existsSync(uiDir)) cpSync(uiDir, join(out, 'dist', 'ui'), { recursive: true });
  else process.stderr.write('assemble-app: warning: dist/ui is missing (no UI in the image)\n');

  for (const path of keep) {
    const from = join(root, path);
    // Nested node_modules are copied as their own kept entries, or not at all.
    cpSync(from, join(out, path), {
      recursive: true,
      filter: (src) => {
        const rel = relative(from, src);
        if (rel === '') return true;
        if (rel === 'node_modules' || rel.startsWith(`node_modules/`)) return false;
        return statSync(src).isDirectory() || !isDroppableFile(basename(src));
      },
    });
  }

  const installed = Object.keys(lock.packages).filter((p) => p.includes('node_modules/')).length;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  process.stdout.write(
    `assemble-app: ${roots.size} imported packages -> ${keep.size} of ${installed} installed kept; ` +
      `node_modules ${mb(dirBytes(join(out, 'node_modules')))}, dist ${mb(dirBytes(join(out, 'dist')))}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`assemble-app: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
