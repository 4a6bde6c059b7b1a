/** Probes: handler types per probe kind, ranges, timeout vs period, and which port they hit. */
import { at } from '../path.ts';
import type { Reporter, Rule } from '../rule.ts';
import type { ContainerView, ServiceView } from '../view.ts';
import { int, isRecord, record, str } from '../values.ts';

const HEALTHCHECKS = 'cloud.google.com/run/docs/configuring/healthchecks';
const V1_PROBE = 'Cloud Run Admin API v1 schema (Probe)';
const KN_PROBE = 'Knative pkg/apis/serving/k8s_validation.go validateProbe/validateReadinessProbe';

export const PROBE_HANDLER: Rule = {
  id: 'probes/handler',
  severity: 'error',
  summary: 'exactly one handler, of a type the probe kind supports',
  allowed: {
    cloudrun: 'startupProbe: httpGet, tcpSocket or grpc; livenessProbe: httpGet or grpc',
    knative: 'exactly one of httpGet, tcpSocket, exec, grpc',
  },
  source: {
    cloudrun: `${HEALTHCHECKS} ("HTTP, TCP, and gRPC startup probes", "HTTP and gRPC liveness probes"); v2 schema Probe`,
    knative: KN_PROBE,
  },
};
export const PROBE_RANGE: Rule = {
  id: 'probes/range',
  severity: 'error',
  summary: 'probe timings within their ranges',
  allowed: {
    cloudrun:
      'initialDelaySeconds 0-240 (startup) / 0-3600 (liveness); periodSeconds 1-240 / 1-3600; timeoutSeconds 1-3600; failureThreshold >= 1; successThreshold 1',
    knative:
      'readiness: successThreshold >= 1; with periodSeconds > 0, timeoutSeconds >= 1 and failureThreshold >= 1; with periodSeconds 0, neither set',
  },
  source: { cloudrun: V1_PROBE, knative: KN_PROBE },
};
export const PROBE_TIMEOUT: Rule = {
  id: 'probes/timeout-period',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'timeoutSeconds <= periodSeconds',
  allowed: 'timeoutSeconds <= periodSeconds (periodSeconds defaults to 10)',
  source: `${V1_PROBE} (timeoutSeconds "must be smaller than period"; Google samples use timeout == period, accepted)`,
};
export const STARTUP_WINDOW: Rule = {
  id: 'probes/startup-window',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'failureThreshold x periodSeconds of a startup probe fits the startup window',
  allowed: '<= 600 s (1800 s with a GPU)',
  source: `${HEALTHCHECKS} (changed: older docs said 240 s; the newest say 600 s, 1800 s with GPU, which this rule follows)`,
};
export const PROBE_PORT: Rule = {
  id: 'probes/port',
  severity: 'error',
  summary:
    "probe ports are valid (Knative: a named port must be the container port's name; sidecar probes need the multi-container-probing flag)",
  allowed: {
    cloudrun: '1-65535',
    knative:
      "a port number, or the container port's name; no probes on sidecars unless multi-container-probing is enabled",
  },
  source: {
    cloudrun: `${V1_PROBE} ("Number must be in the range 1 to 65535")`,
    knative: `${KN_PROBE} ("Probe port must match container port"); validateSidecarContainer`,
  },
};
export const PROBE_OTHER_PORT: Rule = {
  id: 'probes/ingress-port',
  severity: 'warning',
  summary: "the ingress container's probes hit its serving port",
  allowed: 'the port in ports[0].containerPort (or leave the probe port unset)',
  source: `${HEALTHCHECKS} (set the port to "the container port used for your service"); a probe on another port can pass while the serving process is dead`,
};
export const SIDECAR_PROBE_PORT: Rule = {
  id: 'probes/sidecar-port',
  severity: 'warning',
  targets: ['cloudrun'],
  summary: "sidecar probes name the sidecar's own port",
  allowed: 'the port the sidecar listens on, set explicitly',
  source:
    'Google multi-container samples (run-gmp-sidecar, hello-nginx-sample, opentelemetry-cloud-run) all set it; unset, it falls back to the ingress port',
};
export const READINESS_PREVIEW: Rule = {
  id: 'probes/readiness',
  severity: 'warning',
  targets: ['cloudrun'],
  summary: 'readiness probes are a Preview feature on Cloud Run',
  allowed: 'startupProbe and livenessProbe; readinessProbe only knowingly, as Preview',
  source: `${HEALTHCHECKS} (changed: the v1 schema said "Not supported by Cloud Run" and Google said Cloud Run ignores it; docs from 2025 list readiness probes as Preview, which this rule follows)`,
};

