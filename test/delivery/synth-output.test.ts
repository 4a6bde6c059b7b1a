/**
 * skaffold.yaml and the guide against what `npm run synth` really writes (run once, into a
 * temporary directory, so the working tree's dist/ is left alone): the artifact name is the image
 * of our app in every manifest, every rawYaml glob matches synthesized files of the kinds its
 * deployer takes, the dev port-forward targets a real Service port, a second synth leaves the files
 * untouched (Skaffold watches rawYaml files by modification time: a rewrite would redeploy in a
 * loop), and the secrets, service account and bucket the guide creates are the ones the Cloud Run
 * manifest references.
 */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SERVICE_SECRETS } from '../../server/config/secrets.ts';
import { loadSkaffold, readRepoText, readYamlDocuments, repoRoot } from './repo.ts';
import { markdownCommands } from './shell.ts';
import { globToRegExp } from './skaffold-model.ts';

const PROJECT = 'delivery-test-project';
/** Synth writes into <outRoot>/dist, so paths relative to outRoot read like the rawYaml globs. */
const CLOUDRUN_FILE = 'dist/cloudrun/service.yaml';
const outRoot = mkdtempSync(join(tmpdir(), 'delivery-synth-'));
test.after.always(() => rmSync(outRoot, { recursive: true, force: true }));

function synth(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      [
        'run',
        '--silent',
        'synth',
        '--',
        `--outdir=${join(outRoot, 'dist')}`,
        `--project=${PROJECT}`,
      ],
      // No GOOGLE_CLOUD_PROJECT / CLOUDSDK_RUN_REGION from the caller: defaults must be the charts'.
      {
        cwd: repoRoot,
        env: { PATH: process.env['PATH'], HOME: process.env['HOME'] },
        timeout: 120_000,
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          output: `${stdout}${stderr}`,
        }),
    );
  });
}

/** Files under `dir`, relative to `root`, with `/` separators. */
function listFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? listFiles(root, join(dir, e.name))
      : [relative(root, join(dir, e.name)).split('\\').join('/')],
  );
}

const first = synth();
const config = loadSkaffold();
const profiles = new Map((config.profiles ?? []).map((p) => [p.name, p]));

async function synthesized(): Promise<Map<string, any[]>> {
  const r = await first;
  if (r.code !== 0) throw new Error(`npm run synth failed (${r.code}):\n${r.output}`);
  const root = outRoot;
  return new Map(listFiles(root).map((f) => [f, readYamlDocuments(join(root, f))]));
}

/** Every container of every pod template or Knative template in `doc`. */
function containers(doc: any): any[] {
  const found: any[] = [];
  const walk = (node: any) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'containers' || key === 'initContainers') && Array.isArray(value))
          found.push(...value);
        else walk(value);
      }
    }
  };
  walk(doc);
  return found;
}

const artifact = (config.build?.['artifacts'] as any[])[0].image as string;
const filesOf = (files: Map<string, any[]>, glob: string) =>
  [...files.keys()].filter((f) => globToRegExp(glob).test(f));

test('npm run synth succeeds', async (t) => {
  const r = await first;
  t.is(r.code, 0, r.output);
});

test('every rawYaml glob of every profile matches files synth writes', async (t) => {
  const files = await synthesized();
  const globs = (config.profiles ?? []).flatMap(
    (p) => (p.manifests?.['rawYaml'] as string[] | undefined) ?? [],
  );
  t.true(globs.length >= 2);
  for (const glob of globs)
    t.not(filesOf(files, glob).length, 0, `${glob} matches nothing synth writes`);
});

test('the cloudrun profile deploys only Knative Services (anything else fails the Cloud Run deployer)', async (t) => {
  const files = await synthesized();
  const docs = (profiles.get('cloudrun')!.manifests!['rawYaml'] as string[]).flatMap((g) =>
    filesOf(files, g).flatMap((f) => files.get(f)!),
  );
  t.true(docs.length > 0);
  for (const d of docs) t.deepEqual([d.apiVersion, d.kind], ['serving.knative.dev/v1', 'Service']);
});

test('the dev profile deploys only plain Kubernetes kinds (no Knative on a bare local cluster)', async (t) => {
  const files = await synthesized();
  const docs = (profiles.get('dev')!.manifests!['rawYaml'] as string[]).flatMap((g) =>
    filesOf(files, g).flatMap((f) => files.get(f)!),
  );
  t.true(docs.length > 0);
  for (const d of docs)
    t.false(String(d.apiVersion).includes('knative'), `${d.kind} ${d.metadata?.name}`);
});

test('the artifact name is the image of our app in every synthesized target', async (t) => {
  const files = await synthesized();
  // One target per top directory: dist/cloudrun, dist/knative, dist/local (app + emulators).
  const targets = new Map<string, any[]>();
  for (const [file, docs] of files) {
    const target = file.split('/').slice(0, 2).join('/');
    targets.set(target, [...(targets.get(target) ?? []), ...docs]);
  }
  t.deepEqual([...targets.keys()].sort(), ['dist/cloudrun', 'dist/knative', 'dist/local']);
  for (const [target, docs] of targets) {
    const images = docs.flatMap(containers).map((c) => c.image as string);
    t.true(images.includes(artifact), `${target}: no container uses image ${artifact}`);
    // Other images are the emulators' own (third-party) images; none may be ours under another name.
    for (const image of images.filter((i) => i !== artifact)) {
      t.true(target === 'dist/local', `${target}: ${image} instead of the artifact name`);
      const repo = image.split('@')[0]!.split(':')[0]!.split('/').at(-1);
      t.not(
        repo,
        artifact,
        `${target}: ${image} looks like our image but is not the artifact name`,
      );
    }
  }
});

