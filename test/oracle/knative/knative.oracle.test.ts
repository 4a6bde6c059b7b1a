/**
 * Knative's own verdict as an oracle. The Go harness next to this file (main.go) imports
 * knative.dev/serving at the release our CRD copies come from (v0.50.0 = knative-v1.23.0) and runs
 * its defaulting and webhook validation. Our `knative` target must agree with it (accept or
 * reject) on every case: each rule case's breaking and passing manifest, random combinations of
 * them, the corpus, and the synthesized dist/knative/service.yaml.
 *
 * The harness is built here with `go build` into .tmp/ (gitignored) and rebuilt only when its
 * sources change, so `npm test` needs nothing else; the first build downloads the Go modules.
 */
import { fc } from '@fast-check/ava';
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { validateManifest, validateYamlText, type Finding } from '../../../validator/index.ts';
import { CASES, type Case } from '../../validator/cases.ts';
import { base, set, type Doc } from '../../validator/helpers.ts';
import { at } from '../../../validator/path.ts';
import { buildOracle, oracleBinary, runOracle, type Verdict } from './harness.ts';

const root = new URL('../../../', import.meta.url).pathname;
const binary = oracleBinary('knative-oracle');
const corpusDir = join(root, '..', 'shared', 'corpus', 'cloudrun-accepted');

/**
 * Our knative rules that are not the webhook's (the API server or the kubelet enforce them), so
 * the webhook alone accepts what they reject. Cases of these rules are not sent to the oracle.
 */
const NOT_WEBHOOK_RULES = new Set([
  'names/label', // label syntax: the Kubernetes API server validates labels, not Knative's webhook
]);

const oracle = (docs: readonly unknown[]) => runOracle(binary, docs);

/** Every path in a parsed manifest, in our dotted syntax. */
function pathsOf(value: unknown, path = ''): string[] {
  if (Array.isArray(value))
    return value.flatMap((v, i) => [at(path, i), ...pathsOf(v, at(path, i))]);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [at(path, k), ...pathsOf(v, at(path, k))]);
  return [];
}

function ourErrors(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error');
}

function disagreement(label: string, verdict: Verdict, ours: readonly Finding[]): string {
  return `${label}: Knative says ${verdict.ok ? 'ok' : `reject (${verdict.errors.join('; ')})`}, we say ${
    ours.length === 0 ? 'ok' : `reject (${ours.map((f) => `${f.rule} ${f.path}`).join('; ')})`
  }`;
}

test.before(async (t) => {
  // The first build on a fresh machine downloads knative.dev/serving and compiles Kubernetes types.
  t.timeout(20 * 60_000);
  await buildOracle(binary);
});

const knativeCases = CASES.filter(
  (c) => c.targets.includes('knative') && !NOT_WEBHOOK_RULES.has(c.rule),
);

function casesToDocs(cases: readonly Case[]): { label: string; doc: unknown }[] {
  return cases.flatMap((c) => [
    { label: `${c.rule} (${c.why}) breaking`, doc: c.breaks(base()) },
    { label: `${c.rule} (${c.why}) passing`, doc: c.passes(base()) },
  ]);
}

test('the harness runs Knative validation: a known-good and a known-bad manifest', async (t) => {
  const bad = base();
  (((bad['spec'] as Doc)['template'] as Doc)['spec'] as Doc)['timeoutSeconds'] = 601;
  const [ok, rejected] = await oracle([base(), bad]);
  t.true(ok!.ok, ok!.errors.join('; '));
  t.false(rejected!.ok);
  t.regex(rejected!.errors.join('\n'), /timeoutSeconds/);
});

test("every knative rule case: our verdict equals Knative's", async (t) => {
  const docs = casesToDocs(knativeCases);
  t.true(docs.length >= 60, `${docs.length} documents`);
  const verdicts = await oracle(docs.map((d) => d.doc));
  t.is(verdicts.length, docs.length);
  const wrong = docs.flatMap(({ label, doc }, i) => {
    const ours = ourErrors(validateManifest(doc, { target: 'knative' }));
    return (ours.length === 0) === verdicts[i]!.ok ? [] : [disagreement(label, verdicts[i]!, ours)];
  });
  t.log(`${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} rejected by Knative`);
  t.deepEqual(wrong, []);
});