export const PROBE_RULES = [
  PROBE_HANDLER,
  PROBE_RANGE,
  PROBE_TIMEOUT,
  STARTUP_WINDOW,
  PROBE_PORT,
  PROBE_OTHER_PORT,
  SIDECAR_PROBE_PORT,
  READINESS_PREVIEW,
];

type Kind = 'startupProbe' | 'livenessProbe' | 'readinessProbe';
const KINDS: readonly Kind[] = ['startupProbe', 'livenessProbe', 'readinessProbe'];
const HANDLERS = ['httpGet', 'tcpSocket', 'grpc', 'exec'] as const;

export function checkProbes(view: ServiceView, r: Reporter): void {
  const gpu = view.containers.some(
    (c) => record(record(c.raw['resources'])?.['limits'])?.['nvidia.com/gpu'] !== undefined,
  );
  const knativeSidecars = r.target === 'knative' && view.containers.length > 1;
  for (const c of view.containers) {
    const sidecar = knativeSidecars ? c.ports.length === 0 : !c.ingress;
    for (const kind of KINDS) {
      const probe = c.raw[kind];
      if (!isRecord(probe)) continue;
      const path = at(c.path, kind);
      if (r.target === 'knative') checkKnative(probe, kind, path, c, sidecar, view, r);
      else checkCloudRun(probe, kind, path, c, gpu, view, r);
    }
  }
}

function handlersOf(probe: Record<string, unknown>): string[] {
  return HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
}

function checkCloudRun(
  probe: Record<string, unknown>,
  kind: Kind,
  path: string,
  c: ContainerView,
  gpu: boolean,
  view: ServiceView,
  r: Reporter,
): void {
  if (kind === 'readinessProbe')
    r.report(READINESS_PREVIEW, path, 'readinessProbe is a Preview feature on Cloud Run');
  const handlers = handlersOf(probe);
  const allowed = kind === 'livenessProbe' ? ['httpGet', 'grpc'] : ['httpGet', 'tcpSocket', 'grpc'];
  if (handlers.length === 0) r.report(PROBE_HANDLER, path, `${kind} has no handler`);
  else if (handlers.length > 1)
    r.report(
      PROBE_HANDLER,
      path,
      `${kind} has ${handlers.length} handlers (${handlers.join(', ')})`,
    );
  for (const h of handlers)
    if (h !== 'exec' && !allowed.includes(h))
      r.report(PROBE_HANDLER, at(path, h), `${kind} does not support ${h}`);

  const get = (k: string) => int(probe[k], 'cloudrun');
  const startup = kind === 'startupProbe';
  const maxPeriod = startup ? 240 : 3600;
  const range = (k: string, min: number, max: number) => {
    const v = get(k);
    if (v !== undefined && (v < min || v > max))
      r.report(PROBE_RANGE, at(path, k), `${k} is ${v}`, `${min}-${max}`);
  };
  range('initialDelaySeconds', 0, maxPeriod);
  range('periodSeconds', 1, maxPeriod);
  range('timeoutSeconds', 1, 3600);
  const failure = get('failureThreshold');
  if (failure !== undefined && failure < 1)
    r.report(PROBE_RANGE, at(path, 'failureThreshold'), `failureThreshold is ${failure}`, '>= 1');
  const success = get('successThreshold');
  if (success !== undefined && success !== 1 && kind !== 'readinessProbe')
    r.report(PROBE_RANGE, at(path, 'successThreshold'), `successThreshold is ${success}`, '1');
  const period = get('periodSeconds') ?? 10;
  const timeout = get('timeoutSeconds') ?? 1;
  if (timeout > period && timeout <= 3600 && period >= 1)
    r.report(
      PROBE_TIMEOUT,
      at(path, 'timeoutSeconds'),
      `timeoutSeconds ${timeout} is greater than periodSeconds ${period}`,
    );
  if (startup) {
    const window = (failure ?? 3) * period;
    const max = gpu ? 1800 : 600;
    if ((failure ?? 3) >= 1 && period >= 1 && window > max)
      r.report(
        STARTUP_WINDOW,
        path,
        `failureThreshold x periodSeconds is ${window} s`,
        `<= ${max} s${gpu ? ' (with GPU)' : ''}`,
      );
  }
  for (const h of ['httpGet', 'tcpSocket', 'grpc']) {
    const handler = record(probe[h]);
    if (!handler) continue;
    const portPath = at(at(path, h), 'port');
    const port =
      handler['port'] === undefined || handler['port'] === null
        ? undefined
        : int(handler['port'], 'cloudrun');
    if (port !== undefined && (port < 1 || port > 65535))
      r.report(PROBE_PORT, portPath, `probe port ${port} is out of range`);
    else if (c.ingress && port !== undefined && port !== view.ingressPort)
      r.report(
        PROBE_OTHER_PORT,
        portPath,
        `${kind} probes port ${port}, but the container serves on ${view.ingressPort}`,
      );
    else if (!c.ingress && handler['port'] === undefined)
      r.report(
        SIDECAR_PROBE_PORT,
        portPath,
        `the sidecar's ${kind} has no port, so it probes the ingress port ${view.ingressPort}`,
      );
  }
}

