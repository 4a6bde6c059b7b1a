/**
 * `npm start`: builds the service (`npm run build`), then runs it locally through the supervisor
 * (`node dist/server/supervisor/main.js`, the container's own entrypoint) on the embedded defaults:
 * no cloud, no Docker. Prints the URL once the supervisor reports every process ready. PORT is
 * honoured (default 8080).
 *
 * Options: --no-build (use the existing dist/), --json (raw log lines even on a terminal),
 * --emulators (Google's Firestore emulator and fake-gcs-server, as `skaffold dev` runs them,
 * supervised before the service instead of the embedded storage; needs gcloud and Go's
 * fake-gcs-server installed).
 * Ctrl-C stops the service gracefully; a second Ctrl-C kills it at once.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { serviceProcesses, withEmulators } from '../server/supervisor/processes.ts';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const port = process.env['PORT']?.trim() || '8080';
const supervisorMain = join(root, 'dist/server/supervisor/main.js');

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

if (!args.includes('--no-build')) {
  say('npm start: building (npm run build)…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    say(`npm start: the build failed (exit ${build.status ?? build.signal}); nothing started`);
    process.exit(build.status ?? 1);
  }
}
if (!existsSync(supervisorMain)) {
  say(`npm start: ${supervisorMain} is missing; run without --no-build`);
  process.exit(1);
}

/** Resolves with an error message when something already listens on host:port. */
function portTaken(host: string, portNumber: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'EADDRINUSE' ? `port ${portNumber} is already in use` : undefined),
    );
    server.listen(portNumber, host, () => server.close(() => resolve(undefined)));
  });
}

// A busy port would only show up as a crash loop ending in "giving up": say it plainly first.
const backendPort = Number(process.env['BACKEND_PORT']?.trim() || '8000');
for (const [what, host, n, variable] of [
  ['the web server', '0.0.0.0', Number(port), 'PORT'],
  ['the API backend', '127.0.0.1', backendPort, 'BACKEND_PORT'],
] as const) {
  const problem = Number.isInteger(n) ? await portTaken(host, n) : undefined;
  if (problem !== undefined) {
    say(
      `npm start: ${problem} (${what}); stop what uses it or set ${variable}, e.g. ${variable}=${n + 1} npm start`,
    );
    process.exit(1);
  }
}

/** The port if free, else any free one (emulators need no fixed port: the backend is told). */
async function portOr(preferred: number): Promise<number> {
  if ((await portTaken('127.0.0.1', preferred)) === undefined) return preferred;
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function fakeGcsServer(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v fake-gcs-server'], { encoding: 'utf8' });
  if (onPath.status === 0) return onPath.stdout.trim();
  const gopath = spawnSync('go', ['env', 'GOPATH'], { encoding: 'utf8' }).stdout?.trim();
  const candidate = gopath ? join(gopath, 'bin', 'fake-gcs-server') : '';
  return candidate && existsSync(candidate) ? candidate : undefined;
}

const extraEnv: Record<string, string> = {};
if (args.includes('--emulators')) {
  const fakeGcs = fakeGcsServer();
  const gcloud = spawnSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8' });
  if (fakeGcs === undefined || gcloud.status !== 0) {
    say(
      'npm start --emulators needs gcloud (with the Firestore emulator) and fake-gcs-server (go install github.com/fsouza/fake-gcs-server@latest)',
    );
    process.exit(1);
  }
  const [firestorePort, storagePort] = [await portOr(8085), await portOr(4443)];
  const service = serviceProcesses({
    port: Number(port),
    backendPort,
    backendHost: process.env['BACKEND_HOST']?.trim() || '127.0.0.1',
    serverDir: join(root, 'dist/server'),
    extension: 'js',
  });
  const list = withEmulators(service, { firestorePort, storagePort, fakeGcsServer: fakeGcs });
  extraEnv['SUPERVISOR_PROCESSES'] = JSON.stringify(list);
  say(
    `npm start: Firestore emulator on 127.0.0.1:${firestorePort}, fake-gcs-server on 127.0.0.1:${storagePort}`,
  );
}

// Its own process group: a terminal Ctrl-C reaches us (and npm) but not the supervisor directly,
// so it receives exactly one stop signal per Ctrl-C, from us. Two would mean "kill at once".
const supervisor = spawn(process.execPath, [supervisorMain], {
  cwd: root,
  env: { ...process.env, PORT: port, ...extraEnv },
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true,
});

const pretty = process.stdout.isTTY && !args.includes('--json');
const SEVERITY_MARK: Record<string, string> = { WARNING: 'WARN', CRITICAL: 'CRIT' };

/** A terminal gets "10:42:01 backend  INFO  message"; pipes get the JSON unchanged. */
function show(line: string): void {
  if (!pretty) {
    process.stdout.write(`${line}\n`);
    return;
  }
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const text = (key: string, fallback: string) =>
      typeof entry[key] === 'string' ? entry[key] : fallback;
    const ts = entry['timestamp'] as { seconds?: number } | undefined;
    const time = new Date((ts?.seconds ?? Date.now() / 1000) * 1000).toTimeString().slice(0, 8);
    const severity = text('severity', 'INFO');
    const stack = typeof entry['stack_trace'] === 'string' ? `\n${entry['stack_trace']}` : '';
    process.stdout.write(
      `${time} ${text('component', '?').padEnd(10)} ${(SEVERITY_MARK[severity] ?? severity).padEnd(5)} ${text('message', '')}${stack}\n`,
    );
  } catch {
    process.stdout.write(`${line}\n`);
  }
}

let announced = false;
createInterface({ input: supervisor.stdout }).on('line', (line) => {
  show(line);
  if (!announced && line.includes('"all processes are ready"') && line.includes('"supervisor"')) {
    announced = true;
    say(`\n  ElevenDops is ready: http://localhost:${port}\n  (Ctrl-C to stop)\n`);
  }
});

// npm relays the terminal's SIGINT to us as well: one Ctrl-C can arrive twice within moments.
let lastForward = 0;
// A closed terminal (SIGHUP) stops the service too: the supervisor is in its own session.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (Date.now() - lastForward < 500) return;
    lastForward = Date.now();
    if (supervisor.exitCode === null) supervisor.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  });
}

supervisor.on('exit', (code, signal) => {
  if (code !== 0) say(`npm start: the supervisor exited with ${code ?? signal}`);
  process.exit(code ?? 1);
});
