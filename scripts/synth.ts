/**
 * `npm run synth`: synthesizes dist/cloudrun/service.yaml, dist/knative/service.yaml and
 * dist/local/*.yaml from charts/, runs the validator on the Knative Service files, and writes
 * them only when it finds no error. Offline; also the app `cdk8s synth` runs (cdk8s.yaml).
 *
 * Files whose content did not change are left untouched (same mtime), so `skaffold dev`, which
 * runs synth as a render hook and watches the manifests, does not loop on its own output.
 * Exit 0: written (or already up to date) and valid; 1: validator errors, nothing written;
 * 2: usage error or invalid deployment config.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidPropError } from '../charts/check-props.ts';
import { parseSynthArgs, SynthUsageError } from '../charts/synth-options.ts';
import { synthesize, type SynthFile } from '../charts/synth.ts';
import { validateSynthesized } from '../charts/validate-output.ts';

/** Writes what changed and removes files of ours that are no longer generated. */
function writeChanged(outDir: string, files: readonly SynthFile[]): number {
  let written = 0;
  const wanted = new Set(files.map((f) => join(outDir, f.path)));
  // Only our own subdirectories: dist/ also holds the compiled server and UI.
  for (const dir of new Set(files.map((f) => join(outDir, f.path.split('/')[0]!)))) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (!wanted.has(path)) rmSync(path, { recursive: true, force: true });
    }
  }
  for (const file of files) {
    const path = join(outDir, file.path);
    if (existsSync(path) && readFileSync(path, 'utf8') === file.text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
    written++;
  }
  return written;
}

async function main(): Promise<number> {
  const started = performance.now();
  let command;
  let result;
  try {
    command = parseSynthArgs(process.argv.slice(2), process.env);
    result = synthesize(command.options);
  } catch (error) {
    if (error instanceof SynthUsageError || error instanceof InvalidPropError) {
      console.error(`synth: ${error.message}`);
      return 2;
    }
    throw error;
  }
  for (const w of command.warnings) console.error(`synth: warning: ${w}`);

  let errors = 0;
  if (command.validate) {
    for (const file of result.files) {
      if (file.target === undefined) continue;
      const findings = validateSynthesized(file.text, file.target);
      for (const f of findings) {
        if (f.severity === 'error') errors++;
        console.error(
          `  ${join(command.outDir, file.path)}: ${f.severity} ${f.rule} at ${f.path || '(document)'}: ${f.message}`,
        );
      }
    }
  }
  if (errors > 0) {
    console.error(
      `synth: ${errors} validator error(s), nothing written; fix charts/ and run again`,
    );
    return 1;
  }

  const written = writeChanged(command.outDir, result.files);
  for (const file of result.files) console.log(`  ${join(command.outDir, file.path)}`);
  const ms = Math.round(performance.now() - started);
  console.log(
    `synth: ${result.files.length} files (${written} changed) in ${ms} ms${command.validate ? ', validated' : ', NOT validated'}`,
  );
  return 0;
}

process.exitCode = await main();
