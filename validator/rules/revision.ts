/** Revision-wide settings: containers present, concurrency, request timeout, service account, node selector. */
import type { Reporter, Rule } from '../rule.ts';
import { REVISION, type ServiceView } from '../view.ts';
import { int, list, quote, record, str } from '../values.ts';
import { isDns1123Subdomain } from './names.ts';

export const CONTAINERS_REQUIRED: Rule = {
  id: 'revision/containers',
  severity: 'error',
  summary: 'spec.template.spec.containers has at least one container',
  allowed: 'one ingress container, optionally with sidecars',
  source: {
    cloudrun: 'Cloud Run Admin API v1 schema (RevisionSpec.containers, required)',
    knative:
      'Knative pkg/apis/serving/k8s_validation.go ValidatePodSpec ("missing field(s): containers")',
  },
};
export const CONCURRENCY: Rule = {
  id: 'revision/container-concurrency',
  severity: 'error',
  summary: 'containerConcurrency within range',
  allowed: '0-1000 (0 = platform default)',
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (RevisionSpec.containerConcurrency); cloud.google.com/run/docs/about-concurrency',
    knative:
      'Knative metadata_validation.go ValidateContainerConcurrency (container-concurrency-max-limit default 1000)',
  },
};
export const TIMEOUT: Rule = {
  id: 'revision/timeout-seconds',
  severity: 'error',
  summary: 'timeoutSeconds within range',
  allowed: {
    cloudrun: '1-3600 seconds (default 300)',
    knative: '0-600 seconds (max-revision-timeout-seconds default 600)',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (RevisionSpec.timeoutSeconds); cloud.google.com/run/docs/configuring/request-timeout',
    knative: 'Knative pkg/apis/serving/v1/revision_validation.go validateTimeoutSeconds',
  },
};
export const SERVICE_ACCOUNT: Rule = {
  id: 'revision/service-account',
  severity: 'error',
  summary:
    'serviceAccountName is an IAM service-account email (Cloud Run) or a Kubernetes name (Knative)',
  allowed: {
    cloudrun: 'an email such as NAME@PROJECT.iam.gserviceaccount.com',
    knative: 'a DNS-1123 subdomain (a Kubernetes ServiceAccount name; an email is invalid)',
  },
  source: {
    cloudrun:
      'Cloud Run Admin API v1 schema (RevisionSpec.serviceAccountName: "Email address of the IAM service account")',
    knative: 'Knative pkg/apis/serving/k8s_validation.go ValidatePodSpec (IsDNS1123Subdomain)',
  },
};
export const NODE_SELECTOR: Rule = {
  id: 'revision/node-selector',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'nodeSelector only selects a GPU type',
  allowed: 'run.googleapis.com/accelerator: nvidia-l4 or nvidia-rtx-pro-6000',
  source:
    'Cloud Run Admin API v1 schema (RevisionSpec.nodeSelector); gcloud k8s_object.py GPU_TYPE_NODE_SELECTOR; cloud.google.com/run/docs/configuring/services/gpu',
};
export const RUNTIME_CLASS: Rule = {
  id: 'revision/runtime-class',
  severity: 'warning',
  targets: ['cloudrun'],
  summary: 'runtimeClassName left unset',
  allowed: 'leave runtimeClassName unset',
  source: 'Cloud Run Admin API v1 schema (RevisionSpec.runtimeClassName)',
};

export const SECURITY_CONTEXT: Rule = {
  id: 'revision/security-context',
  severity: 'error',
  targets: ['knative'],
  summary: 'container securityContext: privileged only false, user and group IDs in range',
  allowed: 'privileged unset or false; runAsUser and runAsGroup 0-2147483647',
  source:
    'Knative pkg/apis/serving/fieldmask.go SecurityContextMask and k8s_validation.go validateSecurityContext',
};

export const REVISION_RULES = [
  CONTAINERS_REQUIRED,
  CONCURRENCY,
  TIMEOUT,
  SERVICE_ACCOUNT,
  NODE_SELECTOR,
  RUNTIME_CLASS,
  SECURITY_CONTEXT,
];

export const ACCELERATORS = ['nvidia-l4', 'nvidia-rtx-pro-6000'] as const;

export function checkRevision(view: ServiceView, r: Reporter): void {
  const spec = view.revision;
  if (list(spec?.['containers']).length === 0)
    r.report(
      CONTAINERS_REQUIRED,
      `${REVISION}.containers`,
      'the revision template has no containers',
    );
  if (!spec) return;

  const concurrency = int(spec['containerConcurrency'], r.target);
  if (concurrency !== undefined && (concurrency < 0 || concurrency > 1000))
    r.report(
      CONCURRENCY,
      `${REVISION}.containerConcurrency`,
      `containerConcurrency is ${concurrency}`,
    );

  const timeout = int(spec['timeoutSeconds'], r.target);
  if (timeout !== undefined) {
    const bad =
      r.target === 'cloudrun' ? timeout < 0 || timeout > 3600 : timeout < 0 || timeout > 600;
    if (bad) r.report(TIMEOUT, `${REVISION}.timeoutSeconds`, `timeoutSeconds is ${timeout}`);
  }

  const account = str(spec['serviceAccountName']);
  if (account) {
    const ok =
      r.target === 'cloudrun'
        ? /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(account)
        : isDns1123Subdomain(account);
    if (!ok)
      r.report(
        SERVICE_ACCOUNT,
        `${REVISION}.serviceAccountName`,
        `serviceAccountName ${quote(account)} is not valid`,
      );
  }

  if (r.target === 'knative')
    for (const c of view.containers) {
      const sc = record(c.raw['securityContext']);
      if (!sc) continue;
      const path = `${c.path}.securityContext`;
      if (sc['privileged'] === true)
        r.report(
          SECURITY_CONTEXT,
          `${path}.privileged`,
          'privileged: true is not allowed by Knative',
        );
      for (const key of ['runAsUser', 'runAsGroup']) {
        const id = int(sc[key], 'knative');
        if (id !== undefined && (id < 0 || id > 2 ** 31 - 1))
          r.report(SECURITY_CONTEXT, `${path}.${key}`, `${key} ${id} is out of range`);
      }
    }

  if (r.target === 'cloudrun') {
    const selector = record(spec['nodeSelector']);
    for (const [key, value] of Object.entries(selector ?? {})) {
      const path = `${REVISION}.nodeSelector[${key}]`;
      if (key !== 'run.googleapis.com/accelerator')
        r.report(NODE_SELECTOR, path, `nodeSelector key ${quote(key)} is not supported`);
      else if (typeof value === 'string' && !(ACCELERATORS as readonly string[]).includes(value))
        r.report(NODE_SELECTOR, path, `accelerator ${quote(value)} is not a Cloud Run GPU type`);
    }
    if (typeof spec['runtimeClassName'] === 'string')
      r.report(
        RUNTIME_CLASS,
        `${REVISION}.runtimeClassName`,
        'runtimeClassName is set; Cloud Run does not use it',
      );
  }
}
