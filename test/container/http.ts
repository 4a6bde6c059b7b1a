/**
 * A plain HTTP GET for container tests: one connection per request (no keep-alive pool), so
 * "accepted before the stop" means exactly "its connection was opened before the stop began".
 */
import { request } from 'node:http';

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export function get(url: string, timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 200_000) body += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface LoadRecord {
  readonly path: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** HTTP status, or 0 with `error` set. */
  readonly status: number;
  readonly error?: string;
}

/**
 * Light load: `workers` clients, each sending its next request when the previous one ends,
 * alternating `paths`, until `stop()` is called. Bounded: at most `maxRequests` in total.
 */
export function lightLoad(
  baseUrl: string,
  paths: readonly string[],
  workers = 3,
  maxRequests = 5_000,
): { records: LoadRecord[]; stop: () => Promise<void> } {
  const records: LoadRecord[] = [];
  let stopping = false;
  let sent = 0;
  const worker = async (w: number) => {
    for (let i = w; !stopping && sent < maxRequests; i += 1) {
      sent += 1;
      const path = paths[i % paths.length]!;
      const startedAt = Date.now();
      try {
        const res = await get(`${baseUrl}${path}`);
        records.push({ path, startedAt, endedAt: Date.now(), status: res.status });
      } catch (error) {
        records.push({
          path,
          startedAt,
          endedAt: Date.now(),
          status: 0,
          error: error instanceof Error ? error.message : String(error),
        });
        // A refused connection after the stop would otherwise spin: pause briefly.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const running = Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  return {
    records,
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}
