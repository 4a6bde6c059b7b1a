/** The shell reader the guide checks rely on: quoting, separators, continuations, substitutions. */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import {
  inlineCommands,
  markdownCommands,
  parseShell,
  quoteWord,
  shellBlocks,
  ShellSyntaxError,
} from './shell.ts';

const word = fc.string({ minLength: 0, maxLength: 12, unit: 'grapheme-ascii' });
const SHELL_KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'do',
  'done',
  'case',
  'esac',
  'while',
  'until',
  'for',
  'in',
  'function',
  'select',
  'time',
]);

/** Plain words: no shell metacharacters, so they can be written unquoted. */
const bareWord = fc
  .stringMatching(/^[a-z0-9][a-z0-9._/:=,@-]{0,10}$/)
  .filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w))
  // Reserved words (if, then, do, ...) are syntax, not command names, when they start a command.
  .filter((w) => !SHELL_KEYWORDS.has(w));
const command = fc.array(word, { minLength: 1, maxLength: 5 });
const separator = fc.constantFrom(' ; ', ' && ', ' || ', ' | ', '\n', ' & ', ';\n');

const words = (script: string) => parseShell(script).map((c) => [...c.words]);

testProp('single-quoted words read back unchanged', [command], (t, ws) => {
  t.deepEqual(words(ws.map(quoteWord).join(' ')), [ws]);
});

testProp('double-quoted words read back unchanged', [command], (t, ws) => {
  const quoted = ws.map((w) => `"${w.replace(/[\\"$`]/g, '\\$&')}"`);
  t.deepEqual(words(quoted.join(' ')), [ws]);
});

testProp(
  'commands joined by any separator come back as the same commands',
  [
    fc.array(command, { minLength: 1, maxLength: 4 }),
    fc.array(separator, { minLength: 3, maxLength: 3 }),
  ],
  (t, commands, seps) => {
    const script = commands
      .map((c, i) => (i === 0 ? '' : seps[i % seps.length]) + c.map(quoteWord).join(' '))
      .join('');
    t.deepEqual(words(script), commands);
  },
);

testProp(
  'line continuations and comments change nothing',
  [fc.array(bareWord, { minLength: 1, maxLength: 6 })],
  (t, ws) => {
    const plain = ws.join(' ');
    const continued = `${ws.join(' \\\n    ')}   # a comment with 'quotes' && pipes |`;
    t.deepEqual(words(continued), words(plain));
    t.deepEqual(words(plain), [ws]);
  },
);

testProp(
  'the commands inside $(…) are found, before the command that uses them',
  [
    fc.array(bareWord, { minLength: 1, maxLength: 4 }),
    fc.array(bareWord, { minLength: 1, maxLength: 4 }),
  ],
  (t, outer, inner) => {
    const script = `${outer.join(' ')} "$(${inner.join(' ')})" --x="$(${inner.join(' ')})/path"`;
    const found = words(script);
    t.deepEqual(found.slice(0, 2), [inner, inner]);
    t.deepEqual(found[2]!.slice(0, outer.length), outer);
    t.is(found.length, 3);
  },
);

test('assignments, keywords and redirections are not part of the command', (t) => {
  t.deepEqual(words('A=1 B="x y" gcloud run services list 2>/dev/null > out.txt'), [
    ['gcloud', 'run', 'services', 'list'],
  ]);
  t.deepEqual(words('for s in a b; do gcloud secrets describe "$s"; done'), [
    ['for', 's', 'in', 'a', 'b'],
    ['gcloud', 'secrets', 'describe', '$s'],
    ['done'],
  ]);
  t.deepEqual(words('printf \'%s\' "$KEY" | gcloud secrets create k --data-file=-'), [
    ['printf', '%s', '$KEY'],
    ['gcloud', 'secrets', 'create', 'k', '--data-file=-'],
  ]);
});

test('broken quoting is an error, not a guess', (t) => {
  t.throws(() => parseShell("echo 'open"), { instanceOf: ShellSyntaxError });
  t.throws(() => parseShell('echo "open'), { instanceOf: ShellSyntaxError });
  t.throws(() => parseShell('echo $(open'), { instanceOf: ShellSyntaxError });
});

test('Markdown: only shell blocks, also inside block quotes, with their line numbers', (t) => {
  const md = [
    '# Title', // 1
    '```sh', // 2
    'gcloud a b', // 3
    '```', // 4
    '```yaml', // 5
    'gcloud: not a command', // 6
    '```', // 7
    '> ```bash', // 8
    '> gcloud c \\', // 9
    '>   --d', // 10
    '> ```', // 11
  ].join('\n');
  t.deepEqual(
    shellBlocks(md).map((b) => b.line),
    [3, 9],
  );
  t.deepEqual(
    markdownCommands(md).map((c) => ({ words: [...c.words], line: c.line })),
    [
      { words: ['gcloud', 'a', 'b'], line: 3 },
      { words: ['gcloud', 'c', '--d'], line: 9 },
    ],
  );
});

test('Markdown: inline commands in the prose, also wrapped onto the next line, not in blocks', (t) => {
  const md = [
    'Run `gcloud run services proxy` or', // 1
    '`gcloud run revisions describe NAME', // 2
    '--region="$REGION"` to see it; `npm start` is not gcloud.', // 3
    '', // 4
    '```sh', // 5
    'echo `gcloud not-inline`', // 6
    '```', // 7
    '> quoted `gcloud auth login` too', // 8
  ].join('\n');
  t.deepEqual(
    inlineCommands(md, ['gcloud']).map((c) => ({ words: [...c.words], line: c.line })),
    [
      { words: ['gcloud', 'run', 'services', 'proxy'], line: 1 },
      { words: ['gcloud', 'run', 'revisions', 'describe', 'NAME', '--region=$REGION'], line: 2 },
      { words: ['gcloud', 'auth', 'login'], line: 8 },
    ],
  );
});
