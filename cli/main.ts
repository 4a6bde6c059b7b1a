/**
 * `cloudrun-kit`: the project's command line. Each subcommand lives in its own module and is
 * registered in ./commands.ts; this file only dispatches and maps usage errors to exit 2.
 */
import { COMMANDS } from './commands.ts';
import { EXIT_USAGE, UsageError } from './usage.ts';

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: cloudrun-kit <command> [options]',
    '',
    'Run a Koa backend and a frontend server as one container on Google Cloud Run.',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `cloudrun-kit <command> --help` for the options of a command.',
  ].join('\n');
}

/** Runs the CLI and resolves to the process exit code. Never throws for user input. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`cloudrun-kit: unknown command "${name}"\n\n${helpText()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`cloudrun-kit ${name}: ${error.message}\n${command.usage}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
