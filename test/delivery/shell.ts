/**
 * Just enough of the POSIX shell grammar to find the commands a guide tells people to paste:
 * quoting ('…', "…", backslash), line continuations, comments, `;` `&&` `||` `|` `&` and newlines
 * between commands, redirections, `$(…)` command substitutions (whose commands are returned too)
 * and `VAR=value` prefixes. Variables are not expanded: `"$REGION"` stays the word `$REGION`,
 * which is all a flag check needs. No here-documents, no aliases, no functions.
 */

export interface ShellCommand {
  /** The words after quote removal, without leading `VAR=value` assignments and `do`/`then`/…. */
  readonly words: readonly string[];
}

/** `raw` is the word as written: an assignment is only one when its `NAME=` is unquoted. */
type Token = { kind: 'word'; text: string; raw: string } | { kind: 'sep' };

const LEADING_KEYWORDS = new Set([
  'do',
  'then',
  'else',
  'elif',
  'if',
  'while',
  'until',
  '!',
  'time',
  '{',
  '}',
]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export class ShellSyntaxError extends Error {
  override readonly name = 'ShellSyntaxError';
}

/** The simple commands of a script, in order; a `$(…)` command comes before the one using it. */
export function parseShell(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const tokens = tokenize(script, commands);
  let words: { text: string; raw: string }[] = [];
  const flush = () => {
    let start = 0;
    while (
      start < words.length &&
      (ASSIGNMENT.test(words[start]!.raw) || LEADING_KEYWORDS.has(words[start]!.raw))
    )
      start++;
    if (start < words.length) commands.push({ words: words.slice(start).map((w) => w.text) });
    words = [];
  };
  for (const token of tokens) {
    if (token.kind === 'sep') flush();
    else words.push(token);
  }
  flush();
  return commands;
}

/** Tokens of `script`; commands found inside `$(…)` are appended to `nested` as they are read. */
function tokenize(script: string, nested: ShellCommand[]): Token[] {
  const tokens: Token[] = [];
  let word: string | undefined;
  let wordStart = 0;
  let redirectTarget = false;
  const endWord = (at: number) => {
    if (word === undefined) return;
    if (redirectTarget) redirectTarget = false;
    else tokens.push({ kind: 'word', text: word, raw: script.slice(wordStart, at) });
    word = undefined;
  };
  const sep = (at: number) => {
    endWord(at);
    tokens.push({ kind: 'sep' });
  };

  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (word === undefined) wordStart = i;
    if (c === '\\') {
      const next = script[i + 1];
      if (next === '\n') {
        i += 2;
        continue;
      }
      if (next === undefined) throw new ShellSyntaxError('backslash at end of script');
      word = (word ?? '') + next;
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = script.indexOf("'", i + 1);
      if (close === -1) throw new ShellSyntaxError(`unterminated ' at offset ${i}`);
      word = (word ?? '') + script.slice(i + 1, close);
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= script.length) throw new ShellSyntaxError(`unterminated " at offset ${i}`);
        const d = script[j]!;
        if (d === '"') break;
        if (d === '\\' && j + 1 < script.length && '$`"\\\n'.includes(script[j + 1]!)) {
          if (script[j + 1] !== '\n') text += script[j + 1];
          j += 2;
          continue;
        }
        if (d === '$' && script[j + 1] === '(') {
          const end = substitutionEnd(script, j + 2);
          nested.push(...parseShell(script.slice(j + 2, end)));
          text += script.slice(j, end + 1);
          j = end + 1;
          continue;
        }
        text += d;
        j++;
      }
      word = (word ?? '') + text;
      i = j + 1;
      continue;
    }
    if (c === '$' && script[i + 1] === '(') {
      const end = substitutionEnd(script, i + 2);
      nested.push(...parseShell(script.slice(i + 2, end)));
      word = (word ?? '') + script.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === '#' && word === undefined) {
      const eol = script.indexOf('\n', i);
      i = eol === -1 ? script.length : eol;
      continue;
    }
    if (c === ' ' || c === '\t') {
      endWord(i);
      i++;
      continue;
    }
    if (c === '\n' || c === ';' || c === '(' || c === ')') {
      sep(i);
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      sep(i);
      i += script[i + 1] === c ? 2 : 1;
      continue;
    }
    if (c === '>' || c === '<') {
      // `2>` / `>>` / `>&1` / `< file`: the target word is not an argument.
      if (word !== undefined && /^\d+$/.test(word)) word = undefined;
      endWord(i);
      i++;
      if (script[i] === '>' || script[i] === '&') i++;
      redirectTarget = true;
      continue;
    }
    word = (word ?? '') + c;
    i++;
  }
  endWord(script.length);
  return tokens;
}

