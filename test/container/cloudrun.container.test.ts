/**
 * The container tier: Dockerfile.cloudrun really built (on a registry-free Node 22 base, with
 * only the base-image arguments overridden) and really run with podman the way Cloud Run runs a
 * revision of dist/cloudrun/service.yaml. The steps share one image and one container, so they
 * run in order; each is its own test so progress is reported as it happens.
 *
 * Emulators: the tier runner starts Google's Firestore emulator and fake-gcs-server on the host's
 * 127.0.0.1. The container has its own network namespace and reaches them at 10.0.2.2
 * (slirp4netns allow_host_loopback), and runs as APP_ENV=staging because production refuses
 * emulator hosts; everything else comes from the manifest (see scripts/container/local-env.ts).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { emulatorsFromEnvOrStart, type Emulators } from '../helpers/emulators.ts';
import { freePort, waitFor } from '../helpers/net.ts';
import {
  readRunSpec,
  startFromManifest,
  type StartedService,
} from '../../scripts/container/cloudrun-local.ts';
import type { RunSpec } from '../../scripts/container/manifest.ts';
import {
  buildImage,
  containerLogs,
  containerState,
  ensureBaseImage,
  imageSizes,
  podman,
  removeContainer,
  REPO_ROOT,
  run,
} from '../../scripts/container/podman.ts';
import {
  isLoopbackAddress,
  listenersOf,
  processTree,
  type ProcessInfo,
} from '../../scripts/container/proc.ts';
import { describeProbe, probeWindowMs, runProbe } from '../../scripts/container/probe.ts';
import { IMAGE_ENV } from '../../scripts/container/local-env.ts';
import { get, lightLoad } from './http.ts';

const TAG = 'localhost/elevendops:container-test';
const NAME = `elevendops-container-test-${process.pid}`;
const APP_UID = 10001;
const APP_LAYER_BUDGET = 60 * 1000 * 1000;

const state: {
  base?: string;
  built?: boolean;
  spec?: RunSpec;
  emulators?: Emulators;
  service?: StartedService;
  /** Host port of the `cloudrun-kit local` step (its container is named after it). */
  cliPort?: number;
} = {};

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function say(line: string): void {
  // Printed in the tier's output (not only in ava's log) so CI logs show the figures.
  process.stdout.write(`# ${line}\n`);
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is not available (an earlier step failed)`);
  return value;
}

async function tree(): Promise<ProcessInfo[]> {
  const s = await containerState(need(state.service, 'the container').id);
  if (!s.running) throw new Error(`the container is not running (exit ${s.exitCode})`);
  return processTree(s.pid);
}

/** Node's process.title replaces the whole command line: match it exactly or as the first word. */
const isTitled = (title: string) => (p: ProcessInfo) =>
  p.command === title || p.command.startsWith(`${title} `);

test.after.always(async () => {
  if (state.service) {
    const logs = await containerLogs(state.service.id, 40).catch(() => '');
    if (process.env['ELEVENDOPS_CONTAINER_LOGS'] === '1') say(`container logs:\n${logs}`);
    await state.service.remove();
  }
  // The CLI removes its own container; this only matters if it was killed half-way.
  if (state.cliPort !== undefined) await removeContainer(`elevendops-local-${state.cliPort}`);
  await state.emulators?.stop();
});

test.serial('the registry-free Node 22 base image is built once and cached', async (t) => {
  t.timeout(10 * 60_000); // a deadline for a cold, loaded machine, not an expectation
  const started = Date.now();
  state.base = await ensureBaseImage();
  t.regex(state.base, /^localhost\/elevendops-node-base:[0-9a-f]{16}$/);
  const again = Date.now();
  t.is(await ensureBaseImage(), state.base, 'the same recipe gives the same cached image');
  say(
    `base image ${state.base} (${Date.now() - started} ms; cached lookup ${Date.now() - again} ms)`,
  );
});

test.serial(
  'Dockerfile.cloudrun builds unchanged on it; the image is shaped as specified',
  async (t) => {
    t.timeout(15 * 60_000);
    const base = need(state.base, 'the base image');
    const started = Date.now();
    // Only the base-image arguments are overridden: the Dockerfile is built as CI builds it.
    await buildImage({ tag: TAG, baseImage: base });
    state.built = true;
    say(`podman build -f Dockerfile.cloudrun: ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const [info] = JSON.parse(await podman(['image', 'inspect', TAG])) as {
      Architecture: string;
      Config: {
        User?: string;
        Entrypoint?: string[];
        Cmd?: string[];
        Env?: string[];
        ExposedPorts?: Record<string, unknown>;
        Labels?: Record<string, string>;
        Healthcheck?: unknown;
        WorkingDir?: string;
      };
    }[];
    const config = info!.Config;
    t.is(info!.Architecture, 'amd64', 'linux/amd64 is what Cloud Run runs');
    t.is(config.User, `${APP_UID}:${APP_UID}`);
    t.deepEqual(config.Entrypoint, ['/usr/bin/tini', '--']);
    t.deepEqual(config.Cmd, ['node', 'dist/server/supervisor/main.js']);
    t.is(config.WorkingDir, '/app');
    t.deepEqual(Object.keys(config.ExposedPorts ?? {}), ['8080/tcp']);
    t.is(config.Healthcheck, undefined, 'Cloud Run ignores HEALTHCHECK: none is declared');
    for (const [name, value] of Object.entries(IMAGE_ENV))
      t.true(config.Env?.includes(`${name}=${value}`), `image env has ${name}=${value}`);
    // The OCI labels exist; their values are the OCI_SOURCE / OCI_REVISION build arguments.
    t.true(config.Labels !== undefined && 'org.opencontainers.image.revision' in config.Labels);
    t.true(config.Labels !== undefined && 'org.opencontainers.image.source' in config.Labels);

    // Only the app is in the app layer: no sources, tests or dev tools.
    const listing = await run('podman', [
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'node',
      TAG,
      '-e',
      "const fs=require('fs');console.log(JSON.stringify({app:fs.readdirSync('/app').sort(),dist:fs.readdirSync('/app/dist').sort(),dev:['typescript','tsx','ava','eslint','vite','cdk8s-plus-27'].filter(p=>fs.existsSync('/app/node_modules/'+p)),curl:fs.existsSync('/usr/bin/curl')}))",
    ]);
    t.is(listing.code, 0, listing.stderr);
    const seen = JSON.parse(listing.stdout) as {
      app: string[];
      dist: string[];
      dev: string[];
      curl: boolean;
    };
    t.deepEqual(seen.app, ['dist', 'node_modules', 'package.json']);
    t.deepEqual(seen.dist, ['server', 'ui']);
    t.deepEqual(seen.dev, [], 'no dev or chart tooling in the image');
    t.false(seen.curl, 'no curl in the image');

    const sizes = await imageSizes(TAG);
    say(
      `image size ${mb(sizes.image)}, app layer ${mb(sizes.appLayer)} (budget ${mb(APP_LAYER_BUDGET)})`,
    );
    t.log(`image ${mb(sizes.image)}, app layer ${mb(sizes.appLayer)}`);
    t.true(Number.isFinite(sizes.appLayer), 'the app layer is found in podman history');
    t.true(sizes.appLayer <= APP_LAYER_BUDGET, `app layer ${mb(sizes.appLayer)} is within budget`);
  },
);

