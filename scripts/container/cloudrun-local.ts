/**
 * Runs the image the way Cloud Run runs a revision, from the synthesized manifest: the ingress
 * container's env and secrets, PORT / K_SERVICE / K_REVISION / K_CONFIGURATION, the memory
 * limit, its own network namespace with only $PORT published, then the startup probe exactly as
 * declared. Shared by the container tier and `cloudrun-kit local`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { containerEnv, runSpecFromManifest, type RunSpec } from './manifest.ts';
import {
  buildImage,
  containerLogs,
  ensureBaseImage,
  gitRevision,
  containerState,
  HOST_LOOPBACK_FROM_CONTAINER,
  removeContainer,
  runContainer,
} from './podman.ts';
import { localOverrides, localSecretValues, type EmulatorHosts } from './local-env.ts';
import { runProbe, type ProbeAttempt, type ProbeResult } from './probe.ts';

export function readRunSpec(manifestPath: string): RunSpec {
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch {
    throw new Error(`${manifestPath} not found: run \`npm run synth\` first`);
  }
  return runSpecFromManifest(parse(text));
}

export interface StartOptions {
  readonly spec: RunSpec;
  readonly image: string;
  readonly name: string;
  readonly hostPort: number;
  readonly emulators: EmulatorHosts;
  /** Where secret values come from (missing ones get placeholders). @default {} */
  readonly secretSource?: Readonly<Record<string, string | undefined>>;
  /** Extra env applied after the local overrides. @default {} */
  readonly extraEnv?: Readonly<Record<string, string>>;
  readonly onAttempt?: (attempt: ProbeAttempt) => void;
}

export interface StartedService {
  readonly id: string;
  readonly url: string;
  readonly env: Readonly<Record<string, string>>;
  readonly startup: ProbeResult;
  /** Stops and removes the container (cleanup; never throws). */
  remove(): Promise<void>;
}

/** Starts the container and runs its startup probe; resolves once the probe has a verdict. */
export async function startFromManifest(options: StartOptions): Promise<StartedService> {
  const { spec } = options;
  const env = containerEnv(spec, localSecretValues(spec.secretEnv, options.secretSource ?? {}), {
    ...localOverrides(options.emulators, HOST_LOOPBACK_FROM_CONTAINER),
    ...options.extraEnv,
  });
  await removeContainer(options.name);
  const id = await runContainer({
    image: options.image,
    name: options.name,
    hostPort: options.hostPort,
    containerPort: spec.port,
    env,
    memoryBytes: spec.memoryBytes,
  });
  const probe = spec.startupProbe;
  const probePort =
    probe.port === undefined || probe.port === spec.port ? options.hostPort : undefined;
  if (probePort === undefined) {
    // Only the ingress port is published (as on Cloud Run); a probe on another port cannot be
    // reached from outside the container.
    throw new Error(`startup probe port ${probe.port} is not the ingress port ${spec.port}`);
  }
  const startup = await runProbe(probe, {
    port: probePort,
    ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
    isGone: async () => {
      const state = await containerState(id).catch(() => undefined);
      if (state === undefined) return 'the container was removed';
      if (!state.running)
        return `the container exited with ${state.exitCode}${state.oomKilled ? ' (out of memory)' : ''}:\n${await containerLogs(id, 30)}`;
      return undefined;
    },
  });
  return {
    id,
    url: `http://127.0.0.1:${options.hostPort}`,
    env,
    startup,
    remove: () => removeContainer(id),
  };
}

export const LOCAL_IMAGE_TAG = 'localhost/elevendops:local';

export interface PrepareOptions {
  /**
   * `local`: build on the registry-free Node 22 base (scripts/container/build-base-image.sh);
   * `official`: the Dockerfile's own defaults (official node:22 images, pulled from a registry).
   * @default 'local'
   */
  readonly base?: 'local' | 'official';
  /** @default LOCAL_IMAGE_TAG */
  readonly tag?: string;
  readonly onLine?: (line: string) => void;
}

/** Builds Dockerfile.cloudrun (podman's layer cache makes an unchanged tree a no-op). */
export async function prepareImage(options: PrepareOptions = {}): Promise<string> {
  const tag = options.tag ?? LOCAL_IMAGE_TAG;
  const baseImage =
    (options.base ?? 'local') === 'local' ? await ensureBaseImage(options.onLine) : undefined;
  const revision = gitRevision();
  await buildImage({
    tag,
    ...(baseImage ? { baseImage } : {}),
    ...(revision ? { revision } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
  });
  return tag;
}
