/**
 * Skaffold's own verdict on skaffold.yaml. The Go harness in skaffold-oracle/ imports Skaffold
 * v2.24.0 as a library (Skaffold itself cannot be installed here: no package, no `go install`)
 * and runs its strict parser, schema upgrade and profile application (`schema.ApplyProfiles`:
 * activation, overlay, patches). For each way the guide and cloudbuild.yaml run Skaffold, the
 * result must have one deployer, the right builder, the right manifests and the synth hook
 * exactly where it should be — as Skaffold computes it, not as our model of it does.
 *
 * The harness is built with `go build` into .tmp/ (gitignored), rebuilt only when its sources
 * change; the first build downloads the Go modules and takes minutes.
 */
import { fc } from '@fast-check/ava';
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadSkaffold, repoFile, repoRoot } from './repo.ts';
import { skaffoldCommands } from './skaffold-commands.ts';
import {
  activeProfiles,
  effectiveBuilder,
  effectiveDeployers,
  profilesOfCommand,
} from './skaffold-model.ts';

const ci = /^(1|true|yes)$/i.test(process.env['CI'] ?? '');
const harnessDir = repoFile('test/delivery/skaffold-oracle');
const binary = join(repoRoot, '.tmp', 'skaffold-oracle');

interface Effective {
  profiles: string[] | null;
  applied?: string[];
  error?: string;
  /** Skaffold's config validation, which runs before any build or hook. */
  invalid?: string;
  builder?: string;
  push?: boolean;
  platforms: string[] | null;
  deployers: string[] | null;
  rawYaml: string[] | null;
  hooks: string[][] | null;
  artifacts: string[] | null;
  cloudrun?: { projectid?: string; region?: string };
}

function goInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v go'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the harness unless it is newer than its sources. Asynchronous, from a hook with its own
 * timeout: a cold build (module downloads, client-go) takes minutes, longer than AVA's idle timeout.
 */
function buildHarness(): Promise<void> {
  const sources = ['main.go', 'go.mod', 'go.sum'].map((f) => statSync(join(harnessDir, f)).mtimeMs);
  if (existsSync(binary) && statSync(binary).mtimeMs > Math.max(...sources))
    return Promise.resolve();
  mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
  return new Promise((resolve, reject) => {
    execFile(
      'go',
      ['build', '-o', binary, '.'],
      { cwd: harnessDir, timeout: 30 * 60_000, env: { ...process.env, GOFLAGS: '-mod=readonly' } },
      (error, _stdout, stderr) =>
        error ? reject(new Error(`go build of the Skaffold oracle failed:\n${stderr}`)) : resolve(),
    );
  });
}

