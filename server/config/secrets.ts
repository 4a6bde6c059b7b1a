/**
 * The one declaration of the secrets the service reads. The config loader uses it to decide which
 * keys production requires and which values must never be printed; the Cloud Run chart imports it
 * to emit one `secretKeyRef` per entry. Add a secret here and both follow: they cannot drift.
 */

export interface SecretSpec {
  /** Environment variable the process reads. */
  readonly env: string;
  /** Secret Manager secret id (Cloud Run) and Kubernetes Secret key (local and Knative targets). */
  readonly secretName: string;
  /** Secret Manager version the manifest pins. `latest` picks up rotations on the next revision. */
  readonly version: string;
  /** Whether `APP_ENV=production` refuses to start without it. */
  readonly requiredInProduction: boolean;
  readonly description: string;
}

export const SERVICE_SECRETS = [
  {
    env: 'ELEVENLABS_API_KEY',
    secretName: 'elevenlabs-api-key',
    version: 'latest',
    requiredInProduction: true,
    description: 'ElevenLabs API key (voice and conversational agents).',
  },
  {
    env: 'GOOGLE_API_KEY',
    secretName: 'google-api-key',
    version: 'latest',
    requiredInProduction: true,
    description: 'Google AI (Gemini) API key.',
  },
  {
    env: 'LANGSMITH_API_KEY',
    secretName: 'langsmith-api-key',
    version: 'latest',
    requiredInProduction: false,
    description: 'LangSmith API key for tracing; tracing stays off without it.',
  },
] as const satisfies readonly SecretSpec[];

export type SecretEnvName = (typeof SERVICE_SECRETS)[number]['env'];

export const SECRET_ENV_NAMES: ReadonlySet<string> = new Set(SERVICE_SECRETS.map((s) => s.env));