test.serial(
  "the manifest's startup probe succeeds within its window, polled as declared",
  async (t) => {
    t.timeout(6 * 60_000);
    need(state.built, 'the image');
    const synth = spawnSync(
      process.execPath,
      ['--import=tsx', join(REPO_ROOT, 'scripts', 'synth.ts')],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    t.is(synth.status, 0, `npm run synth: ${synth.stderr}${synth.stdout}`);
    const spec = (state.spec = readRunSpec(join(REPO_ROOT, 'dist', 'cloudrun', 'service.yaml')));
    state.emulators = await emulatorsFromEnvOrStart();
    say(`startup probe: ${describeProbe(spec.startupProbe)}; memory ${spec.memory}`);

    state.service = await startFromManifest({
      spec,
      image: TAG,
      name: NAME,
      hostPort: await freePort(),
      emulators: {
        firestoreHost: state.emulators.firestoreHost,
        storageHost: state.emulators.storageHost,
      },
      secretSource: Object.fromEntries(spec.secretEnv.map((s) => [s.name, `test-${s.secretName}`])),
      onAttempt: (a) =>
        say(
          `  probe #${a.n} at ${(a.atMs / 1000).toFixed(1)} s: ${a.ok ? 'ok' : 'fail'} (${a.detail})`,
        ),
    });
    const { startup } = state.service;
    if (startup.verdict !== 'succeeded') t.log(await containerLogs(state.service.id));
    t.is(startup.verdict, 'succeeded', startup.abortedBecause ?? 'startup probe failed');
    t.true(startup.elapsedMs <= probeWindowMs(spec.startupProbe), 'within the probe window');
    say(
      `ready after ${(startup.elapsedMs / 1000).toFixed(1)} s, probe attempt #${startup.attempts.length}`,
    );

    // Cloud Run's contract reached the process: PORT, K_* and the memory limit.
    const env = state.service.env;
    t.is(env['PORT'], String(spec.port));
    t.is(env['K_SERVICE'], spec.service);
    t.is(env['K_REVISION'], spec.revision);
    t.is(env['K_CONFIGURATION'], spec.configuration);
    const memory = await podman([
      'inspect',
      '--format',
      '{{.HostConfig.Memory}}',
      state.service.id,
    ]);
    t.is(Number(memory), spec.memoryBytes);
  },
);

test.serial('every process runs as the fixed non-root UID, under tini as PID 1', async (t) => {
  const processes = await tree();
  t.true(processes.length >= 4, processes.map((p) => p.command).join('\n'));
  for (const p of processes) t.is(p.uid, APP_UID, `${p.command} runs as ${p.uid}`);
  t.regex(processes[0]!.command, /^\/usr\/bin\/tini -- node dist\/server\/supervisor\/main\.js/);
  const rss = processes.reduce((sum, p) => sum + p.rssBytes, 0);
  say(
    `resident memory of the container's processes: ${mb(rss)} (limit ${need(state.spec, 'spec').memory})`,
  );
  for (const title of ['elevendops-supervisor', 'elevendops-backend', 'elevendops-frontend'])
    t.true(processes.some(isTitled(title)), `${title} is running`);
});

test.serial('the UI and /api/health answer on $PORT; the liveness probe passes', async (t) => {
  const { url } = need(state.service, 'the container');
  const page = await get(`${url}/`);
  t.is(page.status, 200);
  t.regex(page.contentType, /text\/html/);
  t.regex(page.body, /<html/i);
  const health = await get(`${url}/api/health`);
  t.is(health.status, 200, health.body);
  t.regex(health.contentType, /application\/json/);
  const body = JSON.parse(health.body) as Record<string, unknown>;
  t.log(health.body);
  const spec = need(state.spec, 'spec');
  if (spec.livenessProbe) {
    // Cloud Run starts liveness probes once the startup probe passed: the first must pass too.
    const liveness = await runProbe(
      { ...spec.livenessProbe, initialDelaySeconds: 0, failureThreshold: 1 },
      { port: Number(new URL(url).port) },
    );
    t.is(liveness.verdict, 'succeeded', liveness.attempts.map((a) => a.detail).join(', '));
  }
  if (typeof body['version'] === 'string')
    t.is(body['version'], spec.revision, 'K_REVISION is the version');
});

test.serial('nothing listens on a non-loopback address except $PORT', async (t) => {
  const spec = need(state.spec, 'spec');
  const s = await containerState(need(state.service, 'the container').id);
  const listeners = listenersOf(s.pid);
  t.log(listeners.map((l) => `${l.address}:${l.port}`).join(', '));
  t.true(
    listeners.some((l) => l.port === spec.port),
    `something listens on $PORT ${spec.port}`,
  );
  t.true(
    listeners.some((l) => l.port === 8000 && isLoopbackAddress(l.address)),
    'the backend listens on loopback',
  );
  const exposed = listeners.filter((l) => !isLoopbackAddress(l.address) && l.port !== spec.port);
  t.deepEqual(exposed, [], 'no other port is reachable from outside the container');
});

test.serial('killing the backend leaves no zombie and the service recovers', async (t) => {
  t.timeout(3 * 60_000);
  const { url } = need(state.service, 'the container');
  const backend = (await tree()).find(isTitled('elevendops-backend'));
  if (!backend) return t.fail('no backend process');
  process.kill(backend.pid, 'SIGKILL');
  const killedAt = Date.now();
  let recovered: ProcessInfo | undefined;
  await waitFor(
    async () => {
      const processes = await tree();
      recovered = processes.find(
        (p) => isTitled('elevendops-backend')(p) && p.pid !== backend.pid && p.state !== 'Z',
      );
      if (!recovered) return false;
      const health = await get(`${url}/api/health`, 5_000);
      return health.status === 200 && processes.every((p) => p.state !== 'Z');
    },
    120_000,
    'a new healthy backend and no zombie',
    200,
  );
  say(
    `backend killed -> healthy through $PORT again after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
  );
  const processes = await tree();
  t.deepEqual(
    processes.filter((p) => p.state === 'Z').map((p) => p.command),
    [],
    'no zombie',
  );
  t.false(
    processes.some((p) => p.pid === backend.pid),
    'the killed backend was reaped',
  );
  t.truthy(recovered);
  t.true(processes.every((p) => p.uid === APP_UID));
});

test.serial(
  '`cloudrun-kit local --check` runs the image from the manifest and reports ready',
  async (t) => {
    t.timeout(4 * 60_000);
    need(state.built, 'the image');
    const emulators = need(state.emulators, 'the emulators');
    const port = (state.cliPort = await freePort());
    const r = await run(
      process.execPath,
      [
        join(REPO_ROOT, 'bin', 'cloudrun-kit.js'),
        'local',
        '--image',
        TAG,
        '--check',
        '--port',
        String(port),
      ],
      {
        env: {
          ...process.env,
          FIRESTORE_EMULATOR_HOST: emulators.firestoreHost,
          STORAGE_EMULATOR_HOST: emulators.storageHost,
        },
      },
    );
    t.is(r.code, 0, `${r.stdout}${r.stderr}`);
    t.regex(r.stdout, /probe #1 at /);
    t.regex(r.stdout, /ready: startup probe passed after/);
    t.regex(r.stdout, /stopped in [0-9.]+ s with exit code 0/);
  },
);

test.serial(
  'podman stop -t 10 under light load: exit 0 within 10 s, no accepted request fails',
  async (t) => {
    t.timeout(3 * 60_000);
    const service = need(state.service, 'the container');
    const load = lightLoad(service.url, ['/api/health', '/', '/api/health']);
    await waitFor(
      async () => load.records.filter((r) => r.status === 200).length >= 30,
      60_000,
      'warm-up requests',
    );
    const stopAt = Date.now();
    const stop = await run('podman', ['stop', '-t', '10', service.id]);
    const stopMs = Date.now() - stopAt;
    await load.stop();
    const after = await containerState(service.id);
    const accepted = load.records.filter((r) => r.startedAt < stopAt);
    const failed = accepted.filter((r) => r.status < 200 || r.status >= 300);
    const inFlight = accepted.filter((r) => r.endedAt >= stopAt).length;
    say(
      `podman stop -t 10: ${stopMs} ms, exit code ${after.exitCode}; ${accepted.length} requests before the stop (${inFlight} still in flight when it began), ${failed.length} failed; ${load.records.length - accepted.length} after`,
    );
    if (after.exitCode !== 0 || failed.length > 0) t.log(await containerLogs(service.id, 40));
    t.is(stop.code, 0, stop.stderr);
    t.is(after.exitCode, 0, 'the supervisor drained and exited 0 (not SIGKILLed: 137)');
    t.true(stopMs < 10_000, `stopped in ${stopMs} ms`);
    t.deepEqual(
      failed.map((r) => `${r.path}: ${r.status || r.error}`),
      [],
    );
    t.true(accepted.length >= 30);
  },
);
