/**
 * `cdk8s import` writes `import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s'`,
 * but the last two are types: under our `verbatimModuleSyntax` (and in Node's ESM loader, which
 * finds no such runtime export in the CommonJS cdk8s) that line fails. Run this after every
 * `cdk8s import` (`npm run import` does): it marks them `type`, and changes nothing else.
 *
 *   node --import=tsx charts/fix-generated-imports.ts [DIR]   (DIR defaults to imports/)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPE_ONLY = ['ApiObjectMetadata', 'GroupVersionKind'];

/** Pure: the generated source with the cdk8s type imports marked `type`. Idempotent. */
export function typeOnlyImports(source: string): string {
  return source.replace(/^import \{([^}]*)\} from 'cdk8s';$/m, (_line, names: string) => {
    const fixed = names
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '')
      .map((n) => (TYPE_ONLY.includes(n) ? `type ${n}` : n));
    return `import { ${fixed.join(', ')} } from 'cdk8s';`;
  });
}

function main(dir: string): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const path = join(dir, file);
    const before = readFileSync(path, 'utf8');
    const after = typeOnlyImports(before);
    if (after !== before) {
      writeFileSync(path, after);
      console.log(`fixed type-only imports in ${path}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv[2] ?? 'imports');
