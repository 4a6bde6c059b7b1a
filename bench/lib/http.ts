/** Health probes for the benchmarks: one GET with a timeout, and "poll until 200" with hrtime. */
import { request } from 'node:http';

/** Status code of GET http://127.0.0.1:<port><path>, or the error code ('ECONNREFUSED', 'timeout'...). */
export function probe(
  port: number,
  path = '/api/health',
  timeoutMs = 1000,
): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      },
    );
    req.once('timeout', () =>
      req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })),
    );
    req.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

export interface WaitOptions {
  readonly port: number;
  readonly path?: string;
  /** @default 30000 */
  readonly timeoutMs?: number;
  /**
   * Poll interval. Short, so the figure measures the process, not the poller.
   * @default 10
   */
  readonly intervalMs?: number;
  /** Stop early (e.g. the process under test exited). */
  readonly abort?: () => string | undefined;
  /** Accept a 200 only once this returns true (e.g. "a failure has been seen since the kill"). */
  readonly accept?: () => boolean;
  /** Called with every non-200 outcome. */
  readonly onFailure?: (outcome: number | string) => void;
}

/** Polls until GET returns 200; resolves with the hrtime of that response. Throws on timeout/abort. */
export async function waitFor200(options: WaitOptions): Promise<bigint> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: number | string = 'none';
  while (Date.now() < deadline) {
    const why = options.abort?.();
    if (why) throw new Error(why);
    last = await probe(options.port, options.path);
    const at = process.hrtime.bigint();
    if (last === 200 && (options.accept?.() ?? true)) return at;
    if (last !== 200) options.onFailure?.(last);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 10));
  }
  throw new Error(
    `no 200 from 127.0.0.1:${options.port}${options.path ?? '/api/health'} within ${options.timeoutMs ?? 30_000} ms (last: ${last})`,
  );
}
