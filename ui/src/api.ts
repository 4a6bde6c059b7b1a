/**
 * Typed client of the backend API (docs/api.md), same origin through the frontend's `/api`
 * proxy. Every failure becomes an `ApiError` with the server's code and message, so views only
 * ever show human text, and a 503 with `Retry-After` is retried once by reads.
 */

export interface KnowledgeDocument {
  readonly id: string;
  readonly title: string;
  readonly disease: string | null;
  readonly tags: readonly string[];
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface KnowledgePage {
  readonly items: readonly KnowledgeDocument[];
  readonly nextBefore: string | null;
}

export interface Stats {
  readonly totalDocuments: number;
  readonly totalBytes: number;
  readonly withoutDisease: number;
  readonly byDisease: readonly { readonly disease: string; readonly count: number }[];
  readonly byTag: readonly { readonly tag: string; readonly count: number }[];
}

export interface HealthCheck {
  readonly status: 'ok' | 'error';
  readonly adapter?: string;
  readonly latencyMs?: number;
  readonly error?: string;
}

export interface Health {
  readonly status: 'healthy' | 'unhealthy';
  readonly version?: string;
  readonly uptimeSeconds?: number;
  readonly draining?: boolean;
  readonly checks?: Readonly<Record<string, HealthCheck>>;
}

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Per-field problems of a `validation_failed` answer (`/title` → `title`). */
  get fields(): FieldProblem[] {
    const fields = this.details['fields'];
    if (!Array.isArray(fields)) return [];
    return fields.flatMap((f: unknown) => {
      if (typeof f !== 'object' || f === null) return [];
      const { field, message } = f as { field?: unknown; message?: unknown };
      return typeof field === 'string' && typeof message === 'string'
        ? [{ field: field.replace(/^\//, '').split('/')[0] ?? field, message }]
        : [];
    });
  }
}

/** What a user reads when the network itself failed (no HTTP answer at all). */
const OFFLINE = 'Cannot reach the server. Check your connection and try again.';

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`;
  const message =
    typeof error?.message === 'string' && error.message !== ''
      ? error.message
      : `The server answered ${res.status} ${res.statusText}.`;
  const details =
    typeof error?.details === 'object' && error.details !== null
      ? (error.details as Record<string, unknown>)
      : {};
  return new ApiError(res.status, code, message, details);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** fetch + error mapping. Reads (GET) are retried once after a 503's `Retry-After` (≤ 5 s). */
export async function request(path: string, init: RequestInit = {}): Promise<Response> {
  const method = init.method ?? 'GET';
  for (let attempt = 1; ; attempt += 1) {
    let res: Response;
    try {
      res = await fetch(path, {
        ...init,
        headers: { Accept: 'application/json', ...init.headers },
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(0, 'network', OFFLINE);
    }
    if (res.ok || res.status === 304) return res;
    if (res.status === 503 && method === 'GET' && attempt === 1) {
      const wait = Math.min(5, Number(res.headers.get('retry-after') ?? '1') || 1);
      await sleep(wait * 1000, init.signal ?? undefined);
      if (init.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      continue;
    }
    throw await toApiError(res);
  }
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

export interface ListQuery {
  readonly q?: string;
  readonly disease?: string;
  readonly tag?: string;
  readonly before?: string;
  readonly limit?: number;
}

export function listQueryString(query: ListQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

const enc = encodeURIComponent;

export const api = {
  list: (query: ListQuery, signal?: AbortSignal) =>
    json<KnowledgePage>(`/api/knowledge${listQueryString(query)}`, { signal: signal ?? null }),
  get: (id: string, signal?: AbortSignal) =>
    json<KnowledgeDocument>(`/api/knowledge/${enc(id)}`, { signal: signal ?? null }),
  async content(id: string, signal?: AbortSignal): Promise<string> {
    const res = await request(`/api/knowledge/${enc(id)}/content`, {
      signal: signal ?? null,
      headers: { Accept: 'text/markdown, text/plain;q=0.9' },
    });
    return res.text();
  },
  stats: (signal?: AbortSignal) => json<Stats>('/api/dashboard/stats', { signal: signal ?? null }),
  /** The health document; a 503 is an answer here, not an error. */
  async health(signal?: AbortSignal): Promise<Health> {
    const res = await fetch('/api/health', {
      signal: signal ?? null,
      headers: { Accept: 'application/json' },
      cache: 'no-store',
    });
    const body = (await res.json().catch(() => ({}))) as Partial<Health>;
    // No health document at all (e.g. the frontend's own 503 while the backend restarts):
    // the service is unreachable, which the badge shows differently from "unhealthy".
    if (body.status === undefined)
      throw new ApiError(res.status, 'unreachable', 'The API is not answering.');
    return { ...body, status: res.ok && body.status === 'healthy' ? 'healthy' : 'unhealthy' };
  },
  createFromText: (input: {
    title: string;
    disease: string | null;
    tags: string[];
    content: string;
    format: 'markdown' | 'text';
  }) =>
    json<KnowledgeDocument>('/api/knowledge', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(input),
    }),
  createFromFile: (input: {
    title: string;
    disease: string | null;
    tags: string[];
    file: File;
  }) => {
    const form = new FormData();
    form.set('title', input.title);
    if (input.disease !== null) form.set('disease', input.disease);
    for (const tag of input.tags) form.append('tags', tag);
    form.set('file', input.file, input.file.name);
    return json<KnowledgeDocument>('/api/knowledge', { method: 'POST', body: form });
  },
  async remove(id: string): Promise<void> {
    await request(`/api/knowledge/${enc(id)}`, { method: 'DELETE' });
  },
};

/** "first, second , ,third" → ["first", "second", "third"], duplicates dropped. */
export function parseTags(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    ),
  ];
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
