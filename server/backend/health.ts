/**
 * `GET /api/health`: a pure report builder (the seed's property 4 is tested against it for any
 * dependency state) and a monitor that runs the dependency checks at most once per `cacheMs`,
 * sharing one in-flight check between concurrent probes, so probes never hammer Firestore.
 */
import { performance } from 'node:perf_hooks';
import { isStoreUnavailable } from '../storage/errors.ts';
import type { HealthProbe } from '../storage/types.ts';

export interface DependencyCheck {
  readonly status: 'ok' | 'error';
  /** Which implementation answered (`firestore`, `gcs`, `embedded`). */
  readonly adapter: string;
  /** Round-trip time of the check, milliseconds. */
  readonly latencyMs: number;
  /** ISO 8601 time the check ran (it may be up to `cacheMs` old). */
  readonly checkedAt: string;
  /** Short reason when `status` is `error`; never internals. */
  readonly error?: 'unavailable' | 'timeout';
}

export type Checks = Readonly<Record<string, DependencyCheck>>;

export interface HealthBody {
  readonly status: 'healthy' | 'unhealthy';
  readonly timestamp: string;
  readonly version: string;
  readonly uptimeSeconds: number;
  readonly checks: Checks;
  readonly draining?: true;
}

export interface HealthInput {
  readonly checks: Checks;
  readonly version: string;
  readonly now: Date;
  readonly startedAt: Date;
  readonly draining: boolean;
}

/** The report and its status code: 200 only when every check is ok and we are not draining. */
export function healthReport(input: HealthInput): { httpStatus: 200 | 503; body: HealthBody } {
  const healthy = !input.draining && Object.values(input.checks).every((c) => c.status === 'ok');
  const uptime = Math.max(0, (input.now.getTime() - input.startedAt.getTime()) / 1000);
  return {
    httpStatus: healthy ? 200 : 503,
    body: {
      status: healthy ? 'healthy' : 'unhealthy',
      timestamp: input.now.toISOString(),
      version: input.version,
      uptimeSeconds: Math.round(uptime * 1000) / 1000,
      checks: input.checks,
      ...(input.draining ? { draining: true as const } : {}),
    },
  };
}

export interface HealthMonitorOptions {
  /** The dependencies by the name the report uses (`firestore`, `storage`). */
  readonly probes: Readonly<Record<string, HealthProbe>>;
  /** How long a result is reused. @default 2000 */
  readonly cacheMs?: number;
  /** A check slower than this counts as failed (`timeout`). @default 2000 */
  readonly timeoutMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

const TIMEOUT = Symbol('timeout');

export class HealthMonitor {
  private readonly probes: Readonly<Record<string, HealthProbe>>;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private readonly clock: () => number;
  private cached: { at: number; checks: Checks } | undefined;
  private inflight: Promise<Checks> | undefined;

  constructor(options: HealthMonitorOptions) {
    this.probes = options.probes;
    this.cacheMs = options.cacheMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.clock = options.clock ?? Date.now;
  }

  /** Current checks: cached when fresh, else one shared run of every probe. */
  checks(): Promise<Checks> {
    if (this.cached && this.clock() - this.cached.at < this.cacheMs)
      return Promise.resolve(this.cached.checks);
    this.inflight ??= this.run().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async run(): Promise<Checks> {
    const entries = await Promise.all(
      Object.entries(this.probes).map(
        async ([name, probe]) => [name, await this.check(probe)] as const,
      ),
    );
    const checks: Checks = Object.fromEntries(entries);
    this.cached = { at: this.clock(), checks };
    return checks;
  }

  private async check(probe: HealthProbe): Promise<DependencyCheck> {
    const checkedAt = new Date(this.clock()).toISOString();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMEOUT), this.timeoutMs);
    });
    const ping = probe.ping();
    ping.catch(() => {}); // settled later than the timeout: observed, not unhandled
    let error: DependencyCheck['error'];
    try {
      if ((await Promise.race([ping, timeout])) === TIMEOUT) error = 'timeout';
    } catch (e) {
      error = isStoreUnavailable(e) && e.reason === 'timeout' ? 'timeout' : 'unavailable';
    } finally {
      clearTimeout(timer);
    }
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    return {
      status: error === undefined ? 'ok' : 'error',
      adapter: probe.adapter,
      latencyMs,
      checkedAt,
      ...(error === undefined ? {} : { error }),
    };
  }
}
