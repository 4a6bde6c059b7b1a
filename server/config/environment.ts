/**
 * The I/O shell around the pure loader: reads `process.env`, merges an optional `.env` file
 * (never in production: there the platform's environment is the only source), and exits with
 * EX_CONFIG (78) after one structured error line when the configuration is invalid.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { createLogger } from '../logging/logger.ts';
import {
  loadConfig,
  type Config,
  type ConfigProblem,
  type ConfigResult,
  type Environment,
} from './load.ts';

/** sysexits.h EX_CONFIG: "configuration error". Supervisors and humans can tell it from a crash. */
export const EXIT_CONFIG = 78;

export interface ReadEnvironmentOptions {
  /** @default process.env */
  readonly env?: Environment;
  /** Directory holding `.env`. @default process.cwd() */
  readonly cwd?: string;
}

/** The process environment with `.env` underneath it (real variables win), outside production. */
export function readEnvironment(options: ReadEnvironmentOptions = {}): Environment {
  const env = options.env ?? process.env;
  if ((env['APP_ENV'] ?? '').trim().toLowerCase() === 'production') return env;
  let text: string;
  try {
    text = readFileSync(join(options.cwd ?? process.cwd(), '.env'), 'utf8');
  } catch {
    return env;
  }
  return { ...parseDotenv(text), ...env };
}

let cachedVersion: string | undefined;

/** The version in package.json, read once; `undefined` when it cannot be found. */
export function packageVersion(): string | undefined {
  if (cachedVersion !== undefined) return cachedVersion;
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(candidate, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'elevendops-cloudrun' && pkg.version) return (cachedVersion = pkg.version);
    } catch {
      // not at this depth (source tree vs dist/ layout): try the next
    }
  }
  return undefined;
}

export function loadConfigFromProcess(options: ReadEnvironmentOptions = {}): ConfigResult {
  const version = packageVersion();
  return loadConfig(
    readEnvironment(options),
    version === undefined ? {} : { packageVersion: version },
  );
}

/** One line a human reads at a glance, naming every bad variable. */
export function summarizeProblems(problems: readonly ConfigProblem[]): string {
  const names = [...new Set(problems.map((p) => p.variable))];
  return `invalid configuration: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${names.join(', ')})`;
}

/**
 * Loads the config or ends the process: one structured ERROR line listing each problem by
 * variable name (messages quote non-secret values only), then exit 78.
 */
export function loadConfigOrExit(component: string, options: ReadEnvironmentOptions = {}): Config {
  const result = loadConfigFromProcess(options);
  if (result.ok) return result.config;
  const logger = createLogger({ component });
  logger.error(
    { problems: result.problems },
    `${summarizeProblems(result.problems)}: ${result.problems.map((p) => p.message).join('; ')}`,
  );
  process.exit(EXIT_CONFIG);
}
