/**
 * `cloudrun-kit local`: "will this start on Cloud Run?" answered on a laptop. Builds (or reuses,
 * through podman's layer cache) the image from Dockerfile.cloudrun, runs it the way Cloud Run
 * runs a revision of the synthesized manifest (its env and secrets, PORT and K_*, its memory
 * limit, its own network namespace), and polls the manifest's startup probe exactly as declared,
 * printing each attempt. Then it follows the logs until Ctrl-C and stops the container as Cloud
 * Run does (SIGTERM, SIGKILL after 10 s); `--check` stops right after the verdict.
 * `--no-container` runs the built app directly under the same env and probe.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  LOCAL_IMAGE_TAG,
  startFromManifest,
  prepareImage,
  readRunSpec,
} from '../scripts/container/cloudrun-local.ts';
import { containerEnv, type RunSpec } from '../scripts/container/manifest.ts';
import {
  IMAGE_ENV,
  localOverrides,
  localSecretValues,
  type EmulatorHosts,
} from '../scripts/container/local-env.ts';
import {
  containerState,
  hasPodman,
  PODMAN_INSTALL,
  REPO_ROOT,
  run,
} from '../scripts/container/podman.ts';
import {
  describeProbe,
  runProbe,
  type ProbeAttempt,
  type ProbeResult,
} from '../scripts/container/probe.ts';
import { parseCommandLine, UsageError, type Command } from './usage.ts';

const DEFAULT_MANIFEST = join(REPO_ROOT, 'dist', 'cloudrun', 'service.yaml');
/** sysexits.h EX_UNAVAILABLE: a tool this command needs is not installed. */
const EXIT_UNAVAILABLE = 69;

const usage = `Usage: cloudrun-kit local [--manifest FILE] [--port N] [--base local|official]
                          [--no-build | --image IMAGE] [--check] [--no-container]

  Build the image from Dockerfile.cloudrun and run it as Cloud Run would run the manifest
  (env, secrets, PORT, K_SERVICE/K_REVISION/K_CONFIGURATION, memory limit), printing the
  startup probe's progress. Then follow the logs until Ctrl-C (SIGTERM, SIGKILL after 10 s).

  --manifest      Knative Service to run (default: dist/cloudrun/service.yaml, synthesized
                  with \`npm run synth\` when missing)
  --port          host port on 127.0.0.1 for the ingress port (default: the manifest's, 8080)
  --base          local: build on a registry-free Node 22 base (debootstrap; default)
                  official: the Dockerfile's own node:22 base images (needs a registry)
  --no-build      run the existing image without building
  --image         run this image instead of building one
  --check         exit after the startup probe's verdict (0 ready, 1 not ready)
  --no-container  run the built app (dist/) directly under the same env and probe

  Emulators: FIRESTORE_EMULATOR_HOST / STORAGE_EMULATOR_HOST from this shell are passed on
  (APP_ENV=staging, since production refuses emulators); without them the service uses its
  embedded data backend under /tmp. Secrets come from this shell's variables of the same
  names, else placeholders.`;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function progress(attempt: ProbeAttempt): void {
  say(
    `  probe #${attempt.n} at ${(attempt.atMs / 1000).toFixed(1)} s: ${attempt.ok ? 'ok' : 'failed'} (${attempt.detail})`,
  );
}

function verdictLine(result: ProbeResult, spec: RunSpec): string {
  if (result.verdict === 'succeeded')
    return `ready: startup probe passed after ${(result.elapsedMs / 1000).toFixed(1)} s (attempt ${result.attempts.length} of up to ${spec.startupProbe.failureThreshold}); Cloud Run would route traffic now`;
  return `NOT ready: the startup probe failed${result.abortedBecause ? `: ${result.abortedBecause}` : ` after ${result.attempts.length} attempts`}; Cloud Run would not route traffic to this revision`;
}

function emulatorHosts(): EmulatorHosts {
  return {
    firestoreHost: process.env['FIRESTORE_EMULATOR_HOST']?.trim() || undefined,
    storageHost: process.env['STORAGE_EMULATOR_HOST']?.trim() || undefined,
  };
}

