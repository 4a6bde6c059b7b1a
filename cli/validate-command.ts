/**
 * `cloudrun-kit validate [--target cloudrun|knative] [--format text|json] FILE...`: checks Knative
 * Service manifests (multi-document YAML) offline against Cloud Run's or Knative's rules.
 * Exit 0: no error findings; 1: at least one error (unparsable or unreadable files included);
 * 2: usage error. `-` reads standard input.
 */
import { readFile, stat } from 'node:fs/promises';
import { TARGETS, validateYamlText, type Finding, type Target } from '../validator/index.ts';
import { parseCommandLine, UsageError, type Command } from './usage.ts';

const usage = `Usage: cloudrun-kit validate [--target cloudrun|knative] [--format text|json] FILE...

  --target   whose rules apply: cloudrun (Cloud Run fully managed, default) or knative
             (upstream Knative Serving with default feature flags)
  --format   text (default; grouped per file, colour on a terminal) or json:
             {"files":[{"file","findings":[{"rule","severity","path","message"}]}]}
  FILE       a YAML file with one or more Service documents; - reads standard input

Exit status: 0 no errors (warnings allowed), 1 at least one error, 2 usage error.`;

/** Files larger than this are reported, not parsed: no manifest is anywhere near it. */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export interface FileResult {
  readonly file: string;
  readonly findings: readonly Finding[];
}

function fileFinding(message: string): Finding {
  return { rule: 'file/read', severity: 'error', path: '', message };
}

async function readInput(file: string): Promise<string | Finding> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buffer.length;
        if (size > MAX_FILE_BYTES)
          return fileFinding(`standard input is larger than ${MAX_FILE_BYTES} bytes`);
        chunks.push(buffer);
      }
      return Buffer.concat(chunks).toString('utf8');
    }
    const info = await stat(file);
    if (info.isDirectory()) return fileFinding(`${file} is a directory, not a YAML file`);
    if (info.size > MAX_FILE_BYTES)
      return fileFinding(`${file} is larger than ${MAX_FILE_BYTES} bytes`);
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return fileFinding(
      code === 'ENOENT'
        ? `${file} does not exist`
        : `${file} cannot be read (${code ?? String(error)})`,
    );
  }
}

export async function validateFiles(
  files: readonly string[],
  target: Target,
): Promise<FileResult[]> {
  const results: FileResult[] = [];
  for (const file of files) {
    const text = await readInput(file);
    results.push({
      file,
      findings: typeof text === 'string' ? validateYamlText(text, { target }) : [text],
    });
  }
  return results;
}

interface Style {
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly green: (s: string) => string;
}

function style(colour: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    colour ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
  };
}

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Human-readable report: one block per file, errors first, then a summary line. */
export function formatText(
  results: readonly FileResult[],
  target: Target,
  colour: boolean,
): string {
  const s = style(colour);
  const lines: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const { file, findings } of results) {
    const e = findings.filter((f) => f.severity === 'error');
    const w = findings.filter((f) => f.severity === 'warning');
    errors += e.length;
    warnings += w.length;
    const verdict = e.length > 0 ? s.red(count(e.length, 'error')) : s.green('OK');
    lines.push(
      `${s.bold(file)}: ${verdict}${w.length > 0 ? `, ${s.yellow(count(w.length, 'warning'))}` : ''}`,
    );
    for (const f of [...e, ...w]) {
      const label = f.severity === 'error' ? s.red('error  ') : s.yellow('warning');
      lines.push(`  ${label} ${s.bold(f.path || '(document)')}  ${s.dim(f.rule)}`);
      lines.push(`          ${f.message}`);
    }
  }
  lines.push('');
  lines.push(
    `${count(results.length, 'file')} checked against ${target === 'cloudrun' ? 'Cloud Run' : 'Knative'} rules: ${count(errors, 'error')}, ${count(warnings, 'warning')}`,
  );
  return `${lines.join('\n')}\n`;
}

export function formatJson(results: readonly FileResult[]): string {
  const files = results.map(({ file, findings }) => ({
    file,
    findings: findings.map(({ rule, severity, path, message }) => ({
      rule,
      severity,
      path,
      message,
    })),
  }));
  return `${JSON.stringify({ files })}\n`;
}

export const validateCommand: Command = {
  name: 'validate',
  summary:
    'check Knative Service manifests offline against Cloud Run or Knative rules (exit 1 on errors)',
  usage,
  async run(argv) {
    const { values, positionals } = parseCommandLine(
      argv,
      {
        target: { type: 'string', default: 'cloudrun' },
        format: { type: 'string', default: 'text' },
        help: { type: 'boolean', short: 'h' },
      },
      true,
    );
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    const target = values.target as Target;
    if (!TARGETS.includes(target))
      throw new UsageError(`--target must be cloudrun or knative, not "${values.target}"`);
    if (values.format !== 'text' && values.format !== 'json')
      throw new UsageError(`--format must be text or json, not "${values.format}"`);
    if (positionals.length === 0) throw new UsageError('no FILE given');

    const results = await validateFiles(positionals, target);
    const colour =
      values.format === 'text' && process.stdout.isTTY === true && !process.env['NO_COLOR'];
    process.stdout.write(
      values.format === 'json' ? formatJson(results) : formatText(results, target, colour),
    );
    return results.some((r) => r.findings.some((f) => f.severity === 'error')) ? 1 : 0;
  },
};
