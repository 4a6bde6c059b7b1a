/**
 * The container's entrypoint (`node dist/server/supervisor/main.js`, under tini): starts the
 * backend, then the frontend once the backend is ready, restarts crashes with backoff, gives up
 * on a crash loop (exit 1) so Cloud Run replaces the instance, forwards the children's logs, and
 * on SIGTERM stops everything inside Cloud Run's 10 seconds. See docs/supervisor.md.
 *
 * Exit codes: 0 stopped cleanly after SIGTERM/SIGINT; 1 gave up on a crash loop, or had to
 * SIGKILL something to stop; 78 invalid supervisor settings, or a child exited 78 (its config).
 */
import { pino } from 'pino';
import { readEnvironment } from '../config/environment.ts';
import { parsePort } from '../config/parse.ts';
import { SERVICE_SECRETS } from '../config/secrets.ts';
import { LOG_LEVELS, VARIABLES } from '../config/variables.ts';
import { createLogger } from '../logging/logger.ts';
import { scrubbingStream } from '../logging/redact.ts';
import { policyFromEnv } from './policy.ts';
import { parseProcessList, serviceProcesses, type ProcessSpec } from './processes.ts';
import { EXIT_CONFIG, EXIT_FAILURE } from './protocol.ts';
import { Runner } from './runner.ts';

process.title = 'elevendops-supervisor';

const env = readEnvironment();
const out = pino.destination({ dest: 1, sync: true });
const secretValues = SERVICE_SECRETS.map((s) => env[s.env]).filter(
  (v): v is string => typeof v === 'string' && v !== '',
);
const level = (LOG_LEVELS as readonly string[]).includes(env['LOG_LEVEL'] ?? '')
  ? env['LOG_LEVEL']!
  : 'info';
const serviceContext = {
  service: env['K_SERVICE'] ?? 'elevendops',
  ...(env['K_REVISION'] ? { version: env['K_REVISION'] } : {}),
};
const logger = createLogger({
  component: 'supervisor',
  level,
  serviceContext,
  secretValues,
  destination: out,
});
// Children's entries go through the same secret scrubber as our own lines.
const childOutput = scrubbingStream(out, secretValues);

function configError(message: string): never {
  logger.error({ exitCode: EXIT_CONFIG }, `invalid supervisor configuration: ${message}`);
  process.exit(EXIT_CONFIG);
}

function port(name: 'PORT' | 'BACKEND_PORT'): number {
  const raw = env[name]?.trim() || VARIABLES[name].default;
  const parsed = parsePort(raw);
  if (!parsed.ok) configError(`${name} (${JSON.stringify(raw)}) ${parsed.reason}`);
  return parsed.value;
}

function processList(): ProcessSpec[] {
  const custom = env['SUPERVISOR_PROCESSES'];
  if (custom !== undefined && custom.trim() !== '') {
    try {
      return parseProcessList(custom);
    } catch (error) {
      configError((error as Error).message);
    }
  }
  return serviceProcesses({
    port: port('PORT'),
    backendPort: port('BACKEND_PORT'),
    backendHost: env['BACKEND_HOST']?.trim() || VARIABLES.BACKEND_HOST.default,
  });
}

const policy = policyFromEnv(env);
if (!policy.ok) configError(policy.problems.map((p) => p.message).join('; '));
const processes = processList();

if (process.pid === 1) {
  // Node reaps only the children it spawned (libuv waits on known pids, never waitpid(-1)), so
  // orphans re-parented to us would stay zombies. Everything else works: signals are handled.
  logger.warn(
    { pid: process.pid },
    'running as PID 1 without an init: orphaned grandchildren will not be reaped; run under tini (ENTRYPOINT ["/usr/bin/tini","--"])',
  );
}

const runner = new Runner({
  processes,
  policy: policy.policy,
  logger,
  serviceContext,
  output: (entry) => void childOutput.write(`${entry}\n`),
});

for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => runner.signal(signal));

// A supervisor bug must not leave detached children running with nobody watching them.
process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'supervisor crashed: killing every child process group');
  for (const pid of Object.values(runner.pids())) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  process.exit(EXIT_FAILURE);
});

logger.info(
  {
    pid: process.pid,
    processes: processes.map((p) => p.name),
    policy: policy.policy,
  },
  `supervisor starting ${processes.map((p) => p.name).join(', ')}`,
);
const code = await runner.run();
process.exit(code);
