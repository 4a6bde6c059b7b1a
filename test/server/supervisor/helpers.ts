import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../../server/logging/logger.ts';
import { DEFAULT_POLICY, type Policy } from '../../../server/supervisor/policy.ts';
import type { ProcessSpec } from '../../../server/supervisor/processes.ts';
import { Runner } from '../../../server/supervisor/runner.ts';
import { captureLines } from '../../helpers/log-capture.ts';

export const FIXTURE = fileURLToPath(new URL('fixtures/child.mjs', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A fixture process; `env` holds its FIXTURE_* settings. */
export function fixture(
  name: string,
  stateDir: string,
  env: Record<string, string>,
  extra: Partial<ProcessSpec> = {},
): ProcessSpec {
  return {
    name,
    command: process.execPath,
    args: [FIXTURE],
    env: { FIXTURE_NAME: name, FIXTURE_STATE_DIR: stateDir, ...env },
    ...(env['FIXTURE_PORT']
      ? { readiness: { url: `http://127.0.0.1:${env['FIXTURE_PORT']}/api/health` } }
      : {}),
    ...extra,
  };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'supervisor-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Lines the fixtures appended to events.log: "<ms> <name> <what>". */
export function events(dir: string): { at: number; name: string; what: string }[] {
  let text: string;
  try {
    text = readFileSync(join(dir, 'events.log'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [at, name, ...rest] = line.split(' ');
      return { at: Number(at), name: name!, what: rest.join(' ') };
    });
}

/** A Runner over real processes with its own log and the children's entries captured. */
export function startRunner(processes: ProcessSpec[], policy: Partial<Policy> = {}) {
  const own = captureLines();
  const entries: string[] = [];
  const runner = new Runner({
    processes,
    policy: { ...DEFAULT_POLICY, ...policy },
    logger: createLogger({ component: 'supervisor', level: 'debug', destination: own }),
    output: (entry) => entries.push(entry),
  });
  const started = Date.now();
  const done = runner.run();
  return {
    runner,
    done,
    started,
    own: () => own.json(),
    messages: () => own.json().map((l) => String(l['message'])),
    entries,
  };
}

/** True when the process is gone or a zombie (zombies hold no resources and count as dead here). */
export function isDead(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
