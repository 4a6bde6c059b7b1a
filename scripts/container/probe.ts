/**
 * Startup and liveness probes as Cloud Run runs them, so a local run answers "would this
 * revision become ready?" the way the platform would: the first attempt after
 * `initialDelaySeconds`, then one every `periodSeconds`, each given `timeoutSeconds`; HTTP
 * success is any 2xx or 3xx status, TCP success is an accepted connection; the probe fails after
 * `failureThreshold` consecutive failures. The timing rules are pure (tested with properties);
 * `runProbe` is the thin I/O loop around them.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Probe {
  readonly kind: 'http' | 'tcp' | 'grpc';
  /** HTTP path. @default '/' */
  readonly path: string;
  /** Container port probed; `undefined` = the ingress port. */
  readonly port: number | undefined;
  /** @default 0 */
  readonly initialDelaySeconds: number;
  /** @default 10 */
  readonly periodSeconds: number;
  /** @default 1 */
  readonly timeoutSeconds: number;
  /** @default 3 */
  readonly failureThreshold: number;
}

/** What Cloud Run runs when a revision declares no startup probe: TCP on the ingress port. */
export const CLOUD_RUN_DEFAULT_STARTUP_PROBE: Probe = {
  kind: 'tcp',
  path: '/',
  port: undefined,
  initialDelaySeconds: 0,
  periodSeconds: 240,
  timeoutSeconds: 240,
  failureThreshold: 1,
};

/** Kubernetes/Knative field defaults, which Cloud Run applies to a declared probe. */
export const PROBE_FIELD_DEFAULTS = {
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  failureThreshold: 3,
} as const;

/** Milliseconds after the container starts at which attempt `n` (1-based) is made. */
export function attemptOffsetMs(probe: Probe, n: number): number {
  return (probe.initialDelaySeconds + (n - 1) * probe.periodSeconds) * 1000;
}

/** The last moment an attempt can still succeed: the window the probe gives the container. */
export function probeWindowMs(probe: Probe): number {
  return attemptOffsetMs(probe, probe.failureThreshold) + probe.timeoutSeconds * 1000;
}

export type ProbeVerdict = 'pending' | 'succeeded' | 'failed';

/**
 * The verdict after the given attempt results (true = success), oldest first. The probe
 * succeeds at its first success, and fails once `failureThreshold` attempts in a row have failed.
 */
export function probeVerdict(probe: Probe, results: readonly boolean[]): ProbeVerdict {
  let failuresInARow = 0;
  for (const ok of results) {
    if (ok) return 'succeeded';
    failuresInARow += 1;
    if (failuresInARow >= probe.failureThreshold) return 'failed';
  }
  return 'pending';
}

/** HTTP probe success: any 2xx or 3xx (Cloud Run does not follow redirects). */
export function isProbeSuccessStatus(status: number): boolean {
  return status >= 200 && status < 400;
}

export interface ProbeAttempt {
  readonly n: number;
  readonly ok: boolean;
  /** Since the probe loop started. */
  readonly atMs: number;
  /** `HTTP 200`, `connected`, or the error. */
  readonly detail: string;
}

export interface ProbeResult {
  readonly verdict: 'succeeded' | 'failed';
  readonly attempts: readonly ProbeAttempt[];
  /** Since the probe loop started, when the verdict was reached. */
  readonly elapsedMs: number;
  /** Set when the loop stopped early because the container went away. */
  readonly abortedBecause?: string;
}

export interface RunProbeOptions {
  /** Host address the container's port is reachable at. @default '127.0.0.1' */
  readonly host?: string;
  /** Host port that reaches the probed container port. */
  readonly port: number;
  /** Called after each attempt (progress output). */
  readonly onAttempt?: (attempt: ProbeAttempt) => void;
  /** Returns a reason when the container is gone: the probe then fails at once. */
  readonly isGone?: () => Promise<string | undefined>;
}

function attemptHttp(host: string, port: number, path: string, timeoutMs: number) {
  return new Promise<{ ok: boolean; detail: string }>((resolve) => {
    const req = request(
      {
        host,
        port,
        path,
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: { 'user-agent': 'GoogleHC/1.0' },
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve({ ok: isProbeSuccessStatus(status), detail: `HTTP ${status}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ ok: false, detail: error.message }));
    req.end();
  });
}

function attemptTcp(host: string, port: number, timeoutMs: number) {
  return new Promise<{ ok: boolean; detail: string }>((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve({ ok: true, detail: 'connected' });
    });
    socket.once('timeout', () => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)));
    socket.once('error', (error) => resolve({ ok: false, detail: error.message }));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Runs `probe` against 127.0.0.1:`port` on the real clock, starting now (call it right after the
 * container starts). gRPC probes are not run locally: they are reported as a failure naming that.
 */
export async function runProbe(probe: Probe, options: RunProbeOptions): Promise<ProbeResult> {
  const host = options.host ?? '127.0.0.1';
  const started = Date.now();
  const attempts: ProbeAttempt[] = [];
  const results: boolean[] = [];
  for (let n = 1; ; n += 1) {
    await sleep(started + attemptOffsetMs(probe, n) - Date.now());
    const gone = await options.isGone?.();
    if (gone !== undefined)
      return { verdict: 'failed', attempts, elapsedMs: Date.now() - started, abortedBecause: gone };
    const timeoutMs = probe.timeoutSeconds * 1000;
    const atMs = Date.now() - started;
    const outcome =
      probe.kind === 'http'
        ? await attemptHttp(host, options.port, probe.path, timeoutMs)
        : probe.kind === 'tcp'
          ? await attemptTcp(host, options.port, timeoutMs)
          : { ok: false, detail: 'gRPC probes are not run locally' };
    const attempt = { n, ok: outcome.ok, atMs, detail: outcome.detail };
    attempts.push(attempt);
    results.push(outcome.ok);
    options.onAttempt?.(attempt);
    const verdict = probeVerdict(probe, results);
    if (verdict !== 'pending') return { verdict, attempts, elapsedMs: Date.now() - started };
  }
}

/** One line describing a probe the way `gcloud run services describe` would show it. */
export function describeProbe(probe: Probe): string {
  const target = probe.kind === 'http' ? `HTTP GET ${probe.path}` : probe.kind.toUpperCase();
  return `${target} every ${probe.periodSeconds}s (timeout ${probe.timeoutSeconds}s, after ${probe.initialDelaySeconds}s, fails after ${probe.failureThreshold}): window ${probeWindowMs(probe) / 1000}s`;
}
