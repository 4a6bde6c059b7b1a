/**
 * The typed process list: what the supervisor runs, in which order, and how it knows each process
 * is ready. `serviceProcesses()` is the container's list (backend, then frontend); tests and
 * `npm start` pass their own list through the same code, either in code or as JSON in
 * SUPERVISOR_PROCESSES (validated here, every problem named).
 */
import { fileURLToPath } from 'node:url';

export interface Readiness {
  /** An http URL on loopback; any 2xx answer means ready. */
  readonly url: string;
}

export interface ProcessSpec {
  /** Short name used in logs and as the `component` label of wrapped lines, e.g. `backend`. */
  readonly name: string;
  /** Executable; run directly, never through a shell (signals must reach the real process). */
  readonly command: string;
  /** @default [] */
  readonly args?: readonly string[];
  /** Added over the supervisor's own environment. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** @default the supervisor's working directory */
  readonly cwd?: string;
  /** Names of processes that must be ready before this one starts. @default [] */
  readonly dependsOn?: readonly string[];
  /** How to tell it is ready. @default - ready as soon as it has been spawned */
  readonly readiness?: Readiness;
}

/** The shape the state machine needs (it never sees commands or URLs). */
export interface ProcessDecl {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly probed: boolean;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * Checks names, dependencies and cycles, and returns the declarations in start order (a
 * dependency always comes before its dependents; otherwise the given order is kept).
 * Throws a TypeError naming the offending process.
 */
export function orderProcesses(specs: readonly ProcessSpec[]): ProcessDecl[] {
  if (specs.length === 0) throw new TypeError('the process list is empty');
  const byName = new Map<string, ProcessSpec>();
  for (const spec of specs) {
    if (!NAME.test(spec.name)) {
      throw new TypeError(
        `process name ${JSON.stringify(spec.name)} must be 1-31 of a-z 0-9 - starting with a letter`,
      );
    }
    if (byName.has(spec.name)) throw new TypeError(`process "${spec.name}" is declared twice`);
    byName.set(spec.name, spec);
  }
  for (const spec of specs) {
    for (const dep of spec.dependsOn ?? []) {
      if (!byName.has(dep)) {
        throw new TypeError(`process "${spec.name}" depends on "${dep}", which is not declared`);
      }
    }
  }
  const ordered: ProcessDecl[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (spec: ProcessSpec, path: string[]): void => {
    const seen = state.get(spec.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      throw new TypeError(`dependency cycle: ${[...path, spec.name].join(' -> ')}`);
    }
    state.set(spec.name, 'visiting');
    for (const dep of spec.dependsOn ?? []) visit(byName.get(dep)!, [...path, spec.name]);
    state.set(spec.name, 'done');
    ordered.push({
      name: spec.name,
      dependsOn: [...new Set(spec.dependsOn ?? [])],
      probed: spec.readiness !== undefined,
    });
  };
  for (const spec of specs) visit(spec, []);
  return ordered;
}

export interface ServiceProcessOptions {
  /** Port of the frontend (Cloud Run's $PORT). */
  readonly port: number;
  readonly backendPort: number;
  /** Interface the backend binds; its readiness is probed on loopback when it is a wildcard. */
  readonly backendHost: string;
  /** @default process.execPath */
  readonly node?: string;
  /** Directory holding `backend/main.js` and `frontend/main.js`. @default this file's parent */
  readonly serverDir?: string;
  /**
   * `js` runs the compiled entry points; `ts` runs the sources through tsx.
   * @default the extension of this module (so dist runs dist, the source tree runs sources)
   */
  readonly extension?: 'js' | 'ts';
}

function probeHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '[::]' || host === '') return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The container's process list: the backend (ready when `GET /api/health` answers 2xx on its
 * port), then the frontend, which depends on it (ready when the same path answers through its
 * proxy on $PORT, so "ready" means the whole request path works).
 */
export function serviceProcesses(options: ServiceProcessOptions): ProcessSpec[] {
  const node = options.node ?? process.execPath;
  const serverDir = options.serverDir ?? fileURLToPath(new URL('..', import.meta.url));
  // In the source tree (tsx) the siblings are .ts files; in dist they are .js.
  const ext = options.extension ?? (import.meta.url.endsWith('.ts') ? 'ts' : 'js');
  const entry = (part: string) => `${serverDir.replace(/\/$/, '')}/${part}/main.${ext}`;
  const nodeArgs = ext === 'ts' ? ['--import', 'tsx'] : [];
  return [
    {
      name: 'backend',
      command: node,
      args: [...nodeArgs, entry('backend')],
      readiness: {
        url: `http://${probeHost(options.backendHost)}:${options.backendPort}/api/health`,
      },
    },
    {
      name: 'frontend',
      command: node,
      args: [...nodeArgs, entry('frontend')],
      dependsOn: ['backend'],
      readiness: { url: `http://127.0.0.1:${options.port}/api/health` },
    },
  ];
}

