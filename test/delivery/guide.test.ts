/**
 * What deploy/README.md must say, read from its commands rather than its prose: the secrets of
 * server/config/secrets.ts, least-privilege grants (each role on the narrowest resource, nothing
 * broad), the APIs, the Cloud Build trigger wired to cloudbuild.yaml, rollback by traffic, local
 * development, and troubleshooting quoting real rejection messages. Whether each gcloud command
 * and flag exists is gcloud-guide.oracle.test.ts's job.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { SERVICE_SECRETS } from '../../server/config/secrets.ts';
import { loadCloudBuild, readRepoText, sharedFile } from './repo.ts';
import { markdownCommands } from './shell.ts';
import { BUILT_IN_SUBSTITUTIONS } from './substitutions.ts';

const guide = readRepoText('deploy/README.md');
const commands = markdownCommands(guide).map((c) => [...c.words]);
const gcloud = (...prefix: string[]) =>
  commands.filter((w) => w[0] === 'gcloud' && prefix.every((p, i) => w[i + 1] === p));
const flag = (words: readonly string[], name: string) =>
  words.find((w) => w.startsWith(`${name}=`))?.slice(name.length + 1);

interface Grant {
  readonly member: string;
  readonly role: string;
  /** What the role is granted on: `project`, `bucket gs://…`, `secret NAME`, … */
  readonly on: string;
}

const RESOURCE_OF: Record<string, (w: string[]) => string> = {
  'projects add-iam-policy-binding': () => 'project',
  'storage buckets add-iam-policy-binding': (w) => `bucket ${w[4]}`,
  'secrets add-iam-policy-binding': (w) => `secret ${w[3]}`,
  'artifacts repositories add-iam-policy-binding': (w) => `repository ${w[4]}`,
  'iam service-accounts add-iam-policy-binding': (w) => `service account ${w[4]}`,
  'run services add-iam-policy-binding': (w) => `service ${w[4]}`,
};

const grants: Grant[] = commands
  .filter((w) => w[0] === 'gcloud' && w.includes('add-iam-policy-binding'))
  .map((w) => {
    const command = w.slice(1, w.indexOf('add-iam-policy-binding') + 1).join(' ');
    const on = RESOURCE_OF[command];
    if (!on) throw new Error(`unexpected grant command: gcloud ${command}`);
    return { member: flag(w, '--member') ?? '', role: flag(w, '--role') ?? '', on: on(w) };
  });
const grantsTo = (member: string) =>
  grants
    .filter((g) => g.member === member)
    .map((g) => `${g.role} on ${g.on}`)
    .sort();

test('every secret of server/config/secrets.ts is listed, created with a version, and readable by the runtime account only', (t) => {
  for (const s of SERVICE_SECRETS) {
    t.regex(
      guide,
      new RegExp(
        `\\| \`${s.secretName}\` \\| \`${s.env}\` \\| ${s.requiredInProduction ? 'yes' : 'no'}`,
      ),
    );
    const create = gcloud('secrets', 'create').find((w) => w[3] === s.secretName);
    t.truthy(create, `${s.secretName} is never created`);
    t.truthy(flag(create!, '--data-file'), `${s.secretName} is created without a version`);
  }
  t.deepEqual(
    gcloud('secrets', 'create')
      .map((w) => w[3])
      .sort(),
    SERVICE_SECRETS.map((s) => s.secretName).sort(),
  );
  for (const w of gcloud('secrets', 'versions', 'add'))
    t.true(
      SERVICE_SECRETS.some((s) => s.secretName === w[4]),
      `versions add for unknown secret ${w[4]}`,
    );
});

test('the runtime service account gets exactly the four roles, each on the narrowest resource', (t) => {
  t.deepEqual(
    gcloud('iam', 'service-accounts', 'create')
      .map((w) => w[4])
      .sort(),
    ['elevendops-deployer', 'elevendops-sa'],
  );
  t.regex(guide, /export RUNTIME_SA="elevendops-sa@\$\{PROJECT_ID\}\.iam\.gserviceaccount\.com"/);
  t.deepEqual(
    grantsTo('serviceAccount:${RUNTIME_SA}'),
    [
      'roles/datastore.user on project',
      'roles/logging.logWriter on project',
      ...SERVICE_SECRETS.map((s) => `roles/secretmanager.secretAccessor on secret ${s.secretName}`),
      'roles/storage.objectAdmin on bucket gs://${BUCKET}',
    ].sort(),
  );
});

test('the Cloud Build account gets only what cloudbuild.yaml does', (t) => {
  t.deepEqual(
    grantsTo('serviceAccount:${DEPLOYER_SA}'),
    [
      'roles/artifactregistry.writer on repository $REPOSITORY',
      'roles/iam.serviceAccountUser on service account $RUNTIME_SA',
      'roles/logging.logWriter on project',
      'roles/run.developer on project',
    ].sort(),
  );
});

