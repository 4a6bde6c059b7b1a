/**
 * Thin I/O shell over the podman CLI for the container tier and `cloudrun-kit local`: build the
 * registry-free base image, build Dockerfile.cloudrun, run a container under Cloud Run's
 * contract, inspect and stop it, and measure the image. Every podman call gets CONTAINERS_CONF
 * (runc and rlimits that work on our hosts) unless the caller set their own.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout holding Dockerfile.cloudrun: two levels up from this file in the source tree,
 * three from its compiled copy under dist/ (the CLI runs either).
 */
function findRepoRoot(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'Dockerfile.cloudrun')) && existsSync(join(dir, 'package.json')))
      return dir;
    const up = dirname(dir);
    if (up === dir) return fileURLToPath(new URL('../../', import.meta.url));
    dir = up;
  }
}

export const REPO_ROOT = findRepoRoot();
export const CONTAINERS_CONF = join(REPO_ROOT, 'scripts', 'container', 'containers.conf');
export const BASE_IMAGE_SCRIPT = join(REPO_ROOT, 'scripts', 'container', 'build-base-image.sh');
export const PODMAN_INSTALL =
  'apt-get install -y podman buildah runc fuse-overlayfs slirp4netns uidmap debootstrap';

export function podmanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, CONTAINERS_CONF: env['CONTAINERS_CONF'] ?? CONTAINERS_CONF };
}

