/**
 * The readiness check: one HTTP GET, ready on any 2xx (as Cloud Run's HTTP probes count 2xx/3xx,
 * minus redirects, which a health endpoint has no business sending). A fresh connection each time
 * (`agent: false`): a pooled socket to a process that just died would make the next probe lie.
 */
import { request } from 'node:http';

export interface ProbeResult {
  readonly ok: boolean;
  /** Why not ready: `HTTP 503`, `ECONNREFUSED`, `timeout after 1000 ms`. Empty when ok. */
  readonly reason: string;
}

export type Probe = (url: string, timeoutMs: number) => Promise<ProbeResult>;

export const httpProbe: Probe = (url, timeoutMs) =>
  new Promise((resolve) => {
    let settled = false;
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      settle(
        status >= 200 && status < 300
          ? { ok: true, reason: '' }
          : { ok: false, reason: `HTTP ${status}` },
      );
    });
    req.on('timeout', () => {
      settle({ ok: false, reason: `timeout after ${timeoutMs} ms` });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      settle({ ok: false, reason: error.code ?? error.message }),
    );
    req.end();
  });