function ensureManifest(path: string): void {
  if (existsSync(path) || path !== DEFAULT_MANIFEST) return;
  say('synthesizing dist/cloudrun/service.yaml (npm run synth)');
  const synth = spawnSync('npm', ['run', '--silent', 'synth'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (synth.status !== 0) throw new Error('npm run synth failed');
}

/** Resolves when Ctrl-C (or SIGTERM) arrives. */
function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function runInContainer(
  spec: RunSpec,
  options: {
    port: number;
    base: 'local' | 'official';
    image: string | undefined;
    build: boolean;
    check: boolean;
  },
): Promise<number> {
  if (!hasPodman()) {
    process.stderr.write(
      `cloudrun-kit local: podman is not installed.\n  Install it: ${PODMAN_INSTALL}\n  (docs/container.md), or run the built app directly: cloudrun-kit local --no-container\n`,
    );
    return EXIT_UNAVAILABLE;
  }
  const tag = options.image ?? LOCAL_IMAGE_TAG;
  if (options.build && options.image === undefined) {
    say(
      `building ${tag} from Dockerfile.cloudrun (${options.base} base; podman's layer cache reuses what is unchanged)`,
    );
    const started = Date.now();
    await prepareImage({
      base: options.base,
      tag,
      onLine: (line) => {
        if (/^\[\d+\/\d+\] STEP|^STEP|^build-base-image:|^assemble-app:/.test(line))
          say(`  ${line.trim()}`);
      },
    });
    say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  say(
    `starting ${spec.service} (revision ${spec.revision}, memory ${spec.memory}) on http://127.0.0.1:${options.port}`,
  );
  say(`startup probe: ${describeProbe(spec.startupProbe)}`);
  const service = await startFromManifest({
    spec,
    image: tag,
    name: `elevendops-local-${options.port}`,
    hostPort: options.port,
    emulators: emulatorHosts(),
    secretSource: process.env,
    onAttempt: progress,
  });
  say(verdictLine(service.startup, spec));
  if (service.startup.verdict !== 'succeeded' || options.check) {
    await stopContainer(service.id);
    await service.remove();
    return service.startup.verdict === 'succeeded' ? 0 : 1;
  }
  say(`serving on ${service.url}  (logs follow; Ctrl-C stops it as Cloud Run would)`);
  const logs = spawn('podman', ['logs', '-f', '--since', '0', service.id], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await interrupted();
  logs.kill('SIGTERM');
  const code = await stopContainer(service.id);
  await service.remove();
  return code;
}

async function stopContainer(id: string): Promise<number> {
  const started = Date.now();
  await run('podman', ['stop', '-t', '10', id]);
  const state = await containerState(id).catch(() => undefined);
  const exit = state?.exitCode ?? 1;
  say(
    `stopped in ${((Date.now() - started) / 1000).toFixed(1)} s with exit code ${exit}${exit === 137 ? ' (SIGKILL: it did not stop within 10 s)' : ''}`,
  );
  return exit === 0 ? 0 : 1;
}

async function runDirectly(
  spec: RunSpec,
  options: { port: number; check: boolean },
): Promise<number> {
  const entry = join(REPO_ROOT, 'dist', 'server', 'supervisor', 'main.js');
  if (!existsSync(entry)) {
    say('building the app (npm run build)');
    const build = spawnSync('npm', ['run', '--silent', 'build'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    if (build.status !== 0) return 1;
  }
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    ...IMAGE_ENV,
    HOME: process.env['HOME'] ?? '/tmp',
    // Emulators and the host are on the same network here: no address rewriting.
    ...containerEnv(
      spec,
      localSecretValues(spec.secretEnv, process.env),
      localOverrides(emulatorHosts(), '127.0.0.1'),
    ),
    PORT: String(options.port),
  };
  say(
    `starting ${spec.service} without a container (revision ${spec.revision}) on http://127.0.0.1:${options.port}`,
  );
  say(`startup probe: ${describeProbe(spec.startupProbe)}`);
  const child = spawn(process.execPath, [entry], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', options.check ? 'ignore' : 'inherit', 'inherit'],
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `the supervisor exited with ${code ?? signal}`));
  const result = await runProbe(spec.startupProbe, {
    port: options.port,
    onAttempt: progress,
    isGone: async () => exited,
  });
  say(verdictLine(result, spec));
  if (result.verdict === 'succeeded' && !options.check)
    await Promise.race([interrupted(), new Promise((r) => child.once('exit', r))]);
  if (child.exitCode !== null || child.signalCode !== null)
    return result.verdict === 'succeeded' ? (child.exitCode ?? 1) : 1;
  const started = Date.now();
  const done = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const code = await done;
  clearTimeout(killer);
  say(
    `stopped in ${((Date.now() - started) / 1000).toFixed(1)} s with exit code ${code ?? 'SIGKILL'}`,
  );
  return result.verdict === 'succeeded' && code === 0 ? 0 : 1;
}

export const localCommand: Command = {
  name: 'local',
  summary: 'build the image and run it as Cloud Run would, with the startup probe (podman)',
  usage,
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      manifest: { type: 'string' },
      port: { type: 'string' },
      base: { type: 'string' },
      'no-build': { type: 'boolean' },
      image: { type: 'string' },
      check: { type: 'boolean' },
      'no-container': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      say(usage);
      return 0;
    }
    const base = values.base ?? 'local';
    if (base !== 'local' && base !== 'official')
      throw new UsageError(`--base must be local or official, not ${JSON.stringify(base)}`);
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(values.port) || port < 1 || port > 65535)
        throw new UsageError(
          `--port must be a port number (1-65535), not ${JSON.stringify(values.port)}`,
        );
    }
    const manifest = values.manifest ?? DEFAULT_MANIFEST;
    let spec: RunSpec;
    try {
      ensureManifest(manifest);
      spec = readRunSpec(manifest);
    } catch (error) {
      process.stderr.write(
        `cloudrun-kit local: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
    const check = values.check ?? false;
    try {
      if (values['no-container'])
        return await runDirectly(spec, { port: port ?? spec.port, check });
      return await runInContainer(spec, {
        port: port ?? spec.port,
        base,
        image: values.image,
        build: !values['no-build'],
        check,
      });
    } catch (error) {
      // Build and podman failures carry their own output tail: print it, not a stack.
      process.stderr.write(
        `cloudrun-kit local: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return 1;
    }
  },
};
