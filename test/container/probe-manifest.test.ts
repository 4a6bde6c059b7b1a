/**
 * The pure rules a local Cloud Run run follows: probe timing and verdicts, probe defaults,
 * memory quantities, the run spec read from a Knative Service, the environment Cloud Run
 * assembles, and the local overrides for emulators. The I/O loop (`runProbe`) is exercised
 * against a real server here and against the real container in the container tier.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { createServer } from 'node:http';
import {
  containerEnv,
  parseMemoryQuantity,
  readProbe,
  runSpecFromManifest,
} from '../../scripts/container/manifest.ts';
import {
  attemptOffsetMs,
  CLOUD_RUN_DEFAULT_STARTUP_PROBE,
  isProbeSuccessStatus,
  probeVerdict,
  probeWindowMs,
  runProbe,
  type Probe,
} from '../../scripts/container/probe.ts';
import {
  hostPortFromContainer,
  localOverrides,
  localSecretValues,
  urlFromContainer,
} from '../../scripts/container/local-env.ts';
import { freePort } from '../helpers/net.ts';

const probeArb: fc.Arbitrary<Probe> = fc.record({
  kind: fc.constantFrom('http' as const, 'tcp' as const),
  path: fc.constant('/api/health'),
  port: fc.constant(undefined),
  initialDelaySeconds: fc.nat(240),
  periodSeconds: fc.integer({ min: 1, max: 240 }),
  timeoutSeconds: fc.integer({ min: 1, max: 240 }),
  failureThreshold: fc.integer({ min: 1, max: 120 }),
});

testProp(
  'attempts start after the initial delay and are one period apart',
  [probeArb, fc.integer({ min: 1, max: 200 })],
  (t, probe, n) => {
    t.is(attemptOffsetMs(probe, 1), probe.initialDelaySeconds * 1000);
    t.is(attemptOffsetMs(probe, n + 1) - attemptOffsetMs(probe, n), probe.periodSeconds * 1000);
    t.is(
      probeWindowMs(probe),
      attemptOffsetMs(probe, probe.failureThreshold) + probe.timeoutSeconds * 1000,
    );
  },
);

testProp(
  'the verdict: success at the first ok, failure after failureThreshold failures, else pending',
  [probeArb, fc.array(fc.boolean(), { maxLength: 150 })],
  (t, probe, results) => {
    const firstOk = results.indexOf(true);
    const failedBy = probe.failureThreshold; // failures are consecutive until the first success
    const verdict = probeVerdict(probe, results);
    if (firstOk >= 0 && firstOk < failedBy) t.is(verdict, 'succeeded');
    else if (results.length >= failedBy) t.is(verdict, 'failed');
    else t.is(verdict, 'pending');
    // More results never turn a verdict back.
    if (verdict !== 'pending') t.is(probeVerdict(probe, [...results, true, false]), verdict);
  },
);

testProp(
  'HTTP success is exactly 2xx and 3xx',
  [fc.integer({ min: 100, max: 599 })],
  (t, status) => {
    t.is(isProbeSuccessStatus(status), status >= 200 && status <= 399);
  },
);

test('Cloud Run default startup probe: TCP, 240 s period and timeout, one failure', (t) => {
  t.deepEqual(
    {
      kind: CLOUD_RUN_DEFAULT_STARTUP_PROBE.kind,
      p: CLOUD_RUN_DEFAULT_STARTUP_PROBE.periodSeconds,
      to: CLOUD_RUN_DEFAULT_STARTUP_PROBE.timeoutSeconds,
      f: CLOUD_RUN_DEFAULT_STARTUP_PROBE.failureThreshold,
    },
    { kind: 'tcp', p: 240, to: 240, f: 1 },
  );
});

test('a declared probe gets the Kubernetes field defaults', (t) => {
  t.deepEqual(readProbe({ httpGet: { path: '/h' } }, 'p'), {
    kind: 'http',
    path: '/h',
    port: undefined,
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 1,
    failureThreshold: 3,
  });
  t.throws(() => readProbe({ periodSeconds: 3 }, 'spec.x.startupProbe'), {
    message: /spec\.x\.startupProbe has no httpGet/,
  });
  t.throws(() => readProbe({ httpGet: {}, periodSeconds: -1 }, 'p'), {
    message: /p\.periodSeconds/,
  });
});

const UNITS: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  Ki: 1024,
  Mi: 1024 ** 2,
  Gi: 1024 ** 3,
};

testProp(
  'memory quantities convert to bytes',
  [fc.integer({ min: 1, max: 64 * 1024 }), fc.constantFrom(...Object.keys(UNITS))],
  (t, n, unit) => {
    t.is(parseMemoryQuantity(`${n}${unit}`), n * UNITS[unit]!);
  },
);

testProp(
  'anything else is not a memory quantity',
  [fc.string().filter((s) => !/^\s*[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?\s*$/.test(s))],
  (t, text) => {
    t.throws(() => parseMemoryQuantity(text), { message: /not a memory quantity/ });
  },
);

function manifest(
  container: Record<string, unknown>,
  extraContainers: Record<string, unknown>[] = [],
) {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name: 'svc' },
    spec: { template: { spec: { containers: [...extraContainers, container] } } },
  };
}

test('the run spec of the ingress container, with secrets apart from plain env', (t) => {
  const spec = runSpecFromManifest(
    manifest(
      {
        image: 'elevendops',
        ports: [{ containerPort: 9090 }],
        env: [
          { name: 'APP_ENV', value: 'production' },
          { name: 'KEY', valueFrom: { secretKeyRef: { name: 'key-secret', key: 'latest' } } },
        ],
        resources: { limits: { memory: '1Gi', cpu: '2' } },
        startupProbe: {
          httpGet: { path: '/api/health' },
          periodSeconds: 5,
          timeoutSeconds: 3,
          failureThreshold: 24,
        },
      },
      [{ image: 'sidecar' }],
    ),
  );
  t.is(spec.service, 'svc');
  t.is(spec.revision, 'svc-00001-loc');
  t.is(spec.image, 'elevendops');
  t.is(spec.port, 9090);
  t.is(spec.memoryBytes, 1024 ** 3);
  t.deepEqual(spec.env, [{ name: 'APP_ENV', value: 'production' }]);
  t.deepEqual(spec.secretEnv, [{ name: 'KEY', secretName: 'key-secret', key: 'latest' }]);
  t.is(spec.startupProbe.periodSeconds, 5);
  t.is(spec.livenessProbe, undefined);
});

test('defaults: port 8080, 512Mi, Cloud Run default TCP startup probe', (t) => {
  const spec = runSpecFromManifest(manifest({ image: 'x' }));
  t.is(spec.port, 8080);
  t.is(spec.memory, '512Mi');
  t.deepEqual(spec.startupProbe, CLOUD_RUN_DEFAULT_STARTUP_PROBE);
});

test('a manifest that is not a Knative Service is refused with the field at fault', (t) => {
  t.throws(() => runSpecFromManifest({ kind: 'Deployment' }), {
    message: /serving\.knative\.dev\/v1 Service/,
  });
  t.throws(() => runSpecFromManifest(manifest({})), { message: /containers\[0\]\.image/ });
});

const envName = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/);

testProp(
  'Cloud Run env: manifest, then secrets, then overrides, then PORT and K_* which nothing overrides',
  [
    fc.dictionary(envName, fc.string({ maxLength: 8 }), { noNullPrototype: true }),
    fc.dictionary(envName, fc.string({ maxLength: 8 }), { noNullPrototype: true }),
  ],
  (t, plain, overrides) => {
    const spec = {
      ...runSpecFromManifest(manifest({ image: 'x' })),
      env: Object.entries(plain).map(([name, value]) => ({ name, value })),
    };
    const env = containerEnv(spec, {}, overrides);
    for (const [k, v] of Object.entries({ ...plain, ...overrides }))
      if (!['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'].includes(k)) t.is(env[k], v);
    t.is(env['PORT'], '8080');
    t.is(env['K_SERVICE'], 'svc');
    t.is(env['K_REVISION'], 'svc-00001-loc');
    t.is(env['K_CONFIGURATION'], 'svc');
  },
);

test('a secret without a value is an error naming it', (t) => {
  const spec = runSpecFromManifest(
    manifest({
      image: 'x',
      env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'k-secret', key: 'latest' } } }],
    }),
  );
  t.throws(() => containerEnv(spec, {}), { message: /K \(secret "k-secret"\)/ });
  t.deepEqual(localSecretValues(spec.secretEnv, {}), { K: 'local-placeholder-k-secret' });
  t.deepEqual(localSecretValues(spec.secretEnv, { K: ' real ' }), { K: 'real' });
});

testProp(
  'emulator addresses on the host loopback are rewritten to the container-side address',
  [fc.constantFrom('127.0.0.1', 'localhost'), fc.integer({ min: 1, max: 65535 })],
  (t, host, port) => {
    t.is(hostPortFromContainer(`${host}:${port}`, '10.0.2.2'), `10.0.2.2:${port}`);
    t.is(urlFromContainer(`http://${host}:${port}`, '10.0.2.2'), `http://10.0.2.2:${port}`);
    t.is(hostPortFromContainer(`emulator.test:${port}`, '10.0.2.2'), `emulator.test:${port}`);
  },
);

test('local overrides: staging with emulators, embedded data under /tmp without', (t) => {
  t.deepEqual(
    localOverrides({ firestoreHost: '127.0.0.1:1', storageHost: 'http://127.0.0.1:2' }, '10.0.2.2'),
    {
      APP_ENV: 'staging',
      METADATA_SERVER_DETECTION: 'none',
      USE_FIRESTORE_EMULATOR: 'true',
      FIRESTORE_EMULATOR_HOST: '10.0.2.2:1',
      USE_GCS_EMULATOR: 'true',
      STORAGE_EMULATOR_HOST: 'http://10.0.2.2:2',
    },
  );
  t.like(localOverrides({}, '10.0.2.2'), {
    APP_ENV: 'staging',
    DATA_BACKEND: 'embedded',
    DATA_DIR: '/tmp/elevendops-data',
  });
});

test('runProbe polls a real server until it answers 2xx, as the probe is declared', async (t) => {
  let calls = 0;
  const server = createServer((req, res) => {
    calls += 1;
    res.statusCode = calls < 3 ? 503 : 204;
    res.end();
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  try {
    const probe: Probe = {
      kind: 'http',
      path: '/api/health',
      port: undefined,
      initialDelaySeconds: 0,
      periodSeconds: 0,
      timeoutSeconds: 5,
      failureThreshold: 5,
    };
    const result = await runProbe(probe, { port });
    t.is(result.verdict, 'succeeded');
    t.deepEqual(
      result.attempts.map((a) => a.detail),
      ['HTTP 503', 'HTTP 503', 'HTTP 204'],
    );
    const refused = await runProbe(
      { ...probe, kind: 'tcp', failureThreshold: 2 },
      { port: await freePort() },
    );
    t.is(refused.verdict, 'failed');
    t.is(refused.attempts.length, 2);
    const gone = await runProbe(probe, { port, isGone: async () => 'exited with 78' });
    t.like(gone, { verdict: 'failed', abortedBecause: 'exited with 78' });
  } finally {
    server.close();
  }
});
