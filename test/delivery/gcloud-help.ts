/**
 * Reads `gcloud … --help` (rendered with TERM=dumb) into what a command-line check needs: whether
 * the node is a group and its children, or a command and the flags it accepts. Flags are taken
 * from the SYNOPSIS, from the flag definition lines of every `… FLAGS` section and from the list
 * of GCLOUD WIDE FLAGS; `--[no-]x` yields both `--x` and `--no-x`.
 */

export interface GcloudHelp {
  /** From the NAME line, e.g. ['gcloud', 'run', 'services', 'replace']. */
  readonly path: readonly string[];
  readonly isGroup: boolean;
  /** Sub-groups and sub-commands of a group. */
  readonly children: ReadonlySet<string>;
  /** Accepted flags, with their dashes: `--region`, `--no-pap`, `-q`. */
  readonly flags: ReadonlySet<string>;
}

/** Top-level sections: a line of capitals (and spaces) at column 0. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (/^[A-Z][A-Z -]*$/.test(line.trimEnd())) {
      current = [];
      out.set(line.trim(), current);
    } else current?.push(line);
  }
  return out;
}

const LONG_FLAG = /--(\[no-\])?([a-z0-9][a-z0-9-]*)/g;
const SHORT_FLAG = /(?<![\w-])-([a-zA-Z])(?![\w-])/g;

function addLongFlags(into: Set<string>, text: string): void {
  for (const m of text.matchAll(LONG_FLAG)) {
    into.add(`--${m[2]}`);
    if (m[1]) into.add(`--no-${m[2]}`);
  }
}

export function parseGcloudHelp(text: string): GcloudHelp {
  const parts = sections(text);
  const name = (parts.get('NAME') ?? []).join(' ').trim();
  const path = (/^(gcloud(?: [a-z0-9][a-z0-9-]*)*)/.exec(name)?.[1] ?? '')
    .split(' ')
    .filter(Boolean);

  const children = new Set<string>();
  for (const header of ['GROUPS', 'COMMANDS']) {
    for (const line of parts.get(header) ?? []) {
      const m = /^ {5}([a-z0-9][a-z0-9-]*)\s*$/.exec(line);
      if (m) children.add(m[1]!);
    }
  }

  const flags = new Set<string>();
  const synopsis = (parts.get('SYNOPSIS') ?? []).join('\n');
  addLongFlags(flags, synopsis);
  for (const m of synopsis.matchAll(SHORT_FLAG)) flags.add(`-${m[1]}`);
  for (const [header, lines] of parts) {
    if (!header.endsWith('FLAGS')) continue;
    if (header === 'GCLOUD WIDE FLAGS') {
      addLongFlags(flags, lines.join('\n'));
      continue;
    }
    for (const line of lines) {
      // A definition line: five spaces, then the flag's forms, comma separated.
      if (!/^ {5}-/.test(line)) continue;
      addLongFlags(flags, line);
      for (const m of line.matchAll(SHORT_FLAG)) flags.add(`-${m[1]}`);
    }
  }
  return { path, isGroup: children.size > 0, children, flags };
}

/** The flag names a command line uses (`--x=1` → `--x`), up to a bare `--`. */
export function flagsUsed(args: readonly string[]): string[] {
  const used: string[] = [];
  for (const arg of args) {
    if (arg === '--') break;
    if (/^--[a-z0-9]/.test(arg)) used.push(arg.split('=')[0]!);
    else if (/^-[a-zA-Z]$/.test(arg)) used.push(arg);
  }
  return used;
}
