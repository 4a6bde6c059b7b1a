/**
 * The image's dependency trimming: package names from import specifiers, Node-style resolution
 * over the lockfile's install paths, and the closure the image keeps. Checked with properties
 * and against the repository's real lockfile.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { readFileSync } from 'node:fs';
import {
  dependencyClosure,
  isDroppableFile,
  packageNameOf,
  resolveInstallPath,
  type LockEntry,
  type LockPackages,
} from '../../scripts/container/runtime-deps.ts';

const part = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,12}$/);
const subpath = fc.array(fc.stringMatching(/^[A-Za-z0-9._-]{1,8}$/), { maxLength: 3 });

testProp(
  'a bare specifier names its package, with or without a subpath',
  [part, subpath],
  (t, name, rest) => {
    t.is(packageNameOf([name, ...rest].join('/')), name);
  },
);

testProp('a scoped specifier names scope/name', [part, part, subpath], (t, scope, name, rest) => {
  t.is(packageNameOf([`@${scope}`, name, ...rest].join('/')), `@${scope}/${name}`);
});

testProp(
  'builtins, relative and absolute paths and URLs name no package',
  [
    fc.oneof(
      part.map((p) => `node:${p}`),
      subpath.map((s) => `./${s.join('/')}`),
      subpath.map((s) => `../${s.join('/')}`),
      subpath.map((s) => `/${s.join('/')}`),
      part.map((p) => `https://x/${p}`),
      part.map((p) => `data:text/javascript,${p}`),
    ),
  ],
  (t, specifier) => {
    t.is(packageNameOf(specifier), undefined);
  },
);

test('malformed scoped names are rejected', (t) => {
  t.is(packageNameOf('@scope'), undefined);
  t.is(packageNameOf('@/x'), undefined);
  t.is(packageNameOf(''), undefined);
});

/** A random install tree: names at the root, some with nested copies (version conflicts). */
const NAMES = ['a', 'b', 'c', 'd', '@s/e', '@s/f'];
const treeArb = fc
  .record({
    root: fc.subarray(NAMES, { minLength: 1 }),
    nested: fc.array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...NAMES)), {
      maxLength: 6,
    }),
    deps: fc.array(fc.tuple(fc.nat(20), fc.constantFrom(...NAMES)), { maxLength: 20 }),
  })
  .map(({ root, nested, deps }) => {
    const packages: Record<string, { dependencies: Record<string, string> }> = {
      '': { dependencies: {} },
    };
    for (const n of root) packages[`node_modules/${n}`] = { dependencies: {} };
    for (const [parent, child] of nested)
      if (packages[`node_modules/${parent}`])
        packages[`node_modules/${parent}/node_modules/${child}`] = { dependencies: {} };
    const paths = Object.keys(packages).filter((p) => p !== '');
    for (const [i, dep] of deps) packages[paths[i % paths.length]!]!.dependencies[dep] = '*';
    const locked: LockPackages = packages;
    return locked;
  });

testProp(
  'resolution prefers the nearest node_modules, like Node',
  [treeArb, fc.constantFrom(...NAMES)],
  (t, packages, name) => {
    for (const from of Object.keys(packages)) {
      const found = resolveInstallPath(packages, from, name);
      const own = `${from === '' ? '' : `${from}/`}node_modules/${name}`;
      if (packages[own]) t.is(found, own);
      else if (found !== undefined) {
        t.true(found.endsWith(`node_modules/${name}`));
        t.true(
          from.startsWith(found.slice(0, -`node_modules/${name}`.length)) ||
            found.startsWith('node_modules/'),
        );
      } else t.is(packages[`node_modules/${name}`], undefined);
    }
  },
);

testProp(
  'the closure is closed under dependencies and contains exactly what is reachable',
  [treeArb, fc.subarray(NAMES)],
  (t, packages, roots) => {
    const { keep, missing } = dependencyClosure(packages, roots);
    for (const r of roots)
      t.true(missing.includes(r) !== (packages[`node_modules/${r}`] !== undefined));
    for (const path of keep) {
      t.not(packages[path], undefined);
      for (const dep of Object.keys((packages[path] as LockEntry).dependencies ?? {})) {
        const resolved = resolveInstallPath(packages, path, dep);
        if (resolved !== undefined) t.true(keep.has(resolved), `${path} -> ${dep}`);
      }
    }
    // Minimal: every kept path is a root's resolution or a kept package's dependency.
    const justified = new Set<string>();
    for (const r of roots) {
      const path = resolveInstallPath(packages, '', r);
      if (path) justified.add(path);
    }
    for (const path of keep)
      for (const dep of Object.keys((packages[path] as LockEntry).dependencies ?? {})) {
        const resolved = resolveInstallPath(packages, path, dep);
        if (resolved) justified.add(resolved);
      }
    t.deepEqual([...keep].sort(), [...justified].sort());
  },
);

test('on the real lockfile: the server packages stay, chart and dev tooling go', (t) => {
  const lock = JSON.parse(
    readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'),
  ) as { packages: LockPackages };
  const { keep, missing } = dependencyClosure(lock.packages, [
    'koa',
    '@google-cloud/firestore',
    'pino',
  ]);
  t.deepEqual(missing, []);
  t.true(keep.has('node_modules/koa'));
  t.true(keep.has('node_modules/@google-cloud/firestore'));
  t.true(
    [...keep].some((p) => p.endsWith('node_modules/@grpc/grpc-js')),
    'transitive dependencies are kept',
  );
  for (const gone of ['cdk8s-plus-27', 'typescript', 'ava', 'esbuild'])
    t.false(keep.has(`node_modules/${gone}`), gone);
});

testProp(
  'licences are never dropped; declarations, maps and Markdown are',
  [fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/)],
  (t, stem) => {
    for (const ext of ['.d.ts', '.d.mts', '.d.cts', '.js.map', '.md', '.markdown'])
      t.true(isDroppableFile(`${stem}${ext}`), `${stem}${ext}`);
    for (const ext of ['.js', '.cjs', '.mjs', '.json', '.node', '.proto'])
      t.false(isDroppableFile(`${stem}${ext}`), `${stem}${ext}`);
    for (const licence of ['LICENSE', 'LICENSE.md', 'license.markdown', 'NOTICE.md', 'LICENCE'])
      t.false(isDroppableFile(licence));
  },
);