/** Skaffold's effective config of `path` for `command` under each profile set (and `env`). */
function skaffold(
  path: string,
  command: string,
  sets: readonly (readonly string[])[],
  env: Record<string, string> = {},
): Promise<Effective[]> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      [path, command, ...sets.map((s) => s.join(','))],
      // Skaffold resolves rawYaml globs against its working directory: the config's own directory.
      // No kubeconfig: profile activation must not depend on the machine's clusters.
      {
        cwd: dirname(path),
        env: { PATH: process.env['PATH'], HOME: tmpdir(), KUBECONFIG: '/dev/null', ...env },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stderr}`));
        else
          resolve(
            stdout
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as Effective),
          );
      },
    );
  });
}

const SKAFFOLD_YAML = repoFile('skaffold.yaml');

if (!goInstalled()) {
  if (ci) test('Go is installed (required with CI=true)', (t) => t.fail('go not found on PATH'));
  else
    test.skip('skaffold.yaml through Skaffold’s own parser and profiles (Go not installed)', () => {});
} else {
  test.before('build the Skaffold harness', async (t) => {
    t.timeout(30 * 60_000);
    await buildHarness();
  });
  const scratch = mkdtempSync(join(tmpdir(), 'skaffold-oracle-'));
  test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

  test('Skaffold parses skaffold.yaml strictly: one artifact, the synth hook, no deployer of its own', async (t) => {
    const [base] = await skaffold(SKAFFOLD_YAML, 'run', [[]]);
    t.falsy(base!.error, base!.error);
    t.deepEqual(base!.artifacts, ['elevendops']);
    t.deepEqual(base!.platforms, ['linux/amd64']);
    t.deepEqual(base!.hooks, [['npm', 'run', 'synth']]);
    t.deepEqual(base!.deployers, null);
    t.is(base!.builder, 'local');
  });

  test('skaffold dev -p dev: kubectl only, local manifests, the cluster’s own architecture', async (t) => {
    const [dev] = await skaffold(SKAFFOLD_YAML, 'dev', [['dev']]);
    t.falsy(dev!.error, dev!.error);
    t.deepEqual(dev!.applied, ['dev']);
    t.deepEqual(dev!.deployers, ['kubectl']);
    t.deepEqual(dev!.rawYaml, ['dist/local/*.yaml']);
    t.deepEqual(dev!.platforms, null);
    t.deepEqual(dev!.hooks, [['npm', 'run', 'synth']]);
  });

  test('skaffold run -p cloudrun: Cloud Run only, pushing, amd64, the Cloud Run manifest', async (t) => {
    for (const command of ['run', 'dev']) {
      const [cr] = await skaffold(SKAFFOLD_YAML, command, [['cloudrun']]);
      t.falsy(cr!.error, cr!.error);
      t.deepEqual(cr!.deployers, ['cloudrun']);
      t.is(cr!.builder, 'local');
      t.is(cr!.push, true);
      t.deepEqual(cr!.platforms, ['linux/amd64']);
      t.deepEqual(cr!.rawYaml, ['dist/cloudrun/service.yaml']);
      t.is(cr!.cloudrun?.region, 'asia-east1');
    }
  });

  test('skaffold run -p cloudrun,cloudbuild: built by Cloud Build, deployed to Cloud Run', async (t) => {
    const [both, reversed] = await skaffold(SKAFFOLD_YAML, 'run', [
      ['cloudrun', 'cloudbuild'],
      ['cloudbuild', 'cloudrun'],
    ]);
    t.falsy(both!.error, both!.error);
    t.is(both!.builder, 'googleCloudBuild');
    t.deepEqual(both!.deployers, ['cloudrun']);
    // The order matters (one-of builders: the later profile wins), as the guide says.
    t.is(reversed!.builder, 'local');
  });

  test('in Cloud Build (ELEVENDOPS_SKIP_SYNTH=true) the hook is gone and nothing else changes', async (t) => {
    const [ci] = await skaffold(SKAFFOLD_YAML, 'run', [['cloudrun']], {
      ELEVENDOPS_SKIP_SYNTH: 'true',
    });
    t.falsy(ci!.error, ci!.error);
    t.deepEqual(ci!.applied, ['no-synth', 'cloudrun']);
    t.deepEqual(ci!.hooks, null);
    t.deepEqual(ci!.deployers, ['cloudrun']);
    t.is(ci!.push, true);
    t.deepEqual(ci!.rawYaml, ['dist/cloudrun/service.yaml']);
    const [local] = await skaffold(SKAFFOLD_YAML, 'run', [['cloudrun']]);
    t.deepEqual(local!.applied, ['cloudrun'], 'no-synth must stay off outside Cloud Build');
  });

  test('every Skaffold command of the guide and cloudbuild.yaml, as Skaffold applies it: one deployer', async (t) => {
    const commands = skaffoldCommands();
    t.true(commands.length >= 4);
    for (const c of commands) {
      const [r] = await skaffold(SKAFFOLD_YAML, c.args[0]!, [profilesOfCommand(c.args)], {
        ...c.env,
      });
      const shown = `${c.where}: skaffold ${c.args.join(' ')}`;
      t.falsy(r!.error, `${shown}: ${r!.error}`);
      t.is(r!.deployers?.length, 1, `${shown} → deployers ${JSON.stringify(r!.deployers)}`);
      if (r!.deployers?.[0] === 'cloudrun') {
        t.deepEqual(r!.platforms, ['linux/amd64'], shown);
        t.true(
          r!.builder === 'googleCloudBuild' || r!.push === true,
          `${shown}: images would not be pushed`,
        );
      }
    }
  });

  test('our model of profile application (used by the unit tier) agrees with Skaffold on random profile lists', async (t) => {
    const config = loadSkaffold();
    const names = (config.profiles ?? []).map((p) => p.name);
    const sets = fc.sample(
      fc.array(fc.constantFrom(...names, ...names.map((n) => `-${n}`)), { maxLength: 4 }),
      {
        numRuns: 40,
        seed: 8,
      },
    );
    for (const command of ['run', 'dev'])
      for (const env of [{}, { ELEVENDOPS_SKIP_SYNTH: 'true' }] as Record<string, string>[]) {
        const results = await skaffold(SKAFFOLD_YAML, command, sets, env);
        results.forEach((r, i) => {
          const model = activeProfiles(config, command, sets[i]!, env);
          const label = `${command} -p ${sets[i]!.join(',')} ${JSON.stringify(env)}`;
          t.falsy(r.error, `${label}: ${r.error}`);
          t.deepEqual(
            r.applied ?? [],
            model.map((p) => p.name),
            label,
          );
          t.deepEqual(
            [...(r.deployers ?? [])].sort(),
            effectiveDeployers(config, model).sort(),
            label,
          );
          t.is(r.builder, effectiveBuilder(config, model), label);
        });
      }
  });

  /** A directory holding a copy of skaffold.yaml and, if asked, what `npm run synth` writes. */
  function checkout(name: string, withSynth: boolean): string {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'skaffold.yaml'), readFileSync(SKAFFOLD_YAML));
    if (withSynth) {
      const r = spawnSync(
        'npm',
        [
          'run',
          '--silent',
          'synth',
          '--',
          `--outdir=${join(dir, 'dist')}`,
          '--project=oracle-test-project',
        ],
        {
          cwd: repoRoot,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      if (r.status !== 0) throw new Error(`npm run synth failed:\n${r.stdout}${r.stderr}`);
    }
    return join(dir, 'skaffold.yaml');
  }

  test('on a fresh clone Skaffold stops before its hook can synthesize (so the guide runs npm run synth first)', async (t) => {
    const fresh = checkout('fresh', false);
    const [cloudrun, dev] = await skaffold(fresh, 'run', [['cloudrun'], ['dev']]);
    t.regex(
      cloudrun!.invalid ?? '',
      /Manifest file "dist\/cloudrun\/service\.yaml" referenced in skaffold config could not be found/,
    );
    t.regex(
      dev!.invalid ?? '',
      /Manifest file "dist\/local\/\*\.yaml" referenced in skaffold config could not be found/,
    );
    // The guide's troubleshooting quotes the message exactly as Skaffold prints it.
    const quoted = /Manifest file "[^"]+" referenced in skaffold config could not be found/.exec(
      cloudrun!.invalid ?? '',
    )?.[0];
    t.true(
      readFileSync(repoFile('deploy/README.md'), 'utf8').includes(`| \`${quoted}\``),
      'troubleshooting lacks the message',
    );
  });

  test('after npm run synth, Skaffold’s validation accepts every documented command', async (t) => {
    const synthesized = checkout('synthesized', true);
    for (const c of skaffoldCommands()) {
      const [r] = await skaffold(synthesized, c.args[0]!, [profilesOfCommand(c.args)], {
        ...c.env,
      });
      t.falsy(
        r!.error ?? r!.invalid,
        `${c.where}: skaffold ${c.args.join(' ')}: ${r!.error ?? r!.invalid}`,
      );
    }
  });

  test('the oracle is live: Skaffold rejects a misspelt key and a deployer key that does not exist', async (t) => {
    const original = readFileSync(SKAFFOLD_YAML, 'utf8');
    const variants = {
      'typo.yaml': original.replace(
        '      cloudrun:\n        region:',
        '      cloudrun:\n        regoin:',
      ),
      'projectID.yaml': original.replace(
        '        region: asia-east1',
        '        projectID: p\n        region: asia-east1',
      ),
    };
    for (const [name, text] of Object.entries(variants)) {
      t.not(text, original, name);
      const path = join(scratch, name);
      writeFileSync(path, text);
      const [r] = await skaffold(path, 'run', [['cloudrun']]);
      t.truthy(r!.error, `${name} was accepted`);
    }
  });
}
