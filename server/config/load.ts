/**
 * The pure config loader: an environment map in, a typed `Config` or the full list of problems
 * out. It never throws and never reads `process.env` itself (see ./environment.ts for that), so
 * tests can feed it any map.
 */
import {
  fail,
  isLoopbackHost,
  ok,
  parseBoolean,
  parseBucketName,
  parseEnum,
  parseHostPort,
  parseHttpUrl,
  parseInteger,
  parseList,
  parseOrigin,
  parsePort,
  parseProjectId,
  type Parsed,
} from './parse.ts';
import { SERVICE_SECRETS, type SecretEnvName } from './secrets.ts';
import { APP_ENVS, DATA_BACKENDS, LOG_LEVELS } from './variables.ts';

export type AppEnv = (typeof APP_ENVS)[number];
export type DataBackend = (typeof DATA_BACKENDS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  readonly appEnv: AppEnv;
  readonly port: number;
  readonly backendHost: string;
  readonly backendPort: number;
  /** Without a trailing slash. */
  readonly backendApiUrl: string;
  readonly projectId: string;
  readonly firestoreDatabaseId: string;
  readonly bucketName: string;
  readonly dataBackend: DataBackend;
  readonly dataDir: string;
  /** Set only when the Firestore emulator is in use. */
  readonly firestoreEmulatorHost: string | undefined;
  /** Set only when the Cloud Storage emulator is in use. */
  readonly storageEmulatorHost: string | undefined;
  /** Configured origins plus the localhost origins of `port`, without duplicates. */
  readonly corsOrigins: readonly string[];
  readonly secrets: Readonly<Partial<Record<SecretEnvName, string>>>;
  readonly langsmithProject: string;
  readonly logLevel: LogLevel;
  readonly appVersion: string;
  readonly externalApis: {
    readonly elevenlabs: string;
    readonly googleAi: string;
    readonly langsmith: string;
  };
  readonly knowledgeMaxBytes: number;
  /** What Cloud Run (or our local emulation of it) says about this revision. */
  readonly cloudRun: {
    readonly service: string | undefined;
    readonly revision: string | undefined;
    readonly configuration: string | undefined;
  };
}

