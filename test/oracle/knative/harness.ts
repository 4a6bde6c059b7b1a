/**
 * The Knative oracle harness (main.go next to this file) as a function: build it once per
 * output path (only when its sources are newer than the binary) and run it over documents.
 * Building is asynchronous so ava's timers keep running; callers give the first build a long
 * `t.timeout` (a cold build downloads and compiles knative.dev/serving: about 5 minutes here).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const HARNESS_DIR = new URL('./', import.meta.url).pathname;
const ROOT = new URL('../../../', import.meta.url).pathname;

/** Where a test keeps its binary; separate names keep concurrent builds from racing on one file. */
export function oracleBinary(name: string): string {
  return join(ROOT, '.tmp', name);
}

export interface Verdict {
  readonly index: number;
  readonly ok: boolean;
  readonly errors: readonly string[];
  readonly warnings?: readonly string[];
}

export async function buildOracle(binary: string): Promise<void> {
  const sources = ['main.go', 'go.mod', 'go.sum'].map(
    (f) => statSync(join(HARNESS_DIR, f)).mtimeMs,
  );
  if (existsSync(binary) && statSync(binary).mtimeMs > Math.max(...sources)) return;
  mkdirSync(dirname(binary), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    execFile(
      'go',
      ['build', '-o', binary, '.'],
      {
        cwd: HARNESS_DIR,
        env: { ...process.env, GOFLAGS: '-mod=readonly' },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`go build of the Knative oracle failed:\n${stderr}`)) : resolve(),
    );
  });
}

/** Knative's verdict on each document (sent as JSON, one per YAML document), in order. */
export function runOracle(binary: string, docs: readonly unknown[]): Promise<Verdict[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(binary, [], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${error.message}\n${stderr}`));
      resolve(
        stdout
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Verdict),
      );
    });
    child.stdin!.end(docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  });
}