test("random combinations of rule cases: our verdict equals Knative's", async (t) => {
  const mutations = knativeCases.flatMap((c) => [c.breaks, c.passes]);
  const combos = fc.sample(
    fc.array(fc.integer({ min: 0, max: mutations.length - 1 }), { minLength: 2, maxLength: 4 }),
    { numRuns: 150, seed: 20261126 },
  );
  const docs = combos.map((picks) => {
    let doc: unknown = base();
    for (const p of picks) {
      const next = mutations[p]!(doc as Doc);
      doc = next;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) break;
    }
    return { label: `mutations ${picks.join(',')}`, doc };
  });
  const verdicts = await oracle(docs.map((d) => d.doc));
  const wrong = docs.flatMap(({ label, doc }, i) => {
    const ours = ourErrors(validateManifest(doc, { target: 'knative' }));
    return (ours.length === 0) === verdicts[i]!.ok ? [] : [disagreement(label, verdicts[i]!, ours)];
  });
  t.log(`${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} rejected by Knative`);
  t.deepEqual(wrong, []);
});

/** Random values around each field's boundaries, set on the base manifest. */
const fieldValues = fc.record(
  {
    name: fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,64}$/),
      fc.stringMatching(/^[A-Za-z0-9_.-]{0,10}$/),
    ),
    port: fc.integer({ min: -2, max: 70_000 }),
    portName: fc.constantFrom('', 'http1', 'h2c', 'http', 'grpc'),
    reserved: fc.constantFrom(8008, 8012, 8013, 8022, 9090, 9091, 8080),
    timeout: fc.integer({ min: -2, max: 700 }),
    concurrency: fc.integer({ min: -2, max: 1100 }),
    image: fc.oneof(
      fc.constantFrom(
        'nginx',
        'gcr.io/p/app:1',
        `gcr.io/p/app@sha256:${'a'.repeat(64)}`,
        'localhost:5000/a/b:c',
        'UPPER/x',
        'a//b',
        'a:b:c',
        '',
      ),
      fc.stringMatching(/^[a-zA-Z0-9./:@_-]{1,30}$/),
    ),
    minScale: fc.integer({ min: -2, max: 12 }).map(String),
    maxScale: fc.integer({ min: -2, max: 12 }).map(String),
    account: fc.stringMatching(/^[a-z0-9.@-]{1,20}$/),
    envName: fc.constantFrom('PORT', 'K_SERVICE', 'K_REVISION', 'FOO', 'PORTS'),
    volumeName: fc.stringMatching(/^[a-z0-9_-]{1,12}$/),
    mountPath: fc.constantFrom('/data', 'data', '/', '/dev', '/dev/log', '/dev/x'),
    percents: fc.array(fc.integer({ min: -5, max: 110 }), { minLength: 0, maxLength: 3 }),
    tag: fc.stringMatching(/^[a-zA-Z0-9_-]{0,8}$/),
    probeKind: fc.constantFrom('readinessProbe', 'livenessProbe', 'startupProbe'),
    probe: fc.record(
      {
        periodSeconds: fc.integer({ min: -1, max: 3 }),
        timeoutSeconds: fc.integer({ min: -1, max: 3 }),
        failureThreshold: fc.integer({ min: -1, max: 3 }),
        successThreshold: fc.integer({ min: -1, max: 2 }),
        httpGet: fc.record(
          { port: fc.constantFrom<number | string>(8080, 9000, 'http1', 'web', 0) },
          { requiredKeys: [] },
        ),
        tcpSocket: fc.record(
          { port: fc.constantFrom<number | string>(8080, 'http') },
          { requiredKeys: [] },
        ),
        exec: fc.constant({ command: ['true'] }),
        grpc: fc.record({ port: fc.constantFrom(8080, 9000) }),
      },
      { requiredKeys: [] },
    ),
    sidecar: fc.boolean(),
    securityContext: fc.record(
      {
        privileged: fc.boolean(),
        runAsUser: fc.integer({ min: -1, max: 2 ** 31 }),
        runAsNonRoot: fc.boolean(),
        capabilities: fc.record(
          { add: fc.constant(['NET_ADMIN']), drop: fc.constant(['ALL']) },
          { requiredKeys: [] },
        ),
        seLinuxOptions: fc.constant({ level: 's0' }),
        seccompProfile: fc.constant({ type: 'RuntimeDefault' }),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: [] },
);

