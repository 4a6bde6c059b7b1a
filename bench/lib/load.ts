/**
 * Load for the benchmarks. `measure` drives autocannon (saturation or a fixed rate) and keeps
 * every response time at full resolution (autocannon's own histogram rounds to whole
 * milliseconds, too coarse for a 3 ms budget). `TrackedLoad` is a small keep-alive client that
 * records when each request was fully sent and how it ended: the graceful-stop figure needs to
 * know which requests were sent before the signal, which autocannon does not report.
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import { percentile } from './stats.ts';

export interface LoadOptions {
  readonly url: string;
  /** @default 10 */
  readonly connections?: number;
  /** Seconds. @default 3 */
  readonly durationS?: number;
  /** Requests per second across all connections; omitted = as fast as possible (saturation). */
  readonly rate?: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
}

export async function measure(options: LoadOptions): Promise<LoadResult> {
  const times: number[] = [];
  const instance = autocannon({
    url: options.url,
    connections: options.connections ?? 10,
    duration: options.durationS ?? 3,
    timeout: 5,
    ...(options.rate ? { overallRate: options.rate } : {}),
  });
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) times.push(ms);
  });
  const result = await instance;
  const ok = result['2xx'];
  return {
    rps: ok / result.duration,
    p50Ms: times.length ? percentile(times, 50) : NaN,
    p99Ms: times.length ? percentile(times, 99) : NaN,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

export interface TrackedRequest {
  /**
   * hrtime when the request was on the wire: a GET fully written, an upload's headers and first
   * body chunk written (undefined: it never got that far, e.g. connection refused).
   */
  sentAt?: bigint;
  endAt?: bigint;
  status?: number;
  error?: string;
}

/**
 * `connections` loops, each sending GET requests back to back on a keep-alive pool, until
 * `stop()`. Every request is recorded.
 */
export class TrackedLoad {
  readonly requests: TrackedRequest[] = [];
  readonly #agent: Agent;
  #running = true;
  readonly #loops: Promise<void>[];

  constructor(
    readonly port: number,
    readonly paths: readonly string[],
    connections = 16,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
    this.#loops = Array.from({ length: connections }, (_, i) => this.#loop(i));
  }

  async #loop(index: number): Promise<void> {
    let n = index;
    while (this.#running) {
      const path = this.paths[n++ % this.paths.length]!;
      const record = await this.#one(path);
      this.requests.push(record);
      // After a refused connection, do not spin.
      if (record.sentAt === undefined) await new Promise((r) => setTimeout(r, 5));
    }
  }

  #one(path: string): Promise<TrackedRequest> {
    return new Promise((resolve) => {
      const record: TrackedRequest = {};
      const done = (status?: number, error?: string): void => {
        record.endAt = process.hrtime.bigint();
        if (status !== undefined) record.status = status;
        if (error !== undefined) record.error = error;
        resolve(record);
      };
      const req = request(
        { host: '127.0.0.1', port: this.port, path, agent: this.#agent, timeout: 15_000 },
        (res) => {
          res.resume();
          res.once('end', () => done(res.statusCode));
          res.once('error', (e: NodeJS.ErrnoException) => done(undefined, e.code ?? e.message));
        },
      );
      req.once('finish', () => (record.sentAt = process.hrtime.bigint()));
      req.once('timeout', () =>
        req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
      );
      req.once('error', (e: NodeJS.ErrnoException) => done(undefined, e.code ?? e.message));
      req.end();
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#agent.destroy();
    await Promise.all(this.#loops);
  }
}

/**
 * A slow client: POSTs a ~256 KiB JSON knowledge document to `/api/knowledge`, trickling the body
 * over `durationMs` (a phone on a poor network). Started shortly before SIGTERM, it is still in
 * flight when the signal arrives: a graceful stop must let it finish.
 */
export function slowUpload(
  port: number,
  label: string,
  durationMs = 3000,
): Promise<TrackedRequest> {
  const body = Buffer.from(
    JSON.stringify({
      title: `Slow upload ${label}`,
      tags: ['bench'],
      content: `# ${label}\n\n${'Insulin dosing depends on weight, diet and activity. '.repeat(5000)}`,
    }),
  );
  const chunks = 30;
  const size = Math.ceil(body.length / chunks);
  return new Promise((resolve) => {
    const record: TrackedRequest = {};
    let timer: NodeJS.Timeout | undefined;
    const done = (status?: number, error?: string): void => {
      clearTimeout(timer);
      record.endAt = process.hrtime.bigint();
      if (status !== undefined) record.status = status;
      if (error !== undefined) record.error = error;
      resolve(record);
    };
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/knowledge',
        method: 'POST',
        agent: false,
        timeout: 30_000,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.once('end', () => done(res.statusCode));
        res.once('error', (e: NodeJS.ErrnoException) => done(undefined, e.code ?? e.message));
      },
    );
    req.once('timeout', () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
    );
    req.once('error', (e: NodeJS.ErrnoException) =>
      done(undefined, `upload ${e.code ?? e.message}`),
    );
    let i = 0;
    const next = (): void => {
      if (req.destroyed) return;
      const chunk = body.subarray(i * size, (i + 1) * size);
      i++;
      if (i >= chunks) {
        req.end(chunk);
        return;
      }
      req.write(chunk, () => (record.sentAt ??= process.hrtime.bigint()));
      timer = setTimeout(next, durationMs / chunks);
    };
    req.once('socket', (socket) => {
      if (socket.connecting) socket.once('connect', next);
      else next();
    });
  });
}

/** Requests fully sent before `signalAt` that did not end in a 2xx-4xx response, by outcome. */
export function failedBefore(
  requests: readonly TrackedRequest[],
  signalAt: bigint,
): { count: number; sentBefore: number; outcomes: Record<string, number> } {
  const outcomes: Record<string, number> = {};
  let count = 0;
  let sentBefore = 0;
  for (const r of requests) {
    if (r.sentAt === undefined || r.sentAt >= signalAt) continue;
    sentBefore++;
    const failed = r.error !== undefined || r.status === undefined || r.status >= 500;
    if (!failed) continue;
    count++;
    const key = r.error ?? String(r.status);
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  return { count, sentBefore, outcomes };
}
