/**
 * The proxy hop: the same request direct to the backend and through the frontend, at saturation
 * back to back in the same run, and at a fixed moderate rate, both paths at the same time (so a
 * busy moment of the machine hits both sides of the comparison alike). Resident memory of the whole tree is
 * sampled while the proxy is saturated (every process busy).
 */
import { measure, type LoadResult } from '../lib/load.ts';
import type { Ports } from '../lib/service.ts';
import type { Running } from './supervised.ts';

export interface ProxyOptions {
  readonly path: string;
  /** Seconds per load phase. @default 3 */
  readonly durationS: number;
  /** Connections at saturation. @default 10 */
  readonly connections: number;
  /** The moderate fixed rate, requests per second on each path. @default 100 */
  readonly rate: number;
  /** Seconds of the fixed-rate phase (longer: p99 needs samples). @default 5 */
  readonly fixedDurationS: number;
}

export const DEFAULT_PROXY: ProxyOptions = {
  fixedDurationS: 5,
  path: '/api/health',
  durationS: 3,
  connections: 10,
  rate: 100,
};

export interface ProxyResult {
  readonly direct: LoadResult;
  readonly through: LoadResult;
  readonly directFixed: LoadResult;
  readonly throughFixed: LoadResult;
  readonly throughputRatio: number;
  readonly p99AddedMs: number;
  readonly rssLoadMb: number;
  /**
   * CPU milliseconds per 1000 successful requests at saturation, per process (and the load
   * generator): load-independent, so it profiles the hop even on a busy machine.
   */
  readonly cpuPerThousand: {
    readonly direct: Record<string, number>;
    readonly through: Record<string, number>;
  };
}

/** Runs `body` and returns the CPU ms each process of the tree (and this one) used meanwhile. */
async function cpuDuring<T>(
  running: Running,
  body: () => Promise<T>,
): Promise<[T, Record<string, number>]> {
  const before = running.tree.cpuMsByProcess();
  const self = process.cpuUsage();
  const result = await body();
  const after = running.tree.cpuMsByProcess();
  const used = process.cpuUsage(self);
  const delta: Record<string, number> = {
    'load generator (autocannon)': (used.user + used.system) / 1000,
  };
  for (const [name, ms] of Object.entries(after)) delta[name] = ms - (before[name] ?? 0);
  return [result, delta];
}

function perThousand(cpu: Record<string, number>, requests: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cpu).map(([k, v]) => [k, requests ? (v * 1000) / requests : NaN]),
  );
}

export async function proxyHop(
  running: Running,
  ports: Ports,
  options: ProxyOptions = DEFAULT_PROXY,
): Promise<ProxyResult> {
  const direct = `http://127.0.0.1:${ports.backendPort}${options.path}`;
  const through = `http://127.0.0.1:${ports.port}${options.path}`;
  // Warm both paths (JIT, connection pools) before measuring.
  await measure({ url: direct, durationS: 1, connections: options.connections });
  await measure({ url: through, durationS: 1, connections: options.connections });

  const sat = { durationS: options.durationS, connections: options.connections };
  const [directSat, directCpu] = await cpuDuring(running, () => measure({ url: direct, ...sat }));
  let rssLoadMb = 0;
  const sampler = setInterval(() => (rssLoadMb = Math.max(rssLoadMb, running.tree.rssMb())), 100);
  let throughSat: LoadResult;
  let throughCpu: Record<string, number>;
  try {
    [throughSat, throughCpu] = await cpuDuring(running, () => measure({ url: through, ...sat }));
  } finally {
    clearInterval(sampler);
  }
  const fixed = { durationS: options.fixedDurationS, connections: 4, rate: options.rate };
  const [directFixed, throughFixed] = await Promise.all([
    measure({ url: direct, ...fixed }),
    measure({ url: through, ...fixed }),
  ]);
  for (const [name, r] of Object.entries({ directSat, throughSat, directFixed, throughFixed })) {
    if (r.ok === 0)
      throw new Error(`${name}: no successful response (${r.non2xx} non-2xx, ${r.errors} errors)`);
  }
  return {
    direct: directSat,
    through: throughSat,
    directFixed,
    throughFixed,
    throughputRatio: throughSat.rps / directSat.rps,
    p99AddedMs: throughFixed.p99Ms - directFixed.p99Ms,
    rssLoadMb,
    cpuPerThousand: {
      direct: perThousand(directCpu, directSat.ok),
      through: perThousand(throughCpu, throughSat.ok),
    },
  };
}