export interface ConfigProblem {
  /** The environment variable at fault. */
  readonly variable: string;
  /** What is wrong and what is allowed. Quotes the value only for non-secret variables. */
  readonly message: string;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export interface LoadOptions {
  /** Version to report when neither APP_VERSION nor K_REVISION is set. @default '0.0.0-dev' */
  readonly packageVersion?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

const SECRET_NAMES: ReadonlySet<string> = new Set(SERVICE_SECRETS.map((s) => s.env));
const MAX_QUOTED = 80;
const LOCAL_PROJECT = 'elevendops-local';
const LOCAL_BUCKET = 'elevendops-local';

/** Collects problems while reading, so one pass reports everything wrong at once. */
class Reader {
  readonly problems: ConfigProblem[] = [];
  constructor(private readonly env: Environment) {}

  /** The raw value, or undefined when unset or blank (a blank variable counts as unset). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  }

  problem(variable: string, reason: string): void {
    this.problems.push({ variable, message: `${variable} ${reason}` });
  }

  /** Parses `name` when set; records a problem quoting the value (never for secrets) on failure. */
  read<T>(name: string, parse: (raw: string) => Parsed<T>, fallback: T): T {
    const raw = this.raw(name);
    if (raw === undefined) return fallback;
    const parsed = parse(raw);
    if (parsed.ok) return parsed.value;
    this.problems.push({ variable: name, message: `${name}${quote(name, raw)} ${parsed.reason}` });
    return fallback;
  }
}

function quote(name: string, raw: string): string {
  if (SECRET_NAMES.has(name)) return '';
  const shown = raw.length > MAX_QUOTED ? `${raw.slice(0, MAX_QUOTED)}…` : raw;
  return ` (${JSON.stringify(shown)})`;
}

function stripSlash(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

export function loadConfig(env: Environment, options: LoadOptions = {}): ConfigResult {
  const r = new Reader(env);
  const appEnv = r.read('APP_ENV', (v) => parseEnum(v, APP_ENVS), 'development');
  const production = appEnv === 'production';

  const port = r.read('PORT', parsePort, 8080);
  const backendHost = r.read('BACKEND_HOST', (v) => ok(v.trim()), '127.0.0.1');
  const backendPort = r.read('BACKEND_PORT', parsePort, 8000);
  const backendUrl = r.read('BACKEND_API_URL', parseHttpUrl, undefined);
  const backendApiUrl = backendUrl
    ? stripSlash(backendUrl)
    : `http://${urlHost(backendHost)}:${backendPort}`;

  const projectId = r.read('GOOGLE_CLOUD_PROJECT', parseProjectId, production ? '' : LOCAL_PROJECT);
  const firestoreDatabaseId = r.read('FIRESTORE_DATABASE_ID', parseDatabaseId, '(default)');
  const bucketName = r.read('GCS_BUCKET_NAME', parseBucketName, production ? '' : LOCAL_BUCKET);

  const useFirestoreEmulator = r.read('USE_FIRESTORE_EMULATOR', parseBoolean, undefined);
  const useGcsEmulator = r.read('USE_GCS_EMULATOR', parseBoolean, undefined);
  const firestoreHost = r.read('FIRESTORE_EMULATOR_HOST', parseHostPort, undefined);
  const storageHost = r.read('STORAGE_EMULATOR_HOST', parseHttpUrl, undefined);
  const firestoreEmulatorHost =
    r.raw('FIRESTORE_EMULATOR_HOST') && firestoreHost
      ? r.raw('FIRESTORE_EMULATOR_HOST')!.trim()
      : undefined;
  const storageEmulatorHost = storageHost ? stripSlash(storageHost) : undefined;
  const emulatorConfigured =
    useFirestoreEmulator === true ||
    useGcsEmulator === true ||
    r.raw('FIRESTORE_EMULATOR_HOST') !== undefined ||
    r.raw('STORAGE_EMULATOR_HOST') !== undefined;

  const defaultBackend: DataBackend =
    appEnv === 'development' && !emulatorConfigured ? 'embedded' : 'gcp';
  const dataBackend = r.read('DATA_BACKEND', (v) => parseEnum(v, DATA_BACKENDS), defaultBackend);
  const dataDir = r.read('DATA_DIR', (v) => ok(v.trim()), '.data');

  const configuredOrigins = r.read('CORS_ORIGINS', parseOrigins, [] as string[]);
  const corsOrigins = [...new Set([...configuredOrigins, ...localOrigins(port)])];

  const secrets: Partial<Record<SecretEnvName, string>> = {};
  for (const spec of SERVICE_SECRETS) {
    const value = r.raw(spec.env);
    if (value !== undefined) secrets[spec.env] = value.trim();
  }

  const langsmithProject = r.read('LANGSMITH_PROJECT', (v) => ok(v.trim()), 'elevendops');
  const logLevel = r.read('LOG_LEVEL', (v) => parseEnum(v, LOG_LEVELS), 'info');
  const cloudRun = {
    service: r.raw('K_SERVICE')?.trim(),
    revision: r.raw('K_REVISION')?.trim(),
    configuration: r.raw('K_CONFIGURATION')?.trim(),
  };
  const appVersion =
    r.raw('APP_VERSION')?.trim() ?? cloudRun.revision ?? options.packageVersion ?? '0.0.0-dev';

  const elevenlabs = r.read(
    'ELEVENLABS_API_URL',
    parseHttpUrl,
    new URL('https://api.elevenlabs.io'),
  );
  const googleAi = r.read(
    'GOOGLE_AI_API_URL',
    parseHttpUrl,
    new URL('https://generativelanguage.googleapis.com'),
  );
  const langsmith = r.read(
    'LANGSMITH_ENDPOINT',
    parseHttpUrl,
    new URL('https://api.smith.langchain.com'),
  );
  const knowledgeMaxBytes = r.read(
    'KNOWLEDGE_MAX_BYTES',
    (v) => parseInteger(v, 1024, 32 * 1024 * 1024),
    1024 * 1024,
  );

  // Cross-variable rules. Emulator switches must agree with their hosts in every stage: a host
  // without the switch would still be followed by the Google clients, silently.
  checkEmulatorPair(
    r,
    'USE_FIRESTORE_EMULATOR',
    useFirestoreEmulator,
    'FIRESTORE_EMULATOR_HOST',
    production,
  );
  checkEmulatorPair(r, 'USE_GCS_EMULATOR', useGcsEmulator, 'STORAGE_EMULATOR_HOST', production);
  if (backendPort === port && r.raw('PORT') !== undefined) {
    r.problem(
      'BACKEND_PORT',
      `(${backendPort}) must differ from PORT: both servers listen on this machine`,
    );
  }

  if (production) {
    for (const spec of SERVICE_SECRETS) {
      if (spec.requiredInProduction && secrets[spec.env] === undefined) {
        r.problem(
          spec.env,
          `is required in production (Secret Manager secret "${spec.secretName}")`,
        );
      }
    }
    if (r.raw('GOOGLE_CLOUD_PROJECT') === undefined)
      r.problem('GOOGLE_CLOUD_PROJECT', 'is required in production');
    if (r.raw('GCS_BUCKET_NAME') === undefined)
      r.problem('GCS_BUCKET_NAME', 'is required in production');
    if (dataBackend !== 'gcp')
      r.problem('DATA_BACKEND', `("${dataBackend}") must be gcp in production`);
    if (!isLoopbackHost(backendHost)) {
      r.problem(
        'BACKEND_HOST',
        `(${JSON.stringify(backendHost)}) must be a loopback address in production (127.0.0.1)`,
      );
    }
    if (backendUrl && (backendUrl.protocol !== 'http:' || !isLoopbackHost(backendUrl.hostname))) {
      r.problem(
        'BACKEND_API_URL',
        `(${JSON.stringify(backendApiUrl)}) must be a loopback http URL in production, such as http://127.0.0.1:8000`,
      );
    }
    for (const [name, url] of [
      ['ELEVENLABS_API_URL', elevenlabs],
      ['GOOGLE_AI_API_URL', googleAi],
      ['LANGSMITH_ENDPOINT', langsmith],
    ] as const) {
      if (url.protocol !== 'https:')
        r.problem(name, `(${JSON.stringify(url.href)}) must use https in production`);
    }
  } else {
    for (const [name, url] of [
      ['ELEVENLABS_API_URL', elevenlabs],
      ['GOOGLE_AI_API_URL', googleAi],
      ['LANGSMITH_ENDPOINT', langsmith],
    ] as const) {
      // Plain http is tolerated only towards this machine (a local mock of the API).
      if (url.protocol !== 'https:' && !isLoopbackHost(url.hostname)) {
        r.problem(
          name,
          `(${JSON.stringify(url.href)}) must use https unless it points at localhost`,
        );
      }
    }
  }

  if (r.problems.length > 0) return { ok: false, problems: r.problems };

  return {
    ok: true,
    config: {
      appEnv,
      port,
      backendHost,
      backendPort,
      backendApiUrl,
      projectId,
      firestoreDatabaseId,
      bucketName,
      dataBackend,
      dataDir,
      firestoreEmulatorHost: useFirestoreEmulator === false ? undefined : firestoreEmulatorHost,
      storageEmulatorHost: useGcsEmulator === false ? undefined : storageEmulatorHost,
      corsOrigins,
      secrets,
      langsmithProject,
      logLevel,
      appVersion,
      externalApis: {
        elevenlabs: stripSlash(elevenlabs),
        googleAi: stripSlash(googleAi),
        langsmith: stripSlash(langsmith),
      },
      knowledgeMaxBytes,
      cloudRun,
    },
  };
}

function checkEmulatorPair(
  r: Reader,
  flag: string,
  use: boolean | undefined,
  hostVar: string,
  production: boolean,
): void {
  const hostSet = r.raw(hostVar) !== undefined;
  if (production) {
    if (use === true)
      r.problem(
        flag,
        'must be false in production: the service must use the real Google Cloud service',
      );
    if (hostSet)
      r.problem(
        hostVar,
        `must not be set in production: the Google client would silently use the emulator`,
      );
    return;
  }
  if (use === true && !hostSet) r.problem(flag, `is true but ${hostVar} is not set`);
  if (use === false && hostSet) {
    r.problem(
      hostVar,
      `is set while ${flag} is false: the Google client would follow it anyway; unset it`,
    );
  }
}

function parseOrigins(raw: string): Parsed<string[]> {
  const origins: string[] = [];
  for (const item of parseList(raw)) {
    const origin = parseOrigin(item);
    if (!origin.ok)
      return fail(`item ${JSON.stringify(item.slice(0, MAX_QUOTED))} ${origin.reason}`);
    origins.push(origin.value);
  }
  return ok(origins);
}

/** Firestore database ids: `(default)` or 4-63 of a-z 0-9 -, starting with a letter. */
function parseDatabaseId(raw: string): Parsed<string> {
  const id = raw.trim();
  if (id === '(default)' || /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/.test(id)) return ok(id);
  return fail('must be (default) or 4-63 of a-z 0-9 -, starting with a letter');
}

function localOrigins(port: number): string[] {
  return [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
