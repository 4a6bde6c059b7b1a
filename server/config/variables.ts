/**
 * Every environment variable the service reads, with its default and meaning. This table is the
 * documentation (`cloudrun-kit config --help` prints it) and the loader reads defaults from it, so
 * the two cannot disagree. Secrets come from ./secrets.ts.
 */
import { SERVICE_SECRETS } from './secrets.ts';

export interface VariableSpec {
  readonly description: string;
  /** Default when unset, as it would be written in the environment; `undefined` = no default. */
  readonly default?: string;
  /** Secret values are never printed, not even in error messages. */
  readonly secret?: boolean;
}

export const APP_ENVS = ['development', 'staging', 'production'] as const;
export const DATA_BACKENDS = ['embedded', 'gcp'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export const VARIABLES = {
  APP_ENV: { description: `Deployment stage: ${APP_ENVS.join(' | ')}.`, default: 'development' },
  PORT: { description: 'Public port of the frontend server (Cloud Run sets it).', default: '8080' },
  BACKEND_HOST: {
    description: 'Interface the API backend binds; loopback only in production.',
    default: '127.0.0.1',
  },
  BACKEND_PORT: { description: 'Port of the API backend.', default: '8000' },
  BACKEND_API_URL: {
    description: 'URL the frontend proxies /api to; a loopback http URL in production.',
    default: 'http://127.0.0.1:<BACKEND_PORT>',
  },
  GOOGLE_CLOUD_PROJECT: {
    description:
      'Google Cloud project id (Firestore, Cloud Storage, log trace names). Required in production.',
    default: 'elevendops-local (outside production)',
  },
  FIRESTORE_DATABASE_ID: { description: 'Firestore database id.', default: '(default)' },
  GCS_BUCKET_NAME: {
    description: 'Cloud Storage bucket for document content. Required in production.',
    default: 'elevendops-local (outside production)',
  },
  DATA_BACKEND: {
    description: `Where documents live: ${DATA_BACKENDS.join(' | ')}. embedded = files under DATA_DIR, no cloud needed; production accepts only gcp.`,
    default: 'embedded in development (gcp when an emulator is configured), gcp otherwise',
  },
  DATA_DIR: { description: 'Directory of the embedded data backend.', default: '.data' },
  USE_FIRESTORE_EMULATOR: {
    description: 'Use the Firestore emulator at FIRESTORE_EMULATOR_HOST. Refused in production.',
    default: 'false',
  },
  FIRESTORE_EMULATOR_HOST: {
    description:
      'host:port of the Firestore emulator. Refused in production (the client would follow it silently).',
  },
  USE_GCS_EMULATOR: {
    description: 'Use the Cloud Storage emulator at STORAGE_EMULATOR_HOST. Refused in production.',
    default: 'false',
  },
  STORAGE_EMULATOR_HOST: {
    description: 'URL of the Cloud Storage emulator (fake-gcs-server). Refused in production.',
  },
  CORS_ORIGINS: {
    description:
      'Comma-separated browser origins allowed to call the API; the localhost origins of PORT are always added.',
    default: '(none beyond localhost)',
  },
  LANGSMITH_PROJECT: { description: 'LangSmith project name.', default: 'elevendops' },
  LOG_LEVEL: { description: `Minimum log level: ${LOG_LEVELS.join(' | ')}.`, default: 'info' },
  APP_VERSION: {
    description: 'Version reported by /api/health and in logs.',
    default: 'K_REVISION, else the package version',
  },
  ELEVENLABS_API_URL: {
    description: 'ElevenLabs API base URL (https in production).',
    default: 'https://api.elevenlabs.io',
  },
  GOOGLE_AI_API_URL: {
    description: 'Google AI API base URL (https in production).',
    default: 'https://generativelanguage.googleapis.com',
  },
  LANGSMITH_ENDPOINT: {
    description: 'LangSmith API base URL (https in production).',
    default: 'https://api.smith.langchain.com',
  },
  KNOWLEDGE_MAX_BYTES: {
    description: 'Largest knowledge document content accepted, in bytes (1 KiB .. 32 MiB).',
    default: '1048576',
  },
  ...Object.fromEntries(
    SERVICE_SECRETS.map((s) => [
      s.env,
      {
        description: `${s.description} Secret Manager secret "${s.secretName}".${s.requiredInProduction ? ' Required in production.' : ''}`,
        secret: true,
      },
    ]),
  ),
} as const satisfies Record<string, VariableSpec>;

export type VariableName = keyof typeof VARIABLES;