export interface EmulatorOptions {
  readonly firestorePort: number;
  readonly storagePort: number;
  /** @default 'gcloud' */
  readonly gcloud?: string;
  /** @default 'fake-gcs-server' */
  readonly fakeGcsServer?: string;
}

/**
 * The local development list: Google's Firestore emulator and fake-gcs-server (the emulators
 * `skaffold dev` runs) before the service, with the backend pointed at them. The gcloud command is
 * a launcher around a JVM: signalling its whole process group is what stops the JVM too.
 */
export function withEmulators(
  service: readonly ProcessSpec[],
  options: EmulatorOptions,
): ProcessSpec[] {
  const storage = `http://127.0.0.1:${options.storagePort}`;
  const emulators: ProcessSpec[] = [
    {
      name: 'firestore',
      command: options.gcloud ?? 'gcloud',
      args: [
        'emulators',
        'firestore',
        'start',
        `--host-port=127.0.0.1:${options.firestorePort}`,
        '--quiet',
      ],
      readiness: { url: `http://127.0.0.1:${options.firestorePort}/` },
    },
    {
      name: 'storage',
      command: options.fakeGcsServer ?? 'fake-gcs-server',
      args: [
        ...['-scheme', 'http', '-host', '127.0.0.1', '-port', String(options.storagePort)],
        ...['-backend', 'memory', '-public-host', `127.0.0.1:${options.storagePort}`],
        ...['-external-url', storage, '-log-level', 'warn'],
      ],
      readiness: { url: `${storage}/storage/v1/b` },
    },
  ];
  return [
    ...emulators,
    ...service.map((spec) =>
      spec.name !== 'backend'
        ? spec
        : {
            ...spec,
            dependsOn: [...(spec.dependsOn ?? []), 'firestore', 'storage'],
            env: {
              ...spec.env,
              DATA_BACKEND: 'gcp',
              USE_FIRESTORE_EMULATOR: 'true',
              FIRESTORE_EMULATOR_HOST: `127.0.0.1:${options.firestorePort}`,
              USE_GCS_EMULATOR: 'true',
              STORAGE_EMULATOR_HOST: storage,
            },
          },
    ),
  ];
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/**
 * A process list from JSON text (SUPERVISOR_PROCESSES): an array of ProcessSpec objects.
 * Throws a TypeError that says which entry and field is wrong.
 */
export function parseProcessList(text: string): ProcessSpec[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`SUPERVISOR_PROCESSES is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!Array.isArray(data)) throw new TypeError('SUPERVISOR_PROCESSES must be a JSON array');
  const known = new Set(['name', 'command', 'args', 'env', 'cwd', 'dependsOn', 'readiness']);
  const specs = data.map((item: unknown, i): ProcessSpec => {
    const where = `SUPERVISOR_PROCESSES[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new TypeError(`${where} must be an object`);
    }
    const o = item as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!known.has(key)) throw new TypeError(`${where}.${key} is not a known field`);
    }
    if (typeof o['name'] !== 'string') throw new TypeError(`${where}.name must be a string`);
    if (typeof o['command'] !== 'string' || o['command'] === '') {
      throw new TypeError(`${where}.command must be a non-empty string`);
    }
    if (o['args'] !== undefined && !isStringArray(o['args'])) {
      throw new TypeError(`${where}.args must be an array of strings`);
    }
    if (o['dependsOn'] !== undefined && !isStringArray(o['dependsOn'])) {
      throw new TypeError(`${where}.dependsOn must be an array of strings`);
    }
    if (o['env'] !== undefined && !isStringRecord(o['env'])) {
      throw new TypeError(`${where}.env must be an object of strings`);
    }
    if (o['cwd'] !== undefined && typeof o['cwd'] !== 'string') {
      throw new TypeError(`${where}.cwd must be a string`);
    }
    let readiness: Readiness | undefined;
    if (o['readiness'] !== undefined) {
      const r = o['readiness'] as Record<string, unknown> | null;
      const url = typeof r === 'object' && r !== null ? r['url'] : undefined;
      if (typeof url !== 'string' || !/^http:\/\/[^/]+/.test(url)) {
        throw new TypeError(`${where}.readiness.url must be an http:// URL`);
      }
      readiness = { url };
    }
    return {
      name: o['name'],
      command: o['command'],
      ...(o['args'] === undefined ? {} : { args: o['args'] }),
      ...(o['env'] === undefined ? {} : { env: o['env'] }),
      ...(o['cwd'] === undefined ? {} : { cwd: o['cwd'] }),
      ...(o['dependsOn'] === undefined ? {} : { dependsOn: o['dependsOn'] }),
      ...(readiness === undefined ? {} : { readiness }),
    };
  });
  orderProcesses(specs);
  return specs;
}
