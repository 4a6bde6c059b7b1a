/**
 * Command line and environment of `npm run synth`, parsed purely so tests can feed any input.
 * The project comes from `--project` or the environment gcloud and the Google clients use; the
 * region from `--region` or gcloud's Cloud Run region setting, else asia-east1.
 */
import { PLACEHOLDER_PROJECT, type DeploymentOptions } from './deployment-config.ts';

export interface SynthCommand {
  readonly options: DeploymentOptions;
  /** Output directory. @default CDK8S_OUTDIR (set by `cdk8s synth`), else `dist` */
  readonly outDir: string;
  /** Run the validator on the output. @default true */
  readonly validate: boolean;
  readonly warnings: readonly string[];
}

export class SynthUsageError extends Error {
  override readonly name = 'SynthUsageError';
}

export const SYNTH_USAGE = `usage: npm run synth -- [--project ID] [--region REGION] [--bucket NAME]
                        [--cors-origins URL,URL] [--outdir DIR] [--no-validate]
  --project       Google Cloud project (default: $GOOGLE_CLOUD_PROJECT, $CLOUDSDK_CORE_PROJECT)
  --region        Cloud Run region (default: $CLOUDSDK_RUN_REGION, else asia-east1)
  --bucket        Cloud Storage bucket (default: <project>-elevendops-knowledge)
  --cors-origins  extra browser origins allowed to call the API
  --outdir        output directory (default: $CDK8S_OUTDIR, else dist)
  --no-validate   skip the validator (never in CI)`;

const VALUE_FLAGS = ['--project', '--region', '--bucket', '--cors-origins', '--outdir'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

export function parseSynthArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SynthCommand {
  const values = new Map<ValueFlag, string>();
  let validate = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-validate') {
      validate = false;
      continue;
    }
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
      throw new SynthUsageError(`unknown argument ${JSON.stringify(arg)}\n${SYNTH_USAGE}`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') {
      throw new SynthUsageError(`${flag} needs a value\n${SYNTH_USAGE}`);
    }
    values.set(flag as ValueFlag, value);
  }
  const nonBlank = (v: string | undefined) =>
    v !== undefined && v.trim() !== '' ? v.trim() : undefined;
  const project =
    values.get('--project') ??
    nonBlank(env.GOOGLE_CLOUD_PROJECT) ??
    nonBlank(env.CLOUDSDK_CORE_PROJECT);
  const region = values.get('--region') ?? nonBlank(env.CLOUDSDK_RUN_REGION);
  const bucket = values.get('--bucket');
  const cors = values.get('--cors-origins');
  const warnings =
    project === undefined
      ? [
          `no project given (--project or GOOGLE_CLOUD_PROJECT): the Cloud Run manifest uses the placeholder "${PLACEHOLDER_PROJECT}"`,
        ]
      : [];
  return {
    options: {
      ...(project !== undefined ? { project } : {}),
      ...(region !== undefined ? { region } : {}),
      ...(bucket !== undefined ? { bucket } : {}),
      ...(cors !== undefined
        ? {
            corsOrigins: cors
              .split(',')
              .map((o) => o.trim())
              .filter((o) => o !== ''),
          }
        : {}),
    },
    outDir: values.get('--outdir') ?? nonBlank(env.CDK8S_OUTDIR) ?? 'dist',
    validate,
    warnings,
  };
}
