/**
 * The seed's configuration properties (REQUIREMENTS.md, properties 1, 2, 3, 5 and 6) and the
 * loader's own contract: it never throws, reports every bad variable at once, and never
 * quotes a secret value.
 */
import test from 'ava';
import { testProp, fc } from '@fast-check/ava';
import { loadConfig, type Environment } from '../../../server/config/load.ts';
import { SERVICE_SECRETS } from '../../../server/config/secrets.ts';
import { VARIABLES } from '../../../server/config/variables.ts';

const secretValue = fc.string({ minLength: 6, maxLength: 40 }).filter((s) => s.trim().length >= 6);
const projectId = fc.stringMatching(/^[a-z][a-z0-9-]{4,20}[a-z0-9]$/);
const bucket = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{1,30}[a-z0-9]$/);

/** A production environment that satisfies every rule. */
const validProduction = fc.record({
  APP_ENV: fc.constantFrom('production', 'PRODUCTION', ' production '),
  ELEVENLABS_API_KEY: secretValue,
  GOOGLE_API_KEY: secretValue,
  GOOGLE_CLOUD_PROJECT: projectId,
  GCS_BUCKET_NAME: bucket,
});

const anyValue = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    'true',
    'false',
    '0',
    '1',
    '8080',
    'http://127.0.0.1:8000',
    'https://x.example',
  ),
);
const knownName = fc.constantFrom(...Object.keys(VARIABLES), 'K_SERVICE', 'K_REVISION');
const anyEnv = fc.dictionary(fc.oneof(knownName, fc.string()), anyValue, { noNullPrototype: true });

test('defaults: a bare environment loads as local development on the embedded backend', (t) => {
  const result = loadConfig({});
  if (!result.ok) return t.fail(JSON.stringify(result.problems));
  const c = result.config;
  t.is(c.appEnv, 'development');
  t.is(c.port, 8080);
  t.is(c.backendHost, '127.0.0.1');
  t.is(c.backendPort, 8000);
  t.is(c.backendApiUrl, 'http://127.0.0.1:8000');
  t.is(c.dataBackend, 'embedded');
  t.is(c.firestoreDatabaseId, '(default)');
  t.is(c.knowledgeMaxBytes, 1024 * 1024);
  t.deepEqual(c.corsOrigins, ['http://localhost:8080', 'http://127.0.0.1:8080']);
});

// Property 1: production configuration disables emulators (2.2, 8.1, 8.2).
testProp(
  'property 1: production refuses any emulator switch or emulator host',
  [
    validProduction,
    fc.subarray(
      [
        'USE_FIRESTORE_EMULATOR',
        'USE_GCS_EMULATOR',
        'FIRESTORE_EMULATOR_HOST',
        'STORAGE_EMULATOR_HOST',
      ] as const,
      { minLength: 1 },
    ),
  ],
  (t, env, turnedOn) => {
    const values = {
      USE_FIRESTORE_EMULATOR: 'true',
      USE_GCS_EMULATOR: 'yes',
      FIRESTORE_EMULATOR_HOST: '127.0.0.1:8085',
      STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443',
    };
    const withEmulators: Environment = {
      ...env,
      ...Object.fromEntries(turnedOn.map((k) => [k, values[k]])),
    };
    const result = loadConfig(withEmulators);
    t.false(result.ok);
    if (!result.ok)
      t.deepEqual(
        [...new Set(result.problems.map((p) => p.variable))].sort(),
        [...turnedOn].sort(),
      );
  },
);

testProp(
  'property 1: a valid production config talks to the real services',
  [validProduction],
  (t, env) => {
    const result = loadConfig(env);
    if (!result.ok) return t.fail(JSON.stringify(result.problems));
    t.is(result.config.dataBackend, 'gcp');
    t.is(result.config.firestoreEmulatorHost, undefined);
    t.is(result.config.storageEmulatorHost, undefined);
  },
);

