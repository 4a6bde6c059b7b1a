/** Environment variables: reserved names, value vs valueFrom, secret references, and secret-looking literals. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import type { ServiceView } from '../view.ts';
import { isRecord, list, quote, record, str } from '../values.ts';

export const RESERVED_ENV: Rule = {
  id: 'env/reserved-name',
  severity: 'error',
  summary: 'no reserved runtime variables (PORT only on sidecars)',
  allowed: 'any name except PORT (allowed on sidecars), K_SERVICE, K_REVISION, K_CONFIGURATION',
  source: {
    cloudrun:
      'cloud.google.com/run/docs/configuring/environment-variables and the container contract; PORT on a sidecar: cloud-run-samples hello-nginx-sample',
    knative: 'Knative pkg/apis/serving/k8s_validation.go (reservedEnvVars, reservedSidecarEnvVars)',
  },
};
export const ENV_NAME: Rule = {
  id: 'env/name',
  severity: 'error',
  summary: 'every variable has a name',
  allowed: 'a non-empty name',
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (EnvVar.name, required)',
    knative: 'Knative k8s_validation.go validateEnvVar ("missing field(s): name")',
  },
};
export const VALUE_FROM: Rule = {
  id: 'env/value-from',
  severity: { cloudrun: 'error', knative: 'warning' },
  summary: 'value and valueFrom are not combined; valueFrom references a secret',
  allowed: {
    cloudrun: 'either value or valueFrom.secretKeyRef (name and key)',
    knative:
      'either value or valueFrom (Kubernetes rejects the Pod otherwise; the webhook does not check)',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (EnvVar.valueFrom: "Cannot be used if value is not empty"; EnvVarSource)',
    knative:
      'Kubernetes Pod validation (env valueFrom "may not be specified when value is not empty")',
  },
};
export const SECRET_REF: Rule = {
  id: 'env/secret-ref',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'secretKeyRef names a Secret Manager secret and a version',
  allowed:
    'name: a secret name ([A-Za-z0-9_-], up to 255) or an alias from run.googleapis.com/secrets; key: latest, a version number or an alias',
  source:
    'Cloud Run Admin API v1 schema (SecretKeySelector.name, .key); cloud.google.com/run/docs/configuring/secrets',
};
export const DUPLICATE_SECRET_ENV: Rule = {
  id: 'env/duplicate-secret',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'a variable that references a secret is defined once per container',
  allowed: 'unique names for secret-backed variables',
  source: 'Cloud Run Admin API v1 schema (Container.env: "must be unique if referencing a secret")',
};
export const ENV_COUNT: Rule = {
  id: 'env/count',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'at most 1000 variables per container, each value at most 32 KiB',
  allowed: '<= 1000 variables; values <= 32768 bytes',
  source:
    'cloud.google.com/run/docs/configuring/environment-variables; Cloud Run Admin API v2 schema (EnvVar)',
};
export const VARIABLE_REFERENCE: Rule = {
  id: 'env/variable-reference',
  severity: 'warning',
  targets: ['cloudrun'],
  summary: '$(VAR) references are not expanded by Cloud Run',
  allowed: 'literal values',
  source:
    'Cloud Run Admin API v1 schema (EnvVar.value, Container.command/args: "Variable references are not supported in Cloud Run")',
};
export const LITERAL_SECRET: Rule = {
  id: 'env/literal-secret',
  severity: 'warning',
  summary:
    'variables named like secrets (*_KEY, *_SECRET, *TOKEN* but not *TOKENS*, *PASSWORD*) come from a secret, not a literal',
  allowed: 'valueFrom.secretKeyRef for secret values',
  source:
    'Cloud Run docs: "use Secret Manager for sensitive values" (cloud.google.com/run/docs/configuring/secrets); literal values are visible to anyone who can read the service',
};

export const ENV_RULES = [
  RESERVED_ENV,
  ENV_NAME,
  VALUE_FROM,
  SECRET_REF,
  DUPLICATE_SECRET_ENV,
  ENV_COUNT,
  VARIABLE_REFERENCE,
  LITERAL_SECRET,
];

/** A Secret Manager secret: its name in this project, or a full resource name. */
export const SECRET_NAME =
  /^(?:[A-Za-z0-9_-]{1,255}|projects\/[^/\s]+\/secrets\/[A-Za-z0-9_-]{1,255})$/;
