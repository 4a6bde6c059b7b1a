/**
 * `cloudrun-kit config --check`: load the service config from this environment, as a process
 * of the service would. Exit 0 when valid; 78 with every problem listed (variable names and
 * non-secret values only) when not.
 */
import {
  EXIT_CONFIG,
  loadConfigFromProcess,
  summarizeProblems,
  VARIABLES,
} from '../server/config/index.ts';
import { parseCommandLine, UsageError, type Command } from './usage.ts';

const usage = `Usage: cloudrun-kit config --check [--json]
       cloudrun-kit config --list

  --check   validate the configuration in the current environment (and .env outside production)
  --json    print the result as JSON
  --list    print every variable the service reads, with its default`;

function listVariables(): string {
  const rows = Object.entries(VARIABLES).map(([name, spec]) => {
    const def =
      'default' in spec && spec.default !== undefined ? ` [default: ${spec.default}]` : '';
    const secret = 'secret' in spec && spec.secret ? ' (secret)' : '';
    return `${name}${secret}\n    ${spec.description}${def}`;
  });
  return rows.join('\n');
}

export const configCommand: Command = {
  name: 'config',
  summary: 'check the service configuration in this environment (exit 78 when invalid)',
  usage,
  async run(argv) {
    const { values } = parseCommandLine(argv, {
      check: { type: 'boolean' },
      json: { type: 'boolean' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    if (values.list) {
      process.stdout.write(`${listVariables()}\n`);
      return 0;
    }
    if (!values.check) throw new UsageError('nothing to do: pass --check or --list');

    const result = loadConfigFromProcess();
    if (values.json) {
      const body = result.ok
        ? { ok: true, appEnv: result.config.appEnv, dataBackend: result.config.dataBackend }
        : { ok: false, problems: result.problems };
      process.stdout.write(`${JSON.stringify(body)}\n`);
      return result.ok ? 0 : EXIT_CONFIG;
    }
    if (result.ok) {
      const c = result.config;
      process.stdout.write(
        `configuration OK (APP_ENV=${c.appEnv}, data backend ${c.dataBackend}, port ${c.port}, backend ${c.backendApiUrl})\n`,
      );
      return 0;
    }
    process.stderr.write(
      `${summarizeProblems(result.problems)}\n${result.problems.map((p) => `  - ${p.message}`).join('\n')}\n`,
    );
    return EXIT_CONFIG;
  },
};
