/**
 * The proxy hop: the same request direct to the backend and through the frontend, at saturation
 * and at a fixed moderate rate, back to back in the same run. Resident memory of the whole tree is
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
  /** The moderate fixed rate, requests per second. @default 100 */
  readonly rate: number;
}

export const DEFAULT_PROXY: ProxyOptions = {
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
  const directSat = await measure({ url: direct, ...sat });
  let rssLoadMb = 0;
  const sampler = setInterval(() => (rssLoadMb = Math.max(rssLoadMb, running.tree.rssMb())), 100);
  let throughSat: LoadResult;
  try {
    throughSat = await measure({ url: through, ...sat });
  } finally {
    clearInterval(sampler);
  }
  const fixed = { durationS: options.durationS, connections: 4, rate: options.rate };
  const directFixed = await measure({ url: direct, ...fixed });
  const throughFixed = await measure({ url: through, ...fixed });
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
  };
}