test('the role tables say what the commands grant', (t) => {
  const tableRoles = (heading: string) => {
    const section = guide.slice(
      guide.indexOf(heading),
      guide.indexOf('\n## ', guide.indexOf(heading) + 1),
    );
    return [...section.matchAll(/^\| `(roles\/[\w.]+)` \|/gm)].map((m) => m[1]!).sort();
  };
  const granted = (member: string) =>
    [...new Set(grants.filter((g) => g.member === member).map((g) => g.role))].sort();
  t.deepEqual(tableRoles('## 8. Runtime service account'), granted('serviceAccount:${RUNTIME_SA}'));
  t.deepEqual(
    tableRoles('## 10. Deploy on every push: Cloud Build'),
    granted('serviceAccount:${DEPLOYER_SA}'),
  );
});

test('no broad grants: no basic roles, and bucket, secret and registry roles never on the project', (t) => {
  for (const g of grants) {
    t.false(
      ['roles/owner', 'roles/editor', 'roles/viewer'].includes(g.role),
      `${g.role} to ${g.member}`,
    );
    if (
      /storage\.object|secretmanager\.secretAccessor|artifactregistry|iam\.serviceAccountUser/.test(
        g.role,
      )
    )
      t.not(g.on, 'project', `${g.role} granted on the whole project`);
  }
  // Beyond our two accounts: public invocation of the service, and the Cloud Build service agent
  // storing the GitHub token (required by Cloud Build repositories).
  const others = grants.filter(
    (g) => !['serviceAccount:${RUNTIME_SA}', 'serviceAccount:${DEPLOYER_SA}'].includes(g.member),
  );
  t.deepEqual(others.map((g) => `${g.member} ${g.role} on ${g.on}`).sort(), [
    'allUsers roles/run.invoker on service $SERVICE',
    'serviceAccount:service-${PROJECT_NUMBER}@gcp-sa-cloudbuild.iam.gserviceaccount.com roles/secretmanager.admin on project',
  ]);
});

test('the APIs the deployment uses are enabled', (t) => {
  const enabled = gcloud('services', 'enable').flatMap((w) =>
    w.slice(3).filter((x) => !x.startsWith('-')),
  );
  for (const api of [
    'run',
    'artifactregistry',
    'cloudbuild',
    'firestore',
    'storage',
    'secretmanager',
    'iam',
    'logging',
  ])
    t.true(enabled.includes(`${api}.googleapis.com`), `${api}.googleapis.com`);
});

test('repository, database and bucket are created in the service region', (t) => {
  const repo = gcloud('artifacts', 'repositories', 'create')[0]!;
  t.is(flag(repo, '--repository-format'), 'docker');
  t.is(flag(repo, '--location'), '$REGION');
  const db = gcloud('firestore', 'databases', 'create')[0]!;
  t.is(flag(db, '--location'), '$REGION');
  t.is(flag(db, '--type'), 'firestore-native');
  const bucket = gcloud('storage', 'buckets', 'create')[0]!;
  t.is(bucket[4], 'gs://${BUCKET}');
  t.true(
    bucket.includes('--uniform-bucket-level-access') &&
      bucket.includes('--public-access-prevention'),
  );
  t.true(gcloud('auth', 'configure-docker').some((w) => w[3] === '${REGION}-docker.pkg.dev'));
});

test('the trigger runs cloudbuild.yaml on main as the deployer account, with substitutions it declares', (t) => {
  const [trigger] = gcloud('builds', 'triggers', 'create', 'github');
  t.truthy(trigger);
  t.is(flag(trigger!, '--branch-pattern'), '^main$');
  t.is(flag(trigger!, '--build-config'), 'cloudbuild.yaml');
  t.is(
    flag(trigger!, '--service-account'),
    'projects/${PROJECT_ID}/serviceAccounts/${DEPLOYER_SA}',
  );
  const declared = loadCloudBuild().substitutions ?? {};
  for (const words of [trigger!, ...gcloud('builds', 'submit')]) {
    const keys = (flag(words, '--substitutions') ?? '').split(',').map((kv) => kv.split('=')[0]!);
    for (const key of keys)
      t.true(
        key in declared || BUILT_IN_SUBSTITUTIONS.has(key),
        `${key} is not a substitution of cloudbuild.yaml`,
      );
  }
  t.deepEqual(
    (flag(trigger!, '--substitutions') ?? '')
      .split(',')
      .map((kv) => kv.split('=')[0])
      .sort(),
    Object.keys(declared).sort(),
  );
  const [submit] = gcloud('builds', 'submit');
  t.regex(flag(submit!, '--substitutions') ?? '', /SHORT_SHA=\$\(git rev-parse --short=7 HEAD\)/);
});

