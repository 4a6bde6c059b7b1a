/**
 * Steady load for chaos tests: a few workers loop over a mix of real API calls (create, list,
 * read, content, health) through the frontend, one fresh connection per request (so a request's
 * fate never depends on a pooled socket), each with a hard client-side deadline. Every outcome is
 * recorded; `judge` says which ones break the rule "2xx, or a 503 JSON error with Retry-After".
 */
import { request } from 'node:http';

export type Kind = 'create' | 'list' | 'get' | 'content' | 'health' | 'stats';

export interface Outcome {
  readonly kind: Kind;
  readonly path: string;
  readonly startedAt: number;
  readonly ms: number;
  /** HTTP status, or 0 when no complete response arrived (`error` says why). */
  readonly status: number;
  readonly contentType: string;
  readonly retryAfter: string | undefined;
  readonly body: string;
  readonly error?: string;
}

export interface LoadOptions {
  readonly baseUrl: string;
  /** Concurrent workers. @default 3 */
  readonly workers?: number;
  /** A request still unanswered after this long is recorded as hung and abandoned. @default 30000 */
  readonly deadlineMs?: number;
  /** Pause between a worker's requests. @default 20 */
  readonly pauseMs?: number;
  /** Which kinds to send. @default every kind */
  readonly kinds?: readonly Kind[];
  /** Prefix of created titles, so several runs can tell their documents apart. @default 'load' */
  readonly label?: string;
}

export interface Load {
  /** Stops the workers, waits for the requests in flight, returns every outcome. */
  stop(): Promise<Outcome[]>;
  /** Outcomes so far. */
  readonly outcomes: readonly Outcome[];
  /** Ids of documents whose create answered 201. */
  readonly created: readonly string[];
}

export function send(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer },
  deadlineMs: number,
): Promise<{
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  body: string;
  error?: string;
}> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: {
      status: number;
      contentType: string;
      retryAfter: string | undefined;
      body: string;
      error?: string;
    }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(value);
    };
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        agent: false,
        headers: { connection: 'close', ...init.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 100_000) body += c;
        });
        res.on('end', () =>
          finish({
            status: res.complete ? (res.statusCode ?? 0) : 0,
            contentType: String(res.headers['content-type'] ?? ''),
            retryAfter: res.headers['retry-after'],
            body,
            ...(res.complete ? {} : { error: 'truncated response' }),
          }),
        );
        res.on('error', (e) =>
          finish({ status: 0, contentType: '', retryAfter: undefined, body, error: e.message }),
        );
      },
    );
    const timer = setTimeout(() => {
      finish({
        status: 0,
        contentType: '',
        retryAfter: undefined,
        body: '',
        error: `hung: no answer in ${deadlineMs} ms`,
      });
      req.destroy();
    }, deadlineMs);
    req.on('error', (e) =>
      finish({ status: 0, contentType: '', retryAfter: undefined, body: '', error: e.message }),
    );
    req.end(init.body);
  });
}

const ALL: readonly Kind[] = ['create', 'list', 'get', 'content', 'health', 'stats'];

export function startLoad(options: LoadOptions): Load {
  const deadlineMs = options.deadlineMs ?? 30_000;
  const pauseMs = options.pauseMs ?? 20;
  const kinds = options.kinds ?? ALL;
  const label = options.label ?? 'load';
  const outcomes: Outcome[] = [];
  const created: string[] = [];
  let running = true;
  let counter = 0;

  async function one(worker: number, i: number): Promise<void> {
    const kind = kinds[(worker + i) % kinds.length]!;
    const known = created[Math.floor(Math.random() * created.length)];
    let path = '/api/health';
    let init: Parameters<typeof send>[1] = {};
    if (kind === 'create') {
      const n = counter++;
      path = '/api/knowledge';
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: `${label} ${n}`,
          tags: ['chaos'],
          content: `# ${label} document ${n}\n\nworker ${worker}, ${Date.now()}, ${Math.random()}\n`,
        }),
      };
    } else if (kind === 'list') path = '/api/knowledge?limit=5';
    else if (kind === 'stats') path = '/api/dashboard/stats';
    else if (kind === 'get') path = known ? `/api/knowledge/${known}` : '/api/knowledge?limit=1';
    else if (kind === 'content')
      path = known ? `/api/knowledge/${known}/content` : '/api/knowledge?limit=1';
    const startedAt = Date.now();
    const res = await send(`${options.baseUrl}${path}`, init, deadlineMs);
    outcomes.push({ kind, path, startedAt, ms: Date.now() - startedAt, ...res });
    if (kind === 'create' && res.status === 201) {
      try {
        created.push((JSON.parse(res.body) as { id: string }).id);
      } catch {
        // judged below: a 201 must carry the document
      }
    }
  }

  const workers = Array.from({ length: options.workers ?? 3 }, async (_, worker) => {
    for (let i = 0; running; i++) {
      await one(worker, i);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  });

  return {
    outcomes,
    created,
    async stop() {
      running = false;
      await Promise.all(workers);
      return outcomes;
    },
  };
}

/**
 * What is wrong with one outcome, or undefined when it is acceptable: a 2xx, or a 503 whose body
 * is JSON and which says when to retry (`Retry-After`). The health endpoint's own 503 (a JSON
 * health report, e.g. while a dependency is down) counts as well-formed without Retry-After.
 * Deleted documents may answer 404 when `allow404` (documents removed by other load).
 */
export function judge(o: Outcome, allowed: readonly number[] = []): string | undefined {
  const where = `${o.kind} ${o.path} after ${o.ms} ms`;
  if (o.status === 0) return `${where}: no response (${o.error})`;
  if (o.status >= 200 && o.status < 300) return undefined;
  if (allowed.includes(o.status)) return undefined;
  if (o.status !== 503) return `${where}: status ${o.status} ${o.body.slice(0, 200)}`;
  if (!/^application\/json/.test(o.contentType))
    return `${where}: 503 is not JSON (${o.contentType})`;
  let body: unknown;
  try {
    body = JSON.parse(o.body);
  } catch {
    return `${where}: 503 body does not parse: ${o.body.slice(0, 200)}`;
  }
  if (o.kind === 'health' && (body as { status?: unknown }).status === 'unhealthy')
    return undefined;
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string')
    return `${where}: 503 without the error shape: ${o.body.slice(0, 200)}`;
  if (o.retryAfter === undefined || !/^\d+$/.test(o.retryAfter))
    return `${where}: 503 without Retry-After`;
  return undefined;
}

/** Count of outcomes by "kind status". */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = `${o.kind} ${o.status}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