// Property 2: production configuration requires the critical keys (2.3, 3.4).
const critical = [
  'ELEVENLABS_API_KEY',
  'GOOGLE_API_KEY',
  'GOOGLE_CLOUD_PROJECT',
  'GCS_BUCKET_NAME',
] as const;
testProp(
  'property 2: production names every missing critical key',
  [
    validProduction,
    fc.subarray([...critical], { minLength: 1 }),
    fc.constantFrom(undefined, '', '   '),
  ],
  (t, env, removed, blank) => {
    const broken: Record<string, string | undefined> = { ...env };
    for (const key of removed) broken[key] = blank;
    const result = loadConfig(broken);
    t.false(result.ok);
    if (!result.ok)
      t.deepEqual([...new Set(result.problems.map((p) => p.variable))].sort(), [...removed].sort());
  },
);

test('property 2: optional secrets stay optional in production', (t) => {
  t.true(
    loadConfig({
      APP_ENV: 'production',
      ELEVENLABS_API_KEY: 'k'.repeat(10),
      GOOGLE_API_KEY: 'g'.repeat(10),
      GOOGLE_CLOUD_PROJECT: 'my-project',
      GCS_BUCKET_NAME: 'my-bucket',
    }).ok,
  );
  t.false(SERVICE_SECRETS.find((s) => s.env === 'LANGSMITH_API_KEY')!.requiredInProduction);
});

// Property 3: production configuration uses a localhost backend URL (1.5, 1.7, 2.4).
testProp(
  'property 3: production accepts only loopback http backend URLs',
  [validProduction, fc.webUrl({ validSchemes: ['http', 'https'] })],
  (t, env, url) => {
    const result = loadConfig({ ...env, BACKEND_API_URL: url });
    const host = new URL(url).hostname;
    const loopback =
      new URL(url).protocol === 'http:' && (host === 'localhost' || /^127\./.test(host));
    t.is(result.ok, loopback);
    if (!result.ok) t.true(result.problems.some((p) => p.variable === 'BACKEND_API_URL'));
  },
);

testProp(
  'property 3: production defaults the backend URL to loopback',
  [validProduction, fc.integer({ min: 1, max: 65535 })],
  (t, env, port) => {
    fc.pre(port !== 8080);
    const result = loadConfig({ ...env, BACKEND_PORT: String(port) });
    if (!result.ok) return t.fail(JSON.stringify(result.problems));
    t.is(result.config.backendApiUrl, `http://127.0.0.1:${port}`);
  },
);

// Property 5: every external API URL uses https (6.3).
const externalUrlVars = ['ELEVENLABS_API_URL', 'GOOGLE_AI_API_URL', 'LANGSMITH_ENDPOINT'] as const;
testProp(
  'property 5: production refuses non-https external API URLs and keeps https ones',
  [
    validProduction,
    fc.constantFrom(...externalUrlVars),
    fc.webUrl({ validSchemes: ['http', 'https'] }),
  ],
  (t, env, name, url) => {
    const result = loadConfig({ ...env, [name]: url });
    if (url.startsWith('https:')) {
      if (!result.ok) return t.fail(JSON.stringify(result.problems));
      for (const value of Object.values(result.config.externalApis))
        t.true(value.startsWith('https://'));
    } else {
      t.false(result.ok);
      if (!result.ok)
        t.deepEqual(
          result.problems.map((p) => p.variable),
          [name],
        );
    }
  },
);

// Property 6: configuration reads from the environment, overriding defaults (2.1, 8.5).
testProp(
  'property 6: values from the environment override the defaults',
  [
    bucket,
    projectId,
    fc.integer({ min: 1, max: 65535 }),
    fc.integer({ min: 1, max: 65535 }),
    fc.constantFrom('debug', 'warn', 'error'),
  ],
  (t, bucketName, project, port, backendPort, level) => {
    fc.pre(port !== backendPort);
    const result = loadConfig({
      GCS_BUCKET_NAME: bucketName,
      GOOGLE_CLOUD_PROJECT: project,
      PORT: String(port),
      BACKEND_PORT: String(backendPort),
      LOG_LEVEL: level,
    });
    if (!result.ok) return t.fail(JSON.stringify(result.problems));
    t.is(result.config.bucketName, bucketName);
    t.is(result.config.projectId, project);
    t.is(result.config.port, port);
    t.is(result.config.backendPort, backendPort);
    t.is(result.config.logLevel, level);
  },
);