test('rollback moves traffic to an earlier revision, and back to the latest', (t) => {
  const moves = gcloud('run', 'services', 'update-traffic');
  t.true(moves.some((w) => flag(w, '--to-revisions') === 'REVISION-NAME=100'));
  t.true(moves.some((w) => w.includes('--to-latest')));
  t.true(gcloud('run', 'revisions', 'list').length > 0);
});

test('npm run synth comes before Skaffold is first run (Skaffold checks the manifest files exist)', (t) => {
  const first = (pred: (w: string[]) => boolean) => commands.findIndex(pred);
  const synth = first((w) => w.join(' ') === 'npm run synth');
  t.not(synth, -1);
  t.true(synth < first((w) => w[0] === 'skaffold'));
  const dev = first((w) => w.join(' ') === 'skaffold dev -p dev');
  t.deepEqual(
    commands[dev - 1],
    ['npm', 'run', 'synth'],
    'the local-development block synthesizes first',
  );
});

test('local development: skaffold dev -p dev, npm start without a cluster', (t) => {
  t.true(commands.some((w) => w.join(' ') === 'skaffold dev -p dev'));
  t.regex(guide, /`npm start`/);
});

/** Messages the troubleshooting section must quote; each is real (in the reference notes). */
const MESSAGES = [
  [
    'reference/cloudrun-rejections.md',
    'Cloud Run error: Container failed to start. Failed to start and then listen on the port defined by the PORT environment variable.',
  ],
  [
    'reference/cloudrun-rejections.md',
    'Default STARTUP TCP probe failed 1 time consecutively for container "…" on port 8080.',
  ],
  [
    'reference/cloudrun-rejections.md',
    'The user-provided container failed the configured startup probe checks.',
  ],
  ['reference/cloudrun-rejections.md', 'Memory limit of 512 MiB exceeded with 516 MiB used.'],
  [
    'reference/cloudrun-rejections.md',
    'Invalid value specified for memory. For 1.0 CPU, memory must be between 128Mi and 4Gi inclusive.',
  ],
  [
    'reference/cloudrun-rejections.md',
    'Invalid value specified for cpu. Total cpu < 1 is not supported with concurrency > 1.',
  ],
  [
    'reference/cloudrun-rejections.md',
    "Annotation 'run.googleapis.com/secrets' is not supported on resources of kind 'Service'. Supported kinds are: Revision, Execution",
  ],
  [
    'reference/cloudrun-rejections.md',
    "Resource name must use only lowercase letters, numbers and '-'. Must begin with a letter and cannot end with a '-'. Maximum length is 63 characters.",
  ],
  ['reference/cloudrun-rejections.md', 'Failed to parse value(s) in protobuf [Service]'],
  ['reference/cloudrun-rejections.md', 'The request has errors'],
  [
    'reference/skaffold-cloudbuild.md',
    'No Google Cloud project found in Cloud Run Manifest or Skaffold Config',
  ],
  ['reference/skaffold-cloudbuild.md', 'unsupported Kind for Cloud Run Deployer'],
  ['reference/skaffold-cloudbuild.md', 'exec format error'],
  ['reference/skaffold-cloudbuild.md', 'substitution key … does not respect format'],
] as const;

test('troubleshooting quotes the common rejection and startup messages, each with a fix', (t) => {
  const section = guide.slice(guide.indexOf('## 13. Troubleshooting'));
  for (const [, message] of MESSAGES) {
    const row = section.split('\n').find((l) => l.startsWith(`| \`${message}\``));
    t.truthy(row, `troubleshooting lacks: ${message}`);
    // | message | cause | fix |: both filled in.
    const cells = row!.split(' | ');
    t.true(
      cells.length >= 3 && cells.slice(1).every((c) => c.replace(/\|/g, '').trim().length > 10),
      message,
    );
  }
});

test('the quoted messages are real: each appears in the reference notes', (t) => {
  for (const [file, message] of MESSAGES) {
    const path = sharedFile(file);
    if (path === undefined) {
      t.log(`../shared/${file} not present: not checked`);
      continue;
    }
    const reference = readFileSync(path, 'utf8');
    for (const part of message
      .split('…')
      .map((p) => p.trim())
      .filter(Boolean))
      t.true(reference.includes(part), `${file} does not contain: ${part}`);
  }
});

test('every section the issue asks for is there', (t) => {
  for (const heading of [
    '## 3. APIs',
    '## 4. Artifact Registry',
    '## 5. Firestore',
    '## 6. Cloud Storage bucket',
    '## 7. Secrets',
    '## 8. Runtime service account',
    '## 9. First deploy with Skaffold',
    '## 10. Deploy on every push: Cloud Build',
    '## 11. Roll back by traffic',
    '## 12. Local development',
    '## 13. Troubleshooting',
  ])
    t.true(guide.includes(`\n${heading}\n`), heading);
});
