/** The gcloud help reader, on help texts laid out the way `gcloud … --help` prints them. */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { flagsUsed, parseGcloudHelp } from './gcloud-help.ts';

const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(-[a-z0-9]{1,6}){0,2}$/);
const flagSpec = fc.record({
  name,
  negatable: fc.boolean(),
  value: fc.boolean(),
  short: fc.option(fc.constantFrom(...'abcdkqt')),
});

function renderCommand(
  path: string[],
  flags: { name: string; negatable: boolean; value: boolean; short: string | null }[],
): string {
  const form = (f: (typeof flags)[number]) =>
    `--${f.negatable ? '[no-]' : ''}${f.name}${f.value ? `=${f.name.toUpperCase().replaceAll('-', '_')}` : ''}${f.short ? `, -${f.short}` : ''}`;
  const synopsis = flags.map((f) => `[${form(f)}]`).join(' ');
  return [
    'NAME',
    `    ${path.join(' ')} - do a thing`,
    '',
    'SYNOPSIS',
    `    ${path.join(' ')} NAME ${synopsis}`,
    '        [GCLOUD_WIDE_FLAG ...]',
    '',
    'DESCRIPTION',
    '    Mentions --not-a-flag-of-this-command in prose, which must not count.',
    '',
    'FLAGS',
    ...flags.flatMap((f) => [`     ${form(f)}`, '        What it does.', '']),
    'GCLOUD WIDE FLAGS',
    '    These flags are available to all commands: --account, --project,',
    '    --quiet, --verbosity.',
    '',
  ].join('\n');
}

testProp(
  'a command: every flag of the synopsis and the FLAGS section, [no-] forms both ways, wide flags',
  [fc.uniqueArray(flagSpec, { selector: (f) => f.name, maxLength: 8 })],
  (t, flags) => {
    const help = parseGcloudHelp(renderCommand(['gcloud', 'things', 'create'], flags));
    t.deepEqual(help.path, ['gcloud', 'things', 'create']);
    t.false(help.isGroup);
    const expected = new Set(['--account', '--project', '--quiet', '--verbosity']);
    for (const f of flags) {
      expected.add(`--${f.name}`);
      if (f.negatable) expected.add(`--no-${f.name}`);
      if (f.short) expected.add(`-${f.short}`);
    }
    t.deepEqual([...help.flags].sort(), [...expected].sort());
  },
);

testProp(
  'a group: its sub-groups and commands',
  [fc.uniqueArray(name, { minLength: 1, maxLength: 6 }), fc.uniqueArray(name, { maxLength: 6 })],
  (t, commands, groups) => {
    const text = [
      'NAME',
      '    gcloud things - manage things',
      '',
      'SYNOPSIS',
      '    gcloud things GROUP | COMMAND [GCLOUD_WIDE_FLAG ...]',
      '',
      ...(groups.length
        ? [
            'GROUPS',
            '    GROUP is one of the following:',
            '',
            ...groups.flatMap((g) => [`     ${g}`, '        A group.', '']),
          ]
        : []),
      'COMMANDS',
      '    COMMAND is one of the following:',
      '',
      ...commands.flatMap((c) => [`     ${c}`, '        A command.', '']),
    ].join('\n');
    const help = parseGcloudHelp(text);
    t.true(help.isGroup);
    t.deepEqual([...help.children].sort(), [...new Set([...commands, ...groups])].sort());
  },
);

test('flags used: names without values, short flags, nothing after --', (t) => {
  t.deepEqual(
    flagsUsed([
      'NAME',
      '--region=asia-east1',
      '--quiet',
      '-q',
      'gs://b',
      '--data-file',
      '-',
      '--',
      '--x',
    ]),
    ['--region', '--quiet', '-q', '--data-file'],
  );
});
