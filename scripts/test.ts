/**
 * `npm test`: static checks, then every test tier (see test/tiers.ts), each through ava with TAP
 * output that this script counts. Its last line is the one CI reads:
 *   N passed, N failed[, N skipped]
 * A tier whose system tools are missing is skipped with the install command; with CI=true any
 * skip fails the run.
 *
 * Options: --tier NAME (repeatable; default all), --no-static, --only-static.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { emulatorsFromEnvOrStart, type Emulators } from '../test/helpers/emulators.ts';
import { TIERS, tierOf, type Tier } from '../test/tiers.ts';

const root = new URL('..', import.meta.url).pathname;
const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const args = process.argv.slice(2);
const wantedTiers = args.flatMap((a, i) => (a === '--tier' && args[i + 1] ? [args[i + 1]!] : []));
const runStatic = !args.includes('--no-static') && wantedTiers.length === 0;
const onlyStatic = args.includes('--only-static');

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures: string[] = [];

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function listTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'fixtures') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...listTests(path));
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

function runCheck(name: string, command: string, commandArgs: string[]): void {
  say(`\n▶ static: ${name}`);
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit' });
  if (result.status === 0) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(`static: ${name}`);
  }
}

function missingTools(tier: Tier): string[] {
  return tier.tools
    .filter((tool) => spawnSync('sh', ['-c', tool.check], { stdio: 'ignore' }).status !== 0)
    .map((tool) => `${tool.name} (install: ${tool.install})`);
}

/** Runs ava over `files` and counts its TAP results. */
function runAva(tier: Tier, files: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'node_modules/ava/entrypoints/cli.mjs'), '--tap', ...files],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let counted = 0;
    let pending = '';
    const count = (line: string) => {
      const match = /^(not ok|ok) \d+ - (.*)$/.exec(line);
      if (!match) return;
      counted += 1;
      if (/# SKIP\b/i.test(match[2]!) || /# TODO\b/i.test(match[2]!)) {
        totals.skipped += 1;
        if (ci) failures.push(`${tier.name}: skipped ${match[2]}`);
      } else if (match[1] === 'ok') totals.passed += 1;
      else {
        totals.failed += 1;
        failures.push(`${tier.name}: ${match[2]}`);
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(count);
    });
    child.on('close', (code) => {
      if (pending) count(pending);
      // ava exits non-zero without a `not ok` line for crashes, timeouts and uncaught errors.
      if (code !== 0 && !failures.some((f) => f.startsWith(`${tier.name}:`))) {
        totals.failed += 1;
        failures.push(`${tier.name}: ava exited with ${code} (${counted} results counted)`);
      }
      resolve();
    });
  });
}

async function main(): Promise<void> {
  if (runStatic) {
    runCheck('typecheck (tsc --noEmit)', process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '-p',
      '.',
    ]);
    runCheck('lint (eslint)', process.execPath, [
      join(root, 'node_modules/eslint/bin/eslint.js'),
      '.',
    ]);
    runCheck('format (prettier --check)', process.execPath, [
      join(root, 'node_modules/prettier/bin/prettier.cjs'),
      '--check',
      '--log-level',
      'warn',
      '.',
    ]);
  }
  if (!onlyStatic) {
    const allFiles = listTests(join(root, 'test'));
    let emulators: Emulators | undefined;
    try {
      for (const tier of TIERS) {
        if (wantedTiers.length > 0 && !wantedTiers.includes(tier.name)) continue;
        const files = allFiles.filter((f) => tierOf(f) === tier);
        if (files.length === 0) continue;
        say(`\n▶ tier ${tier.name}: ${tier.description} (${files.length} files)`);
        const missing = missingTools(tier);
        if (missing.length > 0) {
          say(`  SKIPPED tier ${tier.name}: missing ${missing.join('; ')}`);
          totals.skipped += files.length;
          if (ci) failures.push(`${tier.name}: skipped (CI=true requires every tier)`);
          continue;
        }
        const env: NodeJS.ProcessEnv = { ...process.env, METADATA_SERVER_DETECTION: 'none' };
        if (tier.emulators) {
          emulators ??= await emulatorsFromEnvOrStart();
          env['FIRESTORE_EMULATOR_HOST'] = emulators.firestoreHost;
          env['STORAGE_EMULATOR_HOST'] = emulators.storageHost;
        }
        await runAva(tier, files, env);
      }
    } finally {
      await emulators?.stop();
    }
  }
  if (failures.length > 0) {
    say('\nProblems:');
    for (const f of failures) say(`  - ${f}`);
  }
  const skipped = totals.skipped > 0 ? `, ${totals.skipped} skipped` : '';
  say(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
  process.exitCode = totals.failed > 0 || (ci && totals.skipped > 0) ? 1 : 0;
}

main().catch((error: unknown) => {
  say(`test runner crashed: ${error instanceof Error ? error.stack : String(error)}`);
  say(`\n${totals.passed} passed, ${totals.failed + 1} failed`);
  process.exitCode = 1;
});
