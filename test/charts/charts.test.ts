/**
 * The synthesized targets: a snapshot of each file, plus assertions on the fields that matter
 * (requirements 4.2–4.5 and 3.2), on the secrets, and on agreement with the config loader.
 */
import test from 'ava';
import { parseAllDocuments } from 'yaml';
import { REVISION_ANNOTATIONS, SERVICE_ANNOTATIONS } from '../../charts/cloudrun-service.ts';
import { synthesize } from '../../charts/synth.ts';
import { DEV_SECRET_PLACEHOLDER } from '../../charts/local-chart.ts';
import { loadConfig } from '../../server/config/load.ts';
import { SERVICE_SECRETS } from '../../server/config/secrets.ts';
import { VARIABLES } from '../../server/config/variables.ts';
import { validateSynthesized } from '../../charts/validate-output.ts';

const OPTIONS = { project: 'elevendops-prod', region: 'asia-east1' } as const;
const result = synthesize(OPTIONS);

function docs(path: string): any[] {
  const file = result.files.find((f) => f.path === path);
  if (!file) throw new Error(`${path} not synthesized`);
  return parseAllDocuments(file.text).map((d) => d.toJS());
}

const cloudRun = docs('cloudrun/service.yaml')[0];
const knative = docs('knative/service.yaml')[0];
const container = (doc: any) => doc.spec.template.spec.containers[0];
const envOf = (c: any): Map<string, any> => new Map(c.env.map((e: any) => [e.name, e]));

test('writes the three targets at the paths Skaffold and the docs name', (t) => {
  t.deepEqual(
    result.files.map((f) => f.path),
    [
      'cloudrun/service.yaml',
      'knative/service.yaml',
      'local/dev-secrets.yaml',
      'local/firestore-emulator.yaml',
      'local/fake-gcs-server.yaml',
      'local/app.yaml',
    ],
  );
});

for (const file of result.files) {
  test(`snapshot: ${file.path}`, (t) => {
    t.snapshot(file.text);
  });
}

test('synthesis is deterministic (no hashes or timestamps drift between runs)', (t) => {
  t.deepEqual(
    synthesize(OPTIONS).files.map((f) => f.text),
    result.files.map((f) => f.text),
  );
});

test('the validator finds nothing at all in our Knative Service files, not even a warning', (t) => {
  for (const file of result.files.filter((f) => f.target !== undefined)) {
    t.deepEqual(validateSynthesized(file.text, file.target!), [], file.path);
  }
  // And it is really looking: a broken manifest has errors.
  t.true(
    validateSynthesized('apiVersion: v1\nkind: Service\n', 'cloudrun').some(
      (f) => f.severity === 'error',
    ),
  );
});

test('service identity: name, project, region, image = Skaffold artifact', (t) => {
  t.is(cloudRun.apiVersion, 'serving.knative.dev/v1');
  t.is(cloudRun.kind, 'Service');
  t.is(cloudRun.metadata.name, 'elevendops');
  t.is(cloudRun.metadata.namespace, 'elevendops-prod');
  t.is(cloudRun.metadata.labels['cloud.googleapis.com/location'], 'asia-east1');
  t.is(container(cloudRun).image, 'elevendops');
  t.is(container(knative).image, 'elevendops');
  t.is(
    cloudRun.spec.template.spec.serviceAccountName,
    'elevendops-sa@elevendops-prod.iam.gserviceaccount.com',
  );
});

test('4.2: 2 CPU and 1 GiB for both processes, CPU always allocated, boost, gen2', (t) => {
  t.deepEqual(container(cloudRun).resources.limits, { cpu: '2', memory: '1Gi' });
  const a = cloudRun.spec.template.metadata.annotations;
  t.is(a[REVISION_ANNOTATIONS.cpuThrottling], 'false');
  t.is(a[REVISION_ANNOTATIONS.startupCpuBoost], 'true');
  t.is(a[REVISION_ANNOTATIONS.executionEnvironment], 'gen2');
});

test('4.3 / 4.4: scaling on concurrency 80, min 0, max 10, timeout 300', (t) => {
  const spec = cloudRun.spec.template.spec;
  t.is(spec.containerConcurrency, 80);
  t.is(spec.timeoutSeconds, 300);
  const a = cloudRun.spec.template.metadata.annotations;
  t.is(a[REVISION_ANNOTATIONS.minScale], '0');
  t.is(a[REVISION_ANNOTATIONS.maxScale], '10');
  const k = knative.spec.template.metadata.annotations;
  t.is(k['autoscaling.knative.dev/min-scale'], '0');
  t.is(k['autoscaling.knative.dev/max-scale'], '10');
});

