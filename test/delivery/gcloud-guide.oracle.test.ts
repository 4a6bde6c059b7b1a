/**
 * Every gcloud command the deployment guide (and cloudbuild.yaml) tells people or CI to run is
 * one the installed gcloud knows, with flags it accepts — read from gcloud's own `--help`, which
 * works offline. A typo in the guide fails here. Without gcloud the tests skip; with CI=true they
 * fail instead.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { synthesize } from '../../charts/synth.ts';
import { loadCloudBuild, readRepoText } from './repo.ts';
import { GcloudOracle, gcloudInstalled } from './gcloud-oracle.ts';
import { inlineCommands, markdownCommands, parseShell } from './shell.ts';

interface Invocation {
  readonly where: string;
  readonly words: readonly string[];
}

function guideInvocations(): Invocation[] {
  const guide = readRepoText('deploy/README.md');
  // The commands of the shell blocks, and those quoted inline in the prose.
  return [...markdownCommands(guide), ...inlineCommands(guide, ['gcloud'])]
    .filter((c) => c.words[0] === 'gcloud')
    .map((c) => ({ where: `deploy/README.md:${c.line}`, words: c.words }));
}

function cloudBuildInvocations(): Invocation[] {
  const out: Invocation[] = [];
  for (const [index, step] of loadCloudBuild().steps.entries()) {
    const where = `cloudbuild.yaml step ${step.id ?? index}`;
    const args = step.args ?? [];
    if (step.entrypoint === 'gcloud') out.push({ where, words: ['gcloud', ...args] });
    if (step.entrypoint === 'bash' && args[0] === '-c' && args[1] !== undefined) {
      // Cloud Build turns $$ into $ before bash sees the script.
      for (const c of parseShell(args[1].replaceAll('$$', '$')))
        if (c.words[0] === 'gcloud') out.push({ where, words: c.words });
    }
  }
  return out;
}

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const invocations = [...guideInvocations(), ...cloudBuildInvocations()];

test('the guide and cloudbuild.yaml contain the gcloud commands this test expects to check', (t) => {
  // Guards against the extractor silently finding nothing (a changed fence, a parse change).
  t.true(invocations.length >= 30, `only ${invocations.length} gcloud commands found`);
  for (const group of [
    'services',
    'artifacts',
    'firestore',
    'storage',
    'secrets',
    'iam',
    'projects',
    'run',
    'builds',
  ])
    t.true(
      invocations.some((i) => i.words[1] === group),
      `no gcloud ${group} command found`,
    );
});

if (!gcloudInstalled()) {
  if (ci)
    test('gcloud is installed (required with CI=true)', (t) => t.fail('gcloud not found on PATH'));
  else test.skip('gcloud commands checked against gcloud --help (gcloud not installed)', () => {});
} else {
  // The guide's commands name files `npm run synth` writes (gcloud loads them while parsing):
  // give gcloud a working directory that has them, whatever state the checkout is in.
  const workdir = mkdtempSync(join(tmpdir(), 'gcloud-guide-'));
  for (const file of synthesize({ project: 'guide-test-project' }).files) {
    mkdirSync(dirname(join(workdir, 'dist', file.path)), { recursive: true });
    writeFileSync(join(workdir, 'dist', file.path), file.text);
  }
  const oracle = new GcloudOracle(2, workdir);
  test.after.always(() => {
    oracle.dispose();
    rmSync(workdir, { recursive: true, force: true });
  });

  test('the oracle rejects an unknown command, an unknown flag and a bare group', async (t) => {
    t.timeout(300_000);
    const typoCommand = await oracle.check(['gcloud', 'run', 'servces', 'list']);
    t.regex(typoCommand.problems.join('\n'), /servces/);
    const typoFlag = await oracle.check([
      'gcloud',
      'run',
      'services',
      'list',
      '--regoin=asia-east1',
    ]);
    t.deepEqual(typoFlag.problems, ['gcloud run services list does not accept --regoin']);
    const group = await oracle.check(['gcloud', 'run', 'services']);
    t.regex(group.problems.join('\n'), /is a group/);
    const good = await oracle.check([
      'gcloud',
      'run',
      'services',
      'list',
      '--region=asia-east1',
      '--quiet',
    ]);
    t.deepEqual(good.problems, []);
  });

  const seen = new Set<string>();
  let n = 0;
  for (const inv of invocations) {
    const key = inv.words.join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    const shown = inv.words
      .filter((w) => !w.startsWith('-'))
      .slice(0, 5)
      .join(' ');
    n++;
    test(`#${n} ${inv.where}: ${shown}`, async (t) => {
      // gcloud takes ~1 s per help text, a few per command, two at a time on a loaded machine.
      t.timeout(300_000);
      const result = await oracle.check(inv.words);
      t.deepEqual(result.problems, [], `${inv.where}: ${inv.words.join(' ')}`);
    });
  }
}