function checkKnative(
  probe: Record<string, unknown>,
  kind: Kind,
  path: string,
  c: ContainerView,
  sidecar: boolean,
  view: ServiceView,
  r: Reporter,
): void {
  if (sidecar) {
    // An empty probe object sets no field, so the feature-flag mask has nothing to reject.
    if (!Object.values(probe).some((v) => v !== null && v !== undefined)) return;
    r.report(
      PROBE_PORT,
      path,
      `${kind} on a sidecar is rejected while multi-container-probing is Disabled (its default)`,
    );
    return;
  }
  const handlers = handlersOf(probe);
  // Knative gives a user container's readiness probe without a handler a TCP one (revision_defaults.go).
  if (handlers.length === 0 && kind !== 'readinessProbe')
    r.report(PROBE_HANDLER, path, `${kind} has no handler`);
  else if (handlers.length > 1)
    r.report(
      PROBE_HANDLER,
      path,
      `${kind} has ${handlers.length} handlers (${handlers.join(', ')})`,
    );
  const ingressPort = record(c.ports[0]);
  const portName = str(ingressPort?.['name']) || 'http';
  for (const h of ['httpGet', 'tcpSocket']) {
    const handler = record(probe[h]);
    if (!handler) continue;
    const port = handler['port'];
    if (typeof port === 'string' && port !== '' && port !== portName)
      r.report(
        PROBE_PORT,
        at(at(path, h), 'port'),
        `Probe port must match container port (named port ${JSON.stringify(port)}, container port name "${portName}")`,
      );
    else if (typeof port === 'number' && port !== view.ingressPort && port !== 0)
      r.report(
        PROBE_OTHER_PORT,
        at(at(path, h), 'port'),
        `${kind} probes port ${port}, but the container serves on ${view.ingressPort}`,
      );
  }
  if (kind !== 'readinessProbe') return;
  const get = (k: string) => int(probe[k], 'knative');
  const period = get('periodSeconds') ?? 0;
  const initial = get('initialDelaySeconds') ?? 0;
  const success = get('successThreshold') ?? 0;
  if (period < 0)
    r.report(PROBE_RANGE, at(path, 'periodSeconds'), `periodSeconds is ${period}`, '>= 0');
  if (initial < 0)
    r.report(
      PROBE_RANGE,
      at(path, 'initialDelaySeconds'),
      `initialDelaySeconds is ${initial}`,
      '>= 0',
    );
  if (success < 0)
    r.report(PROBE_RANGE, at(path, 'successThreshold'), `successThreshold is ${success}`, '>= 1');
  const failure = get('failureThreshold') ?? 0;
  const timeout = get('timeoutSeconds') ?? 0;
  if (period === 0) {
    if (failure !== 0)
      r.report(
        PROBE_RANGE,
        at(path, 'failureThreshold'),
        'failureThreshold is disallowed when periodSeconds is zero',
        'unset with periodSeconds 0',
      );
    if (timeout !== 0)
      r.report(
        PROBE_RANGE,
        at(path, 'timeoutSeconds'),
        'timeoutSeconds is disallowed when periodSeconds is zero',
        'unset with periodSeconds 0',
      );
  } else if (period > 0) {
    // Knative defaults failureThreshold to 3 and timeoutSeconds to 1 when they are 0.
    if (timeout < 0)
      r.report(PROBE_RANGE, at(path, 'timeoutSeconds'), `timeoutSeconds is ${timeout}`, '>= 1');
    if (failure < 0)
      r.report(PROBE_RANGE, at(path, 'failureThreshold'), `failureThreshold is ${failure}`, '>= 1');
  }
}
