/**
 * `npm run synth`: writes dist/cloudrun/service.yaml, dist/knative/service.yaml and
 * dist/local/*.yaml from charts/, then runs the validator on the Knative Service files and fails
 * on any error finding. Offline; also the app `cdk8s synth` runs (cdk8s.yaml).
 * Exit 0: written and valid; 1: validator errors (files are still written, for inspection);
 * 2: usage error or invalid deployment config.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InvalidPropError } from '../charts/check-props.ts';
import { parseSynthArgs, SynthUsageError } from '../charts/synth-options.ts';
import { synthesize } from '../charts/synth.ts';
import { validateSynthesized } from '../charts/validate-output.ts';

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

  // Replace only our own subdirectories: dist/ also holds the compiled server and UI.
  for (const dir of new Set(result.files.map((f) => f.path.split('/')[0]!))) {
    rmSync(join(command.outDir, dir), { recursive: true, force: true });
  }
  for (const file of result.files) {
    const path = join(command.outDir, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text);
    console.log(`  ${path}`);
  }

  let errors = 0;
  let validated = false;
  if (command.validate) {
    for (const file of result.files) {
      if (file.target === undefined) continue;
      const findings = await validateSynthesized(file.text, file.target);
      if (findings === undefined) {
        console.error('synth: warning: validator/index.ts not found, output not validated');
        break;
      }
      validated = true;
      for (const f of findings) {
        if (f.severity === 'error') errors++;
        console.error(
          `  ${join(command.outDir, file.path)}: ${f.severity} ${f.rule} at ${f.path}: ${f.message}`,
        );
      }
    }
  }
  const ms = Math.round(performance.now() - started);
  if (errors > 0) {
    console.error(`synth: ${errors} validator error(s); fix charts/ and run again`);
    return 1;
  }
  console.log(
    `synth: ${result.files.length} files in ${ms} ms${validated ? ', validated' : ', NOT validated'}`,
  );
  return 0;
}

process.exitCode = await main();