test('4.5: startup and liveness probes GET /api/health on the ingress port, no probe port', (t) => {
  for (const doc of [cloudRun, knative]) {
    const c = container(doc);
    t.deepEqual(c.ports, [{ name: 'http1', containerPort: 8080 }]);
    for (const probe of [c.startupProbe, c.livenessProbe]) {
      t.deepEqual(probe.httpGet, { path: '/api/health' });
    }
    t.is(c.livenessProbe.periodSeconds, 30);
    t.is(c.livenessProbe.failureThreshold, 3);
    t.true(c.livenessProbe.timeoutSeconds <= c.livenessProbe.periodSeconds);
    // Startup window well inside Cloud Run's 240 s.
    const s = c.startupProbe;
    t.true((s.initialDelaySeconds ?? 0) + s.failureThreshold * s.periodSeconds <= 120);
  }
});

test('annotations sit at the level Cloud Run accepts them', (t) => {
  const serviceLevel = Object.keys(cloudRun.metadata.annotations);
  const revisionLevel = Object.keys(cloudRun.spec.template.metadata.annotations);
  t.true(serviceLevel.every((k) => Object.values(SERVICE_ANNOTATIONS).includes(k as never)));
  t.true(revisionLevel.every((k) => Object.values(REVISION_ANNOTATIONS).includes(k as never)));
  t.is(cloudRun.metadata.annotations[SERVICE_ANNOTATIONS.ingress], 'all');
  t.true(Object.values(cloudRun.metadata.annotations).every((v) => typeof v === 'string'));
});