test('the dev port-forward targets a synthesized Service and one of its ports', async (t) => {
  const files = await synthesized();
  const services = [...files.values()]
    .flat()
    .filter((d) => d.apiVersion === 'v1' && d.kind === 'Service');
  for (const pf of profiles.get('dev')!.portForward ?? []) {
    const svc = services.find((s) => s.metadata?.name === pf['resourceName']);
    t.truthy(svc, `no Service ${pf['resourceName']}`);
    t.true(
      (svc?.spec?.ports ?? []).some((p: any) => p.port === pf['port']),
      `Service ${pf['resourceName']} has no port ${pf['port']}`,
    );
  }
});

test('the Cloud Run manifest is in the region the cloudrun profile deploys to (charts default)', async (t) => {
  const files = await synthesized();
  const [service] = files.get(CLOUDRUN_FILE)!;
  t.is(
    service.metadata.labels['cloud.googleapis.com/location'],
    profiles.get('cloudrun')!.deploy!['cloudrun'].region,
  );
});

test('a second synth with the same input leaves every file untouched (no skaffold dev redeploy loop)', async (t) => {
  const files = await synthesized();
  const mtimes = () =>
    Object.fromEntries([...files.keys()].map((f) => [f, statSync(join(outRoot, f)).mtimeMs]));
  const before = mtimes();
  const again = await synth();
  t.is(again.code, 0, again.output);
  t.deepEqual(mtimes(), before);
});

/** Words of the guide's commands that start with `gcloud <...prefix>`. */
function guideCommands(...prefix: string[]): string[][] {
  return markdownCommands(readRepoText('deploy/README.md'))
    .map((c) => [...c.words])
    .filter((w) => prefix.every((p, i) => w[i + 1] === p) && w[0] === 'gcloud');
}

test('the guide creates, versions and grants exactly the secrets the Cloud Run manifest references', async (t) => {
  const files = await synthesized();
  const referenced = new Set(
    files
      .get(CLOUDRUN_FILE)!
      .flatMap(containers)
      .flatMap((c) =>
        (c.env ?? []).flatMap((e: any) =>
          e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [],
        ),
      ),
  );
  t.deepEqual([...referenced].sort(), SERVICE_SECRETS.map((s) => s.secretName).sort());
  const created = guideCommands('secrets', 'create');
  for (const name of referenced) {
    const create = created.find((w) => w[3] === name);
    t.truthy(create, `the guide never creates ${name}`);
    t.true(
      create!.some((w) => w.startsWith('--data-file')),
      `${name} is created without a first version`,
    );
    const grant = guideCommands('secrets', 'add-iam-policy-binding').find((w) => w[3] === name);
    t.truthy(grant, `the guide never grants access to ${name}`);
    t.true(grant!.includes('--role=roles/secretmanager.secretAccessor'));
    t.true(grant!.includes('--member=serviceAccount:${RUNTIME_SA}'));
  }
  t.deepEqual(
    created.map((w) => w[3]).sort(),
    [...referenced].sort(),
    'the guide creates secrets nothing reads',
  );
});

test('the guide creates the runtime service account and the bucket the manifest names', async (t) => {
  const files = await synthesized();
  const [service] = files.get(CLOUDRUN_FILE)!;
  const sa: string = service.spec.template.spec.serviceAccountName;
  const env = Object.fromEntries(
    (service.spec.template.spec.containers[0].env as any[])
      .filter((e) => 'value' in e)
      .map((e) => [e.name, e.value]),
  );
  const guide = readRepoText('deploy/README.md');
  const settings = (name: string) =>
    new RegExp(`export ${name}=(\\S+)`).exec(guide)?.[1]?.replaceAll('"', '');
  const projectVar = (s: string | undefined) => s?.replaceAll('${PROJECT_ID}', PROJECT);
  t.is(projectVar(settings('RUNTIME_SA')), sa);
  t.is(projectVar(settings('BUCKET')), env['GCS_BUCKET_NAME']);
  t.truthy(
    guideCommands('iam', 'service-accounts', 'create').find((w) => w[4] === sa.split('@')[0]),
  );
  t.is(env['FIRESTORE_DATABASE_ID'], '(default)', 'the guide creates the (default) database');
  t.is(service.metadata.name, settings('SERVICE'));
});

testProp(
  'globs: * and ? match within one path segment only',
  [fc.stringMatching(/^[a-z]{1,5}$/), fc.stringMatching(/^[a-z./-]{0,8}$/)],
  (t, dir, name) => {
    t.is(globToRegExp(`${dir}/*.yaml`).test(`${dir}/${name}.yaml`), !name.includes('/'));
    t.false(globToRegExp(`${dir}/*.yaml`).test(`${dir}x/${name}.yaml`));
    t.is(globToRegExp(`${dir}/?`).test(`${dir}/${name}`), name.length === 1 && name !== '/');
  },
);
