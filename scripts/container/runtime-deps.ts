/**
 * Pure core of the image's dependency trimming: which installed packages the server can load.
 * The image's app layer has a budget (DESIGN.md: ≤ 60 MB), and `npm prune --omit=dev` keeps every
 * production dependency of the repository, including the chart and validator libraries (cdk8s,
 * cdk8s-plus-27 and what they pull in) that the running service never imports. So the build
 * keeps only the packages reachable from the server's own imports, following the lockfile the
 * same way Node resolves `node_modules` folders.
 */

/** The `packages` map of an npm v2/v3 lockfile, keyed by install path (`node_modules/a/node_modules/b`). */
export type LockPackages = Readonly<Record<string, LockEntry | undefined>>;

export interface LockEntry {
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly dev?: boolean;
  readonly link?: boolean;
}

const NAME_PART = /^[a-z0-9~][a-z0-9._~-]*$/i;

/**
 * The package a bare import specifier names: `koa` → `koa`, `@koa/router/x.js` → `@koa/router`,
 * `pino/file` → `pino`. `undefined` for builtins (`node:fs`, `fs`-style names are left to the
 * caller), relative and absolute paths, URLs and malformed names.
 */
export function packageNameOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/'))
    return undefined;
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined; // data:, file:, https: ...
  const parts = specifier.split('/');
  if (specifier.startsWith('@')) {
    const [scope, name] = parts;
    if (scope === undefined || name === undefined) return undefined;
    if (!NAME_PART.test(scope.slice(1)) || !NAME_PART.test(name)) return undefined;
    return `${scope}/${name}`;
  }
  const [name] = parts;
  return name !== undefined && NAME_PART.test(name) ? name : undefined;
}

/**
 * Where Node would find `name` when required from the package installed at `fromPath`: its own
 * nested `node_modules`, then each enclosing one up to the root (`''` = the project itself).
 */
export function resolveInstallPath(
  packages: LockPackages,
  fromPath: string,
  name: string,
): string | undefined {
  let base = fromPath;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut < 0 ? '' : base.slice(0, cut);
  }
}

/**
 * Every install path reachable from `roots` (package names imported by the project itself),
 * through dependencies, optional dependencies and peer dependencies that are installed.
 * Names that are not installed are returned in `missing` (a root the server imports but the
 * lockfile lacks would fail at run time: the caller reports it).
 */
export function dependencyClosure(
  packages: LockPackages,
  roots: Iterable<string>,
): { readonly keep: ReadonlySet<string>; readonly missing: readonly string[] } {
  const keep = new Set<string>();
  const missing: string[] = [];
  const stack: string[] = [];
  for (const root of roots) {
    const path = resolveInstallPath(packages, '', root);
    if (path === undefined) missing.push(root);
    else stack.push(path);
  }
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (keep.has(path)) continue;
    keep.add(path);
    const entry = packages[path]!;
    const names = Object.keys({
      ...entry.dependencies,
      ...entry.optionalDependencies,
      ...entry.peerDependencies,
    });
    for (const name of names) {
      const dep = resolveInstallPath(packages, path, name);
      if (dep !== undefined && !keep.has(dep)) stack.push(dep);
    }
  }
  return { keep, missing };
}

/** Files a running service never reads: type declarations, source maps, Markdown prose. */
export function isDroppableFile(fileName: string): boolean {
  if (/^(licen[cs]e|notice|copying)/i.test(fileName)) return false; // licences stay with the code
  return /\.(d\.ts|d\.mts|d\.cts|map|md|markdown)$/i.test(fileName);
}