test("random field values around the boundaries: our verdict equals Knative's", async (t) => {
  // One or two fields per manifest, so that most are judged on those fields alone.
  const keys = [
    'name',
    'port',
    'portName',
    'reserved',
    'timeout',
    'concurrency',
    'image',
    'minScale',
    'maxScale',
    'account',
    'envName',
    'volumeName',
    'mountPath',
    'percents',
    'tag',
    'probe',
    'sidecar',
    'securityContext',
  ] as const;
  const samples = fc
    .sample(fc.tuple(fieldValues, fc.subarray([...keys], { minLength: 1, maxLength: 2 })), {
      numRuns: 600,
      seed: 5,
    })
    .map(([all, picked]) => {
      const v: Partial<typeof all> = {};
      for (const k of picked) (v as Record<string, unknown>)[k] = all[k];
      if (picked.includes('probe')) v.probeKind = all.probeKind;
      return v;
    });
  const docs = samples.map((v) => {
    const d = base() as Record<string, any>;
    const spec = d['spec']['template']['spec'];
    const c = spec['containers'][0];
    const annotations = d['spec']['template']['metadata']['annotations'];
    if (v.name !== undefined) d['metadata']['name'] = v.name;
    if (v.port !== undefined) c.ports[0].containerPort = v.port;
    else if (v.reserved !== undefined) c.ports[0].containerPort = v.reserved;
    if (v.portName !== undefined) c.ports[0].name = v.portName;
    if (v.timeout !== undefined) spec['timeoutSeconds'] = v.timeout;
    if (v.concurrency !== undefined) spec['containerConcurrency'] = v.concurrency;
    if (v.image !== undefined) c.image = v.image;
    if (v.minScale !== undefined) annotations['autoscaling.knative.dev/min-scale'] = v.minScale;
    if (v.maxScale !== undefined) annotations['autoscaling.knative.dev/max-scale'] = v.maxScale;
    if (v.account !== undefined) spec['serviceAccountName'] = v.account;
    if (v.envName !== undefined) c.env = [{ name: v.envName, value: 'x' }];
    if (v.volumeName !== undefined || v.mountPath !== undefined) {
      const name = v.volumeName ?? 'data';
      spec['volumes'] = [{ name, emptyDir: {} }];
      c.volumeMounts = [{ name, mountPath: v.mountPath ?? '/data' }];
    }
    if (v.probe !== undefined) c[v.probeKind ?? 'readinessProbe'] = v.probe;
    if (v.securityContext !== undefined) c.securityContext = v.securityContext;
    if (v.sidecar) spec['containers'].push({ name: 'sidecar', image: 'gcr.io/p/sidecar:1' });
    if (v.percents !== undefined)
      d['spec']['traffic'] = v.percents.map((percent, i) =>
        i === 0
          ? { latestRevision: true, percent, ...(v.tag ? { tag: v.tag } : {}) }
          : { revisionName: `app-0000${i}`, percent },
      );
    return { label: JSON.stringify(v), doc: d };
  });
  const verdicts = await oracle(docs.map((x) => x.doc));
  const wrong = docs.flatMap(({ label, doc }, i) => {
    const ours = ourErrors(validateManifest(doc, { target: 'knative' }));
    return (ours.length === 0) === verdicts[i]!.ok ? [] : [disagreement(label, verdicts[i]!, ours)];
  });
  t.log(`${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} rejected by Knative`);
  t.deepEqual(wrong, []);
});

test("random image references: our verdict equals Knative's (go-containerregistry)", async (t) => {
  const images = fc.sample(
    fc.oneof(
      fc.stringMatching(/^[a-zA-Z0-9./:@_-]{1,30}$/),
      fc.stringMatching(
        /^([a-z0-9.-]{1,8}(:[0-9]{1,5})?\/)?[a-z0-9._-]{1,8}(\/[a-z0-9._-]{1,8}){0,2}(:[a-zA-Z0-9._-]{1,10})?(@sha256:[0-9a-f]{64})?$/,
      ),
    ),
    { numRuns: 500, seed: 9 },
  );
  const docs = images.map((image) => {
    const d = base() as Record<string, any>;
    d['spec']['template']['spec']['containers'][0].image = image;
    return d;
  });
  const verdicts = await oracle(docs);
  const wrong = images.flatMap((image, i) => {
    const ours = ourErrors(validateManifest(docs[i], { target: 'knative' }));
    return (ours.length === 0) === verdicts[i]!.ok
      ? []
      : [disagreement(JSON.stringify(image), verdicts[i]!, ours)];
  });
  t.log(`${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} rejected by Knative`);
  t.deepEqual(wrong, []);
});

