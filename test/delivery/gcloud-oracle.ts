/**
 * Asks the installed gcloud whether a command line would be accepted: the command exists (gcloud
 * resolves it from `gcloud <words> --help`) and every flag used is one its help lists. Help works
 * offline. Each command's help is fetched once per run, and at most `concurrency` gcloud
 * processes run at a time (each costs a second or more of CPU).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagsUsed, parseGcloudHelp, type GcloudHelp } from './gcloud-help.ts';

export function gcloudInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v gcloud'], { stdio: 'ignore' }).status === 0;
}

export interface CheckResult {
  /** The command as gcloud resolved it, e.g. `gcloud run services replace`. */
  readonly command: string;
  readonly problems: readonly string[];
}

export class GcloudOracle {
  /** Help of every command seen so far, by command path (`run services replace`). */
  readonly #commands = new Map<string, GcloudHelp>();
  /** Failed look-ups, by the words asked about. */
  readonly #errors = new Map<string, string>();
  readonly #queue: (() => void)[] = [];
  #running = 0;
  // A private configuration directory: no prompts, no update checks, the user's gcloud untouched.
  readonly #env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TERM: 'dumb',
    CLOUDSDK_CONFIG: mkdtempSync(join(tmpdir(), 'gcloud-oracle-')),
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: '1',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: '1',
  };

  /**
   * @param concurrency gcloud processes at once
   * @param cwd where gcloud runs: it reads FILE arguments (e.g. `dist/cloudrun/service.yaml`)
   *   while parsing, even for `--help`, so they must exist relative to it
   */
  constructor(
    readonly concurrency = 2,
    readonly cwd = process.cwd(),
  ) {}

  /** Removes the private configuration directory. */
  dispose(): void {
    rmSync(this.#env['CLOUDSDK_CONFIG']!, { recursive: true, force: true });
  }

  /** How many times gcloud was run. */
  runs = 0;

  /**
   * Checks `words` (starting with `gcloud`): the command exists and takes every flag used.
   * gcloud resolves the command itself: `gcloud <words before the first flag> --help` prints the
   * command's help (its NAME line tells where the command ends and positionals begin), or fails
   * with "Invalid choice" naming the unknown word.
   */
  async check(words: readonly string[]): Promise<CheckResult> {
    if (words[0] !== 'gcloud') throw new Error(`not a gcloud command: ${words.join(' ')}`);
    const firstFlag = words.findIndex((w, i) => i > 0 && w.startsWith('-'));
    const asked = words.slice(1, firstFlag === -1 ? undefined : firstFlag);
    const help = await this.#limited(async () => this.#known(asked) ?? (await this.#lookUp(asked)));
    if (typeof help === 'string')
      return { command: ['gcloud', ...asked].join(' '), problems: [help] };
    const here = help.path.join(' ');
    if (help.isGroup) return { command: here, problems: [`${here} is a group, not a command`] };
    const problems = flagsUsed(words.slice(help.path.length))
      .filter((flag) => !help.flags.has(flag))
      .map((flag) => `${here} does not accept ${flag}`);
    return { command: here, problems };
  }

  /** A command already seen whose path starts `asked` (the rest being positionals). */
  #known(asked: readonly string[]): GcloudHelp | string | undefined {
    const error = this.#errors.get(asked.join(' '));
    if (error !== undefined) return error;
    for (let n = asked.length; n > 0; n--) {
      const help = this.#commands.get(asked.slice(0, n).join(' '));
      if (help) return help;
    }
    return undefined;
  }

  async #lookUp(asked: readonly string[]): Promise<GcloudHelp | string> {
    const help = await this.#fetch(asked);
    if (typeof help === 'string') this.#errors.set(asked.join(' '), help);
    else if (!help.isGroup) this.#commands.set(help.path.slice(1).join(' '), help);
    return help;
  }

  #fetch(path: readonly string[]): Promise<GcloudHelp | string> {
    this.runs++;
    return new Promise((resolve, reject) => {
      execFile(
        'gcloud',
        [...path, '--help'],
        { env: this.#env, cwd: this.cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error && error.killed) reject(new Error(`gcloud ${path.join(' ')} --help timed out`));
          else if (error) resolve(firstLine(stderr) ?? `gcloud ${path.join(' ')} --help failed`);
          else resolve(parseGcloudHelp(stdout));
        },
      );
    });
  }

  async #limited<T>(run: () => Promise<T>): Promise<T> {
    // A finishing run hands its slot straight to the next waiter, so at most `concurrency` run.
    if (this.#running >= this.concurrency) await new Promise<void>((r) => this.#queue.push(r));
    else this.#running++;
    try {
      return await run();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }
}

function firstLine(text: string): string | undefined {
  return text
    .split('\n')
    .find((l) => l.trim() !== '')
    ?.trim();
}