/** Index of the `)` closing a `$(` whose body starts at `start` (quotes and nesting respected). */
function substitutionEnd(script: string, start: number): number {
  let depth = 1;
  let i = start;
  while (i < script.length) {
    const c = script[i]!;
    if (c === '\\') i += 2;
    else if (c === "'") {
      const close = script.indexOf("'", i + 1);
      if (close === -1) break;
      i = close + 1;
    } else if (c === '"') {
      i++;
      while (i < script.length && script[i] !== '"') i += script[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === '(') {
      depth++;
      i++;
    } else if (c === ')') {
      depth--;
      if (depth === 0) return i;
      i++;
    } else i++;
  }
  throw new ShellSyntaxError(`unterminated $( at offset ${start - 2}`);
}

/** Single-quotes a word so that `parseShell` (and a real shell) reads it back unchanged. */
export function quoteWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface ShellBlock {
  /** 1-based line of the block's first content line in the Markdown file. */
  readonly line: number;
  readonly text: string;
}

const SHELL_LANGUAGES = new Set(['sh', 'bash', 'shell', 'zsh', 'console']);

/** The fenced code blocks of a Markdown text whose info string names a shell (also in quotes). */
export function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  const unquote = (line: string) => line.replace(/^\s*(?:>\s?)+/, '');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*(?:>\s*)*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (!open) continue;
    const quoted = open[1]!.includes('>');
    const content = (line: string) => (quoted ? unquote(line) : line);
    const fence = open[2]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !content(lines[j]!).trimStart().startsWith(fence))
      body.push(content(lines[j++]!));
    if (SHELL_LANGUAGES.has(open[3]!.toLowerCase()))
      blocks.push({ line: i + 2, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

export interface LocatedCommand extends ShellCommand {
  /** Line of the Markdown block the command is in. */
  readonly line: number;
}

/** Every command in the shell blocks of a Markdown text. */
export function markdownCommands(markdown: string): LocatedCommand[] {
  return shellBlocks(markdown).flatMap((b) =>
    parseShell(b.text).map((c) => ({ words: c.words, line: b.line })),
  );
}

/**
 * Commands quoted inline in the prose (`` `gcloud run services proxy` ``), outside fenced blocks;
 * an inline span may wrap onto the next line. Only spans starting with one of `programs`.
 */
export function inlineCommands(markdown: string, programs: readonly string[]): LocatedCommand[] {
  const out: LocatedCommand[] = [];
  const lines = markdown.split('\n');
  let fence: string | undefined;
  const prose: { line: number; text: string }[] = [];
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s*(?:>\s?)*/, '');
    const marker = /^(`{3,}|~{3,})/.exec(line.trimStart())?.[1];
    if (fence === undefined && marker) fence = marker;
    else if (fence !== undefined && marker?.startsWith(fence)) fence = undefined;
    else if (fence === undefined) prose.push({ line: i + 1, text: line });
  });
  // Join each paragraph so that spans broken across lines are seen whole.
  let start = 0;
  for (let k = 0; k <= prose.length; k++) {
    const breaks =
      k === prose.length ||
      prose[k]!.text.trim() === '' ||
      (k > start && prose[k]!.line !== prose[k - 1]!.line + 1);
    if (!breaks) continue;
    const paragraph = prose.slice(start, k);
    const text = paragraph.map((p) => p.text).join('\n');
    for (const m of text.matchAll(/(?<!`)`([^`]+)`(?!`)/g)) {
      const span = m[1]!.replaceAll('\n', ' ');
      if (!programs.some((p) => span.startsWith(`${p} `))) continue;
      const line = paragraph[0]!.line + text.slice(0, m.index).split('\n').length - 1;
      for (const c of parseShell(span)) out.push({ words: c.words, line });
    }
    start = k + 1;
  }
  return out;
}