test("mutated real manifests (one field replaced or removed): our verdict equals Knative's", async (t) => {
  const sources: unknown[] = [base()];
  if (existsSync(corpusDir))
    for (const f of readdirSync(corpusDir)
      .filter((x) => x.endsWith('.yaml'))
      .sort())
      sources.push(parse(readFileSync(join(corpusDir, f), 'utf8')));
  // Start from manifests Knative accepts, so that the verdict is about the mutation.
  const accepted = await oracle(sources);
  const valid = sources.filter((_, i) => accepted[i]!.ok);
  t.true(valid.length >= 5, `${valid.length} accepted sources`);
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(undefined),
    fc.integer({ min: -3, max: 70_000 }),
    fc.constantFrom('', 'x', 'http1', 'latest', '1', 'true', 'Memory'),
  );
  const samples = fc.sample(fc.tuple(fc.nat(), fc.nat(), value), { numRuns: 1000, seed: 11 });
  const docs = samples.map(([which, where, replacement]) => {
    const doc = structuredClone(valid[which % valid.length]) as Doc;
    const paths = pathsOf(doc);
    const path = paths[where % paths.length]!;
    set(doc, path, replacement);
    return { label: `${path} = ${JSON.stringify(replacement)}`, doc };
  });
  const verdicts = await oracle(docs.map((d) => d.doc));
  const wrong = docs.flatMap(({ label, doc }, i) => {
    const ours = ourErrors(validateManifest(doc, { target: 'knative' }));
    // Label syntax is the API server's check, not the webhook's (see NOT_WEBHOOK_RULES).
    if (verdicts[i]!.ok && ours.length > 0 && ours.every((f) => NOT_WEBHOOK_RULES.has(f.rule)))
      return [];
    return (ours.length === 0) === verdicts[i]!.ok ? [] : [disagreement(label, verdicts[i]!, ours)];
  });
  t.log(`${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} rejected by Knative`);
  t.deepEqual(wrong, []);
});

test("the corpus of real Cloud Run manifests: our knative verdict equals Knative's", async (t) => {
  if (!existsSync(corpusDir)) {
    t.log(`skipped: ${corpusDir} not found`);
    t.pass();
    return;
  }
  const files = readdirSync(corpusDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const texts = files.map((f) => readFileSync(join(corpusDir, f), 'utf8'));
  const verdicts = await oracle(texts.map((text) => parse(text) as unknown));
  const wrong = files.flatMap((file, i) => {
    const ours = ourErrors(validateYamlText(texts[i]!, { target: 'knative' }));
    return (ours.length === 0) === verdicts[i]!.ok ? [] : [disagreement(file, verdicts[i]!, ours)];
  });
  t.log(`${verdicts.filter((v) => !v.ok).length} of ${verdicts.length} rejected by Knative`);
  t.deepEqual(wrong, []);
});

test('the synthesized Knative service (npm run synth): accepted by Knative and by us', async (t) => {
  if (!existsSync(join(root, 'scripts', 'synth.ts'))) {
    t.log('skipped: the charts (scripts/synth.ts) are not in the tree yet');
    t.pass();
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'synth-'));
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/synth.ts', '--outdir', out, '--no-validate'],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 5 * 60_000,
    },
  );
  t.is(r.status, 0, r.stderr);
  const file = join(out, 'knative', 'service.yaml');
  t.true(existsSync(file), `${file} written`);
  const text = readFileSync(file, 'utf8');
  const [verdict] = await oracle([parse(text) as unknown]);
  const ours = ourErrors(validateYamlText(text, { target: 'knative' }));
  t.true(verdict!.ok, verdict!.errors.join('; '));
  t.deepEqual(ours, []);
});
