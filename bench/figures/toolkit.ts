/** The toolkit's own figures: `npm run synth` wall time and validator throughput. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { msBetween } from '../lib/proc.ts';
import { repoRoot } from '../lib/service.ts';

/** Runs `npm run synth` once; resolves with its wall time, rejects with its output on failure. */
export function synthOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('npm', ['run', '--silent', 'synth'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = msBetween(t0, process.hrtime.bigint());
      if (code === 0) resolve(ms);
      else
        reject(
          new Error(
            `npm run synth exited ${code}: ${output.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}

/** Knative Service manifests to validate: our synthesized ones and the shared corpus when present. */
export function manifestTexts(): string[] {
  const files: string[] = [];
  for (const f of ['dist/cloudrun/service.yaml', 'dist/knative/service.yaml']) {
    const p = path.join(repoRoot, f);
    if (existsSync(p)) files.push(p);
  }
  const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus', 'cloudrun-accepted');
  if (existsSync(corpus)) {
    for (const f of readdirSync(corpus).sort()) {
      if (/\.ya?ml$/.test(f)) files.push(path.join(corpus, f));
    }
  }
  return files.map((f) => readFileSync(f, 'utf8'));
}

type ValidateYamlText = (text: string, opts: { target: 'cloudrun' | 'knative' }) => unknown[];

/**
 * Manifests validated per second by `validateYamlText` (parsing included, as the CLI does), over
 * `seconds` of repeated passes over `texts`.
 */
export async function validatorThroughput(texts: readonly string[], seconds = 2): Promise<number> {
  if (texts.length === 0)
    throw new Error('no manifests to validate (run npm run synth, or provide ../shared/corpus)');
  const mod = (await import(path.join(repoRoot, 'validator/index.ts'))) as {
    validateYamlText?: ValidateYamlText;
  };
  const validate = mod.validateYamlText;
  if (typeof validate !== 'function')
    throw new Error('validator/index.ts exports no validateYamlText');
  const docsPerText = texts.map((t) => parseAllDocuments(t).length);
  // Warm up once (module init, JIT).
  for (const t of texts) validate(t, { target: 'cloudrun' });
  let docs = 0;
  const t0 = process.hrtime.bigint();
  const until = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < until) {
    for (let i = 0; i < texts.length; i++) {
      validate(texts[i]!, { target: 'cloudrun' });
      docs += docsPerText[i]!;
    }
    now = process.hrtime.bigint();
  }
  return docs / (msBetween(t0, now) / 1000);
}