const SECRET_LIKE = /(_KEY$|_SECRET$|TOKEN(?!S)|PASSWORD)/i;
const REFERENCE = /\$\([A-Za-z_][A-Za-z0-9_]*\)/;

/** Aliases declared by run.googleapis.com/secrets (ALIAS:projects/P/secrets/S, ...). */
export function secretAliases(view: ServiceView): Set<string> {
  return new Set(
    (str(view.templateAnnotations['run.googleapis.com/secrets']) ?? '')
      .split(',')
      .map((s) => s.split(':')[0]!.trim())
      .filter(Boolean),
  );
}

export function checkEnv(view: ServiceView, r: Reporter): void {
  const aliases = secretAliases(view);
  for (const c of view.containers) {
    const env = list(c.raw['env']);
    const envPath = at(c.path, 'env');
    if (env.length > 1000) r.report(ENV_COUNT, envPath, `${env.length} variables`);
    const secretNames = new Set<string>();
    const reserved =
      c.ingress && !(r.target === 'knative' && view.containers.length > 1 && c.ports.length === 0)
        ? ['PORT', 'K_SERVICE', 'K_REVISION', 'K_CONFIGURATION']
        : ['K_SERVICE', 'K_REVISION', 'K_CONFIGURATION'];
    env.forEach((e, i) => {
      // A null entry decodes as an empty variable: it has no name.
      if (e === null)
        return r.report(ENV_NAME, at(at(envPath, i), 'name'), 'the variable entry is empty');
      if (!isRecord(e)) return;
      const path = at(envPath, i);
      const name = str(e['name']);
      if (name === undefined || name === '') {
        if (e['name'] === undefined || e['name'] === null || e['name'] === '')
          r.report(ENV_NAME, at(path, 'name'), 'the variable has no name');
        return;
      }
      if (reserved.includes(name))
        r.report(
          RESERVED_ENV,
          at(path, 'name'),
          `${quote(name)} is a reserved environment variable${c.ingress ? ' on the ingress container' : ''}`,
        );
      const value = str(e['value']);
      const from = record(e['valueFrom']);
      if (value && from)
        r.report(VALUE_FROM, at(path, 'valueFrom'), `${name} sets both value and valueFrom`);
      if (value && value.length > 32768)
        r.report(
          ENV_COUNT,
          at(path, 'value'),
          `the value of ${name} has ${value.length} characters`,
        );
      if (value && REFERENCE.test(value))
        r.report(
          VARIABLE_REFERENCE,
          at(path, 'value'),
          `${name} contains a $(VAR) reference, which Cloud Run passes through literally`,
        );
      if (value && SECRET_LIKE.test(name))
        r.report(
          LITERAL_SECRET,
          at(path, 'value'),
          `${name} looks like a secret but has a literal value`,
        );
      if (from && r.target === 'cloudrun') {
        const ref = record(from['secretKeyRef']);
        if (!ref) {
          if (from['configMapKeyRef'] === undefined || from['configMapKeyRef'] === null)
            r.report(VALUE_FROM, at(path, 'valueFrom'), `valueFrom of ${name} has no secretKeyRef`);
          return;
        }
        const refPath = at(at(path, 'valueFrom'), 'secretKeyRef');
        const secret = str(ref['name']) ?? str(record(ref['localObjectReference'])?.['name']);
        if (!secret)
          r.report(
            SECRET_REF,
            at(refPath, 'name'),
            `the secretKeyRef of ${name} has no secret name`,
          );
        else if (!SECRET_NAME.test(secret) && !aliases.has(secret))
          r.report(
            SECRET_REF,
            at(refPath, 'name'),
            `${quote(secret)} is not a secret name or a declared alias`,
          );
        const key = str(ref['key']);
        if (!key)
          r.report(
            SECRET_REF,
            at(refPath, 'key'),
            `the secretKeyRef of ${name} has no key (version)`,
          );
        if (secretNames.has(name))
          r.report(
            DUPLICATE_SECRET_ENV,
            at(path, 'name'),
            `${name} is defined more than once and references a secret`,
          );
        secretNames.add(name);
      }
    });
    if (r.target === 'cloudrun')
      for (const field of ['command', 'args'] as const)
        list(c.raw[field]).forEach((arg, i) => {
          if (typeof arg === 'string' && REFERENCE.test(arg))
            r.report(
              VARIABLE_REFERENCE,
              at(at(c.path, field), i),
              `${field} contains a $(VAR) reference, which Cloud Run passes through literally`,
            );
        });
  }
}
