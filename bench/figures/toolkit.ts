/** The toolkit's own figures: `npm run synth` wall time and validator throughput. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { msBetween } from '../lib/proc.ts';
import { repoRoot } from '../lib/service.ts';

const GNU_TIME = '/usr/bin/time';

/**
 * Runs `npm run synth` once; resolves with its wall time (and its CPU time when GNU time is
 * installed), rejects with its output on failure.
 */
export function synthOnce(scratch: string): Promise<{ wallMs: number; cpuMs: number | undefined }> {
  const cpuFile = path.join(scratch, `synth-cpu-${process.hrtime.bigint()}.txt`);
  const timed = existsSync(GNU_TIME);
  const [command, args] = timed
    ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, 'npm', 'run', '--silent', 'synth']]
    : ['npm', ['run', '--silent', 'synth']];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = msBetween(t0, process.hrtime.bigint());
      if (code !== 0) {
        reject(
          new Error(
            `npm run synth exited ${code}: ${output.trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
        return;
      }
      let cpuMs: number | undefined;
      if (timed) {
        const [user, sys] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number);
        if (Number.isFinite(user) && Number.isFinite(sys)) cpuMs = (user! + sys!) * 1000;
      }
      resolve({ wallMs, cpuMs });
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
 * `seconds` of repeated passes over `texts`: per wall-clock second and per CPU second.
 */
export async function validatorThroughput(
  texts: readonly string[],
  seconds = 2,
): Promise<{ perS: number; perCpuS: number }> {
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
  const cpu0 = process.cpuUsage();
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
  const cpu = process.cpuUsage(cpu0);
  // Per CPU-second too: on a shared machine the wall-clock rate is also a measure of the neighbours.
  return {
    perS: docs / (msBetween(t0, now) / 1000),
    perCpuS: docs / ((cpu.user + cpu.system) / 1e6),
  };
}