test('the Knative target carries no Cloud Run annotations and Kubernetes names', (t) => {
  const text = result.files.find((f) => f.path === 'knative/service.yaml')!.text;
  t.false(text.includes('run.googleapis.com'));
  t.false(text.includes('cloud.googleapis.com'));
  t.is(knative.metadata.namespace, undefined);
  t.is(knative.spec.template.spec.serviceAccountName, 'elevendops-sa');
  // Restricted profile on Knative (Cloud Run takes no securityContext).
  t.deepEqual(container(knative).securityContext, {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  t.is(container(cloudRun).securityContext, undefined);
});

test('3.2: every secret of SERVICE_SECRETS is a secretKeyRef, on every target', (t) => {
  const app = docs('local/app.yaml')[0];
  const targets: [string, any, (s: (typeof SERVICE_SECRETS)[number]) => object][] = [
    ['cloudrun', container(cloudRun), (s) => ({ name: s.secretName, key: s.version })],
    ['knative', container(knative), (s) => ({ name: 'elevendops-secrets', key: s.secretName })],
    [
      'local',
      app.spec.template.spec.containers[0],
      (s) => ({ name: 'elevendops-secrets', key: s.secretName }),
    ],
  ];
  for (const [target, c, expected] of targets) {
    const env = envOf(c);
    for (const s of SERVICE_SECRETS) {
      t.deepEqual(
        env.get(s.env),
        { name: s.env, valueFrom: { secretKeyRef: expected(s) } },
        `${target} ${s.env}`,
      );
    }
  }
  t.deepEqual(
    SERVICE_SECRETS.map((s) => [s.env, s.version]),
    [
      ['ELEVENLABS_API_KEY', 'latest'],
      ['GOOGLE_API_KEY', 'latest'],
      ['LANGSMITH_API_KEY', 'latest'],
    ],
  );
});

test('nothing secret is a literal value in any manifest', (t) => {
  const secretish = /(KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL)/i;
  for (const file of result.files.filter((f) => f.path !== 'local/dev-secrets.yaml')) {
    for (const doc of parseAllDocuments(file.text).map((d) => d.toJS())) {
      const spec = doc.spec?.template?.spec;
      for (const c of spec?.containers ?? []) {
        for (const e of c.env ?? []) {
          if (secretish.test(e.name))
            t.is(e.value, undefined, `${file.path}: ${e.name} is a literal`);
        }
      }
    }
    t.false(file.text.includes(DEV_SECRET_PLACEHOLDER), `${file.path} holds a secret value`);
  }
  // The only secret values anywhere are the dev placeholders.
  const secret = docs('local/dev-secrets.yaml')[0];
  t.is(secret.kind, 'Secret');
  t.true(Object.values(secret.stringData).every((v) => v === DEV_SECRET_PLACEHOLDER));
  t.deepEqual(
    Object.keys(secret.stringData),
    SERVICE_SECRETS.map((s) => s.secretName),
  );
});

test('the production env is accepted by the service config loader in production', (t) => {
  const env = Object.fromEntries(
    container(cloudRun)
      .env.filter((e: any) => e.value !== undefined)
      .map((e: any) => [e.name, e.value]),
  );
  // Cloud Run injects these, and Secret Manager the secrets.
  const runtime: Record<string, string> = {
    ...env,
    PORT: '8080',
    K_SERVICE: 'elevendops',
    K_REVISION: 'elevendops-00001-abc',
  };
  for (const s of SERVICE_SECRETS) runtime[s.env] = 'from-secret-manager';
  const loaded = loadConfig(runtime);
  t.true(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
  if (!loaded.ok) return;
  t.is(loaded.config.appEnv, 'production');
  t.is(loaded.config.projectId, 'elevendops-prod');
  t.is(loaded.config.bucketName, 'elevendops-prod-elevendops-knowledge');
  t.is(loaded.config.dataBackend, 'gcp');
  t.is(loaded.config.firestoreEmulatorHost, undefined);
  t.is(loaded.config.storageEmulatorHost, undefined);
  t.is(loaded.config.backendApiUrl, 'http://127.0.0.1:8000');
});

test('every plain variable the charts set is one the service reads', (t) => {
  const contract = new Set(['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION']);
  // Read by Google's auth library, not by our config: no metadata server in a local cluster.
  const googleClients = new Set(['METADATA_SERVER_DETECTION']);
  const app = docs('local/app.yaml')[0];
  for (const c of [container(cloudRun), container(knative), app.spec.template.spec.containers[0]]) {
    for (const e of c.env) {
      t.true(
        e.name in VARIABLES || contract.has(e.name) || googleClients.has(e.name),
        `${e.name} is not a variable of server/config/variables.ts`,
      );
    }
  }
});

test('local: the app as Cloud Run runs it, pointed at the emulators', (t) => {
  const [deployment, service] = docs('local/app.yaml');
  t.is(deployment.kind, 'Deployment');
  t.is(service.kind, 'Service');
  t.is(deployment.metadata.name, 'elevendops');
  const c = deployment.spec.template.spec.containers[0];
  t.is(c.image, 'elevendops');
  t.is(c.imagePullPolicy, 'IfNotPresent');
  // Non-root as the image's own numeric user, verified by the kubelet; read-only root, writable /tmp.
  t.like(c.securityContext, {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
  });
  t.is(c.securityContext.runAsUser, undefined);
  t.deepEqual(c.volumeMounts, [{ mountPath: '/tmp', name: 'tmp' }]);
  const env = envOf(c);
  t.is(env.get('PORT').value, '8080');
  t.is(env.get('K_SERVICE').value, 'elevendops');
  t.is(env.get('K_CONFIGURATION').value, 'elevendops');
  t.regex(env.get('K_REVISION').value, /^elevendops-\d{5}-[a-z0-9]+$/);
  t.is(env.get('APP_ENV').value, 'development');
  t.is(env.get('FIRESTORE_EMULATOR_HOST').value, 'firestore-emulator:8080');
  t.is(env.get('STORAGE_EMULATOR_HOST').value, 'http://fake-gcs-server:4443');
  t.is(c.startupProbe.httpGet.path, '/api/health');
  t.is(c.startupProbe.httpGet.port, 8080);
  t.deepEqual(service.spec.ports, [{ name: 'http', port: 8080, targetPort: 8080 }]);
  t.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);

  const loaded = loadConfig(
    Object.fromEntries([...env.values()].map((e: any) => [e.name, e.value ?? 'x'])),
  );
  t.true(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
});

test('local: the emulators run as the service and the test suite expect them', (t) => {
  const [firestore, firestoreService] = docs('local/firestore-emulator.yaml');
  const fc = firestore.spec.template.spec.containers[0];
  t.is(fc.image, 'gcr.io/google.com/cloudsdktool/google-cloud-cli:emulators');
  t.deepEqual(fc.command, [
    'gcloud',
    'emulators',
    'firestore',
    'start',
    '--host-port=0.0.0.0:8080',
  ]);
  t.is(firestoreService.metadata.name, 'firestore-emulator');
  t.is(firestoreService.spec.ports[0].port, 8080);

  const [gcs, gcsService] = docs('local/fake-gcs-server.yaml');
  const gc = gcs.spec.template.spec.containers[0];
  t.is(gc.image, 'fsouza/fake-gcs-server');
  t.deepEqual(gc.args.slice(0, 2), ['-scheme', 'http']);
  t.is(gcsService.metadata.name, 'fake-gcs-server');
  t.is(gcsService.spec.ports[0].port, 4443);
});
