/**
 * The local overrides a Cloud Run manifest needs to run on a developer machine or in the
 * container tier, and nothing more. Pure.
 *
 * The manifest says APP_ENV=production, and production refuses emulator hosts (a Google client
 * would silently follow one). A local run has no Google Cloud, so it runs as APP_ENV=staging,
 * which keeps production's shape (gcp data backend, loopback backend, secrets present) but
 * accepts emulators. The emulators listen on the host's 127.0.0.1; the container has its own
 * network namespace (as on Cloud Run) and reaches the host's loopback at 10.0.2.2 (podman's
 * slirp4netns with allow_host_loopback), so their addresses are rewritten to that.
 */

export interface EmulatorHosts {
  /** FIRESTORE_EMULATOR_HOST form, `host:port`. */
  readonly firestoreHost?: string | undefined;
  /** STORAGE_EMULATOR_HOST form, an http URL. */
  readonly storageHost?: string | undefined;
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0']);

/** `127.0.0.1:8085` → `10.0.2.2:8085`; other hosts are left alone (they are reachable as they are). */
export function hostPortFromContainer(hostPort: string, hostLoopback: string): string {
  const cut = hostPort.lastIndexOf(':');
  if (cut <= 0) throw new Error(`not host:port: ${JSON.stringify(hostPort)}`);
  const host = hostPort.slice(0, cut);
  return LOOPBACK_NAMES.has(host) ? `${hostLoopback}${hostPort.slice(cut)}` : hostPort;
}

/** `http://127.0.0.1:4443/x` → `http://10.0.2.2:4443/x`. */
export function urlFromContainer(url: string, hostLoopback: string): string {
  const parsed = new URL(url);
  if (LOOPBACK_NAMES.has(parsed.hostname) || parsed.hostname === '[::1]')
    parsed.hostname = hostLoopback;
  return parsed.href.replace(/\/$/, '');
}

/**
 * Environment overrides for a local run. With emulators: staging + both emulators. Without:
 * staging + the embedded data backend under /tmp (the image's only writable place for its
 * non-root user, and in memory on Cloud Run too).
 */
export function localOverrides(hosts: EmulatorHosts, hostLoopback: string): Record<string, string> {
  const env: Record<string, string> = { APP_ENV: 'staging', METADATA_SERVER_DETECTION: 'none' };
  if (hosts.firestoreHost === undefined && hosts.storageHost === undefined) {
    return { ...env, DATA_BACKEND: 'embedded', DATA_DIR: '/tmp/elevendops-data' };
  }
  if (hosts.firestoreHost !== undefined) {
    env['USE_FIRESTORE_EMULATOR'] = 'true';
    env['FIRESTORE_EMULATOR_HOST'] = hostPortFromContainer(hosts.firestoreHost, hostLoopback);
  }
  if (hosts.storageHost !== undefined) {
    env['USE_GCS_EMULATOR'] = 'true';
    env['STORAGE_EMULATOR_HOST'] = urlFromContainer(hosts.storageHost, hostLoopback);
  }
  return env;
}

/** Values for the manifest's secrets: the caller's environment first, else a labelled placeholder. */
export function localSecretValues(
  secretEnv: readonly { readonly name: string; readonly secretName: string }[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries(
    secretEnv.map((s) => [s.name, env[s.name]?.trim() || `local-placeholder-${s.secretName}`]),
  );
}

/**
 * The environment Dockerfile.cloudrun bakes into the image (its `ENV`), for running the built
 * app without a container under the same settings. The container tier checks the image's
 * config against this list, so the two cannot drift.
 */
export const IMAGE_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  APP_ENV: 'production',
  USE_FIRESTORE_EMULATOR: 'false',
  USE_GCS_EMULATOR: 'false',
  BACKEND_HOST: '127.0.0.1',
  BACKEND_PORT: '8000',
  BACKEND_API_URL: 'http://127.0.0.1:8000',
  PORT: '8080',
  HOME: '/tmp',
};