export function hasPodman(): boolean {
  return spawnSync('podman', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; `onLine` sees each output line as it comes (progress). */
export function run(
  command: string,
  args: readonly string[],
  options: { onLine?: (line: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? podmanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const feed = (chunk: Buffer, into: 'stdout' | 'stderr') => {
      const text = chunk.toString();
      if (into === 'stdout') stdout += text;
      else stderr += text;
      if (options.onLine)
        for (const line of text.split('\n')) if (line.trim()) options.onLine(line);
    };
    child.stdout.on('data', (c: Buffer) => feed(c, 'stdout'));
    child.stderr.on('data', (c: Buffer) => feed(c, 'stderr'));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Runs podman and returns its trimmed stdout; throws with its stderr on failure. */
export async function podman(
  args: readonly string[],
  options: { onLine?: (line: string) => void } = {},
): Promise<string> {
  const result = await run('podman', args, options);
  if (result.code !== 0) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-15).join('\n');
    throw new Error(`podman ${args[0]} failed (exit ${result.code}):\n${tail}`);
  }
  return result.stdout.trim();
}

/** Builds (or finds in podman's store) the registry-free Node 22 base image; returns its name. */
export async function ensureBaseImage(onLine?: (line: string) => void): Promise<string> {
  const result = await run('bash', [BASE_IMAGE_SCRIPT], onLine ? { onLine } : {});
  const image = result.stdout.trim().split('\n').pop() ?? '';
  if (result.code !== 0 || !image.startsWith('localhost/'))
    throw new Error(
      `building the base image failed (exit ${result.code}):\n${result.stderr.trim().split('\n').slice(-15).join('\n')}`,
    );
  return image;
}

export interface BuildOptions {
  readonly tag: string;
  /** Overrides BUILD_IMAGE and RUNTIME_IMAGE (the only arguments a local build may change). */
  readonly baseImage?: string;
  readonly revision?: string;
  readonly source?: string;
  readonly onLine?: (line: string) => void;
}

/** `podman build -f Dockerfile.cloudrun` of the repository, with podman's layer cache. */
export async function buildImage(options: BuildOptions): Promise<void> {
  const args = [
    'build',
    '--layers',
    '-f',
    join(REPO_ROOT, 'Dockerfile.cloudrun'),
    '-t',
    options.tag,
  ];
  if (options.baseImage)
    args.push(
      '--build-arg',
      `BUILD_IMAGE=${options.baseImage}`,
      '--build-arg',
      `RUNTIME_IMAGE=${options.baseImage}`,
    );
  if (options.revision) args.push('--build-arg', `OCI_REVISION=${options.revision}`);
  if (options.source) args.push('--build-arg', `OCI_SOURCE=${options.source}`);
  args.push(REPO_ROOT);
  await podman(args, options.onLine ? { onLine: options.onLine } : {});
}

/** The commit the tree is at (for the OCI revision label), or undefined outside git. */
export function gitRevision(): string | undefined {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export interface RunOptions {
  readonly image: string;
  readonly name: string;
  /** Host port on 127.0.0.1 that reaches the container's ingress port. */
  readonly hostPort: number;
  readonly containerPort: number;
  /** Whole environment (secrets included): passed through a 0600 env file, never argv. */
  readonly env: Readonly<Record<string, string>>;
  readonly memoryBytes?: number;
  /**
   * podman network mode. `slirp4netns:allow_host_loopback=true` gives the container its own
   * network namespace (as on Cloud Run) from which the host's 127.0.0.1 is reachable at
   * 10.0.2.2: that is how a local run reaches emulators listening on the host's loopback.
   * @default 'slirp4netns:allow_host_loopback=true'
   */
  readonly network?: string;
}

/** The address at which a container started with the default network reaches the host's 127.0.0.1. */
export const HOST_LOOPBACK_FROM_CONTAINER = '10.0.2.2';

/** `podman run -d` under Cloud Run's contract; returns the container id. */
export async function runContainer(options: RunOptions): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'elevendops-env-'));
  const envFile = join(dir, 'env');
  try {
    for (const [k, v] of Object.entries(options.env))
      if (/[\n\r]/.test(v)) throw new Error(`environment value of ${k} contains a newline`);
    writeFileSync(
      envFile,
      Object.entries(options.env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
      { mode: 0o600 },
    );
    chmodSync(envFile, 0o600);
    const args = [
      'run',
      '-d',
      '--name',
      options.name,
      '--network',
      options.network ?? 'slirp4netns:allow_host_loopback=true',
      '-p',
      `127.0.0.1:${options.hostPort}:${options.containerPort}`,
      '--env-file',
      envFile,
    ];
    if (options.memoryBytes !== undefined)
      args.push(
        '--memory',
        String(options.memoryBytes),
        '--memory-swap',
        String(options.memoryBytes),
      );
    args.push(options.image);
    return await podman(args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ContainerState {
  readonly running: boolean;
  readonly pid: number;
  readonly exitCode: number;
  readonly status: string;
  readonly oomKilled: boolean;
}

export async function containerState(id: string): Promise<ContainerState> {
  const out = await podman(['inspect', '--format', '{{json .State}}', id]);
  const s = JSON.parse(out) as {
    Running: boolean;
    Pid: number;
    ExitCode: number;
    Status: string;
    OOMKilled: boolean;
  };
  return {
    running: s.Running,
    pid: s.Pid,
    exitCode: s.ExitCode,
    status: s.Status,
    oomKilled: s.OOMKilled,
  };
}

export async function containerLogs(id: string, tail = 60): Promise<string> {
  const r = await run('podman', ['logs', '--tail', String(tail), id]);
  return `${r.stdout}${r.stderr}`.trim();
}

/** Removes a container whatever its state (cleanup; never throws). */
export async function removeContainer(id: string): Promise<void> {
  await run('podman', ['rm', '-f', '-t', '0', id]).catch(() => undefined);
}

export interface ImageSizes {
  /** Whole image, uncompressed, in bytes. */
  readonly image: number;
  /** The layer that holds the app (dist + production node_modules + package.json). */
  readonly appLayer: number;
}

/** Sizes from `podman history`: the app layer is the one `COPY --from=build /app /app` made. */
export async function imageSizes(image: string): Promise<ImageSizes> {
  const out = await podman(['history', '--format', 'json', image]);
  const layers = JSON.parse(out) as { size: number; createdBy?: string; CreatedBy?: string }[];
  const total = Number(await podman(['image', 'inspect', '--format', '{{.Size}}', image]));
  const app = layers.find(
    (l) => /COPY\b.*\/app\b/i.test(l.createdBy ?? l.CreatedBy ?? '') && l.size > 0,
  );
  return { image: total, appLayer: app?.size ?? Number.NaN };
}
