/** Command line of `npm run bench`. Pure. */
import { SUPERVISORS, type SupervisorName } from './anchors/launchers.ts';

export const GROUPS = ['alone', 'ours', 'anchors', 'synth', 'validate', 'image'] as const;
export type Group = (typeof GROUPS)[number];

export interface BenchArgs {
  /** Print one JSON object on stdout (progress goes to stderr either way). */
  readonly json: boolean;
  /** Print Markdown tables instead of the text report (for BENCHMARKS.md). */
  readonly markdown: boolean;
  /** Runs of every repeated measurement. @default 3 */
  readonly runs: number;
  /** Which groups to run. @default all */
  readonly only: ReadonlySet<Group>;
  /** Anchors to run. @default all of pm2-runtime, concurrently, seed-shell */
  readonly anchors: readonly SupervisorName[];
  /** Skip `npm run build` before measuring. */
  readonly noBuild: boolean;
  /** Seconds per load phase. @default 3 */
  readonly loadSeconds: number;
  /** Keep the scratch directory (logs, data) for inspection. */
  readonly keep: boolean;
}

export const USAGE = `usage: npm run bench -- [--json | --markdown] [--runs N] [--only ${GROUPS.join(',')}]
                        [--anchors pm2-runtime,concurrently,seed-shell] [--load-seconds S]
                        [--no-build] [--keep]`;

function list<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  flag: string,
): T[] {
  const items = (value ?? '').split(',').filter(Boolean);
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new Error(`${flag}: unknown "${item}" (one of ${allowed.join(', ')})`);
  }
  if (!items.length) throw new Error(`${flag} needs a value`);
  return items as T[];
}

function positive(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (!value || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
  return n;
}

/** Parses argv (without node and script); throws an Error with a clear message on bad input. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  let json = false;
  let markdown = false;
  let runs = 3;
  let only: ReadonlySet<Group> = new Set(GROUPS);
  let anchors: SupervisorName[] = SUPERVISORS.filter((s) => s !== 'ours');
  let noBuild = false;
  let loadSeconds = 3;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--json':
        json = true;
        break;
      case '--markdown':
        markdown = true;
        break;
      case '--runs':
        runs = Math.round(positive(value(), flag));
        break;
      case '--only':
        only = new Set(list(value(), GROUPS, flag));
        break;
      case '--anchors':
        anchors = list(value(), SUPERVISORS, flag).filter((s) => s !== 'ours');
        break;
      case '--load-seconds':
        loadSeconds = positive(value(), flag);
        break;
      case '--no-build':
        noBuild = true;
        break;
      case '--keep':
        keep = true;
        break;
      default:
        throw new Error(`unknown argument "${argv[i]}"`);
    }
  }
  return { json, markdown, runs, only, anchors, noBuild, loadSeconds, keep };
}
