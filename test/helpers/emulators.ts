/**
 * Starts the two emulators the real Google clients are tested against: Google's own Firestore
 * emulator (`gcloud emulators firestore start`) and fake-gcs-server. Both bind 127.0.0.1 on a
 * free port and are stopped by process group. `npm test` starts them once per run and passes
 * FIRESTORE_EMULATOR_HOST / STORAGE_EMULATOR_HOST to the tests; a test run on its own starts
 * its own through `emulatorsFromEnvOrStart()`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from './net.ts';

export interface RunningEmulator {
  /** FIRESTORE_EMULATOR_HOST form (host:port) or STORAGE_EMULATOR_HOST form (http URL). */
  readonly host: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** SIGTERM to the child's whole process group, SIGKILL 3 s later if it is still there. */
export function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined)
      return resolve();
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

function startDetached(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  (child as ChildProcess & { stderrText: () => string }).stderrText = () => stderr;
  return child;
}

export async function startFirestoreEmulator(port?: number): Promise<RunningEmulator> {
  const p = port ?? (await freePort());
  const child = startDetached('gcloud', [
    'emulators',
    'firestore',
    'start',
    `--host-port=127.0.0.1:${p}`,
    '--quiet',
  ]);
  const url = `http://127.0.0.1:${p}/`;
  await waitFor(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`Firestore emulator exited with ${child.exitCode}`);
      const res = await fetch(url);
      return res.ok;
    },
    60_000,
    `Firestore emulator on ${url}`,
  );
  // The emulator answers `/` long before it has warmed up: its first document request takes
  // 4-6 s of JVM warm-up (more on a loaded machine), which would eat a test's first deadline.
  // Pay that once here with one real read (404: the document does not exist).
  await waitFor(
    async () => {
      const res = await fetch(`${url}v1/projects/warm-up/databases/(default)/documents/warm/up`, {
        headers: { Authorization: 'Bearer owner' },
        signal: AbortSignal.timeout(60_000),
      });
      return res.status === 404 || res.ok;
    },
    120_000,
    `Firestore emulator warm-up on ${url}`,
  );
  return { host: `127.0.0.1:${p}`, pid: child.pid, stop: () => stopGroup(child) };
}

export function fakeGcsBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v fake-gcs-server'], { encoding: 'utf8' }).trim();
  } catch {
    const gopath = execFileSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).trim();
    const candidate = join(gopath, 'bin', 'fake-gcs-server');
    if (existsSync(candidate)) return candidate;
    throw new Error(
      'fake-gcs-server not found: go install github.com/fsouza/fake-gcs-server@latest',
    );
  }
}

export async function startFakeGcs(port?: number): Promise<RunningEmulator> {
  const p = port ?? (await freePort());
  const base = `http://127.0.0.1:${p}`;
  const child = startDetached(fakeGcsBinary(), [
    '-scheme',
    'http',
    '-host',
    '127.0.0.1',
    '-port',
    String(p),
    '-backend',
    'memory',
    '-public-host',
    `127.0.0.1:${p}`,
    '-external-url',
    base,
    '-log-level',
    'error',
  ]);
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`fake-gcs-server exited with ${child.exitCode}`);
      const res = await fetch(`${base}/storage/v1/b`);
      return res.ok;
    },
    20_000,
    `fake-gcs-server on ${base}`,
  );
  return { host: base, pid: child.pid, stop: () => stopGroup(child) };
}

export interface Emulators {
  readonly firestoreHost: string;
  readonly storageHost: string;
  /** Stops them if this call started them; a no-op when they came from the environment. */
  stop(): Promise<void>;
}

/** The emulators named by the environment (set by `npm test`), or fresh ones. */
export async function emulatorsFromEnvOrStart(): Promise<Emulators> {
  const firestoreHost = process.env['FIRESTORE_EMULATOR_HOST'];
  const storageHost = process.env['STORAGE_EMULATOR_HOST'];
  if (firestoreHost && storageHost) return { firestoreHost, storageHost, stop: async () => {} };
  const [firestore, storage] = await Promise.all([startFirestoreEmulator(), startFakeGcs()]);
  return {
    firestoreHost: firestore.host,
    storageHost: storage.host,
    stop: async () => {
      await Promise.all([firestore.stop(), storage.stop()]);
    },
  };
}
