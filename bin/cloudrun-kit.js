#!/usr/bin/env node
// Launcher for the `cloudrun-kit` CLI. In a source checkout it runs the TypeScript directly
// through tsx (no build step needed); in an installed or containerized build it runs dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const built = new URL('../dist/cli/main.js', import.meta.url);

let entry = built;
if (existsSync(source)) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
    entry = new URL('../cli/main.ts', import.meta.url);
  } catch {
    // tsx is a dev dependency: without it, fall back to the compiled CLI.
  }
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
