import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit code for a command line the CLI cannot understand. */
export const EXIT_USAGE = 2;

/** Thrown for bad command lines; main() prints it with the command's usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Printed by `--help` and after a usage error. */
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

/** node:util parseArgs, with its errors turned into UsageError. */
export function parseCommandLine<T extends ParseArgsConfig['options']>(
  argv: readonly string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