// 2.5: CORS origins always include the localhost origins used for internal calls.
testProp(
  'CORS origins always include localhost for the public port',
  [
    fc.array(
      fc.webUrl().map((u) => new URL(u).origin),
      { maxLength: 4 },
    ),
    fc.integer({ min: 1, max: 65535 }),
  ],
  (t, origins, port) => {
    fc.pre(port !== 8000);
    const result = loadConfig({ CORS_ORIGINS: origins.join(', '), PORT: String(port) });
    if (!result.ok) return t.fail(JSON.stringify(result.problems));
    t.true(result.config.corsOrigins.includes(`http://localhost:${port}`));
    t.true(result.config.corsOrigins.includes(`http://127.0.0.1:${port}`));
    for (const o of origins) t.true(result.config.corsOrigins.includes(o));
    t.is(new Set(result.config.corsOrigins).size, result.config.corsOrigins.length);
  },
);

testProp('loading never throws, for any environment map', [anyEnv], (t, env) => {
  const result = loadConfig(env);
  t.true(typeof result.ok === 'boolean');
  if (!result.ok) {
    t.true(result.problems.length > 0);
    for (const p of result.problems) t.true(p.message.startsWith(p.variable), p.message);
  }
});

testProp(
  'every bad variable is named in one pass',
  [
    fc.subarray(
      [
        'PORT',
        'BACKEND_PORT',
        'USE_FIRESTORE_EMULATOR',
        'USE_GCS_EMULATOR',
        'LOG_LEVEL',
        'APP_ENV',
        'KNOWLEDGE_MAX_BYTES',
        'GCS_BUCKET_NAME',
        'CORS_ORIGINS',
        'FIRESTORE_EMULATOR_HOST',
        'BACKEND_API_URL',
      ],
      { minLength: 1 },
    ),
  ],
  (t, bad) => {
    const garbage: Record<string, string> = Object.fromEntries(
      bad.map((k) => [k, '!!not-valid!!']),
    );
    const result = loadConfig(garbage);
    t.false(result.ok);
    if (!result.ok) {
      const named = new Set(result.problems.map((p) => p.variable));
      for (const k of bad) t.true(named.has(k), `${k} not named in ${[...named].join(',')}`);
    }
  },
);

testProp(
  'no problem message ever contains a secret value',
  [anyEnv, fc.record(Object.fromEntries(SERVICE_SECRETS.map((s) => [s.env, secretValue])))],
  (t, env, secrets) => {
    const result = loadConfig({ ...env, ...secrets, APP_ENV: 'production' });
    const text = JSON.stringify(result);
    const messages = result.ok ? '' : result.problems.map((p) => p.message).join('\n');
    for (const value of Object.values(secrets)) t.false(messages.includes(value));
    t.true(text.length > 0);
  },
);

test('emulator switch and host must agree outside production', (t) => {
  const on = loadConfig({ USE_FIRESTORE_EMULATOR: 'true' });
  t.false(on.ok);
  if (!on.ok) t.regex(on.problems[0]!.message, /FIRESTORE_EMULATOR_HOST is not set/);
  const contradiction = loadConfig({
    USE_GCS_EMULATOR: 'false',
    STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443',
  });
  t.false(contradiction.ok);
  const both = loadConfig({
    USE_FIRESTORE_EMULATOR: 'true',
    FIRESTORE_EMULATOR_HOST: '127.0.0.1:8085',
    STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443',
  });
  if (!both.ok) return t.fail(JSON.stringify(both.problems));
  t.is(both.config.dataBackend, 'gcp');
  t.is(both.config.firestoreEmulatorHost, '127.0.0.1:8085');
  t.is(both.config.storageEmulatorHost, 'http://127.0.0.1:4443');
});

test('bad values are quoted for plain variables and never for secrets', (t) => {
  const result = loadConfig({ PORT: 'eighty', APP_ENV: 'production', GOOGLE_API_KEY: '   ' });
  if (result.ok) return t.fail();
  t.true(result.problems.some((p) => p.message.includes('"eighty"')));
  t.true(result.problems.some((p) => p.variable === 'GOOGLE_API_KEY'));
});
