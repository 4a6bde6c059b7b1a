/**
 * The one error the storage layer throws on purpose: the store cannot be reached (down,
 * overloaded, timed out). The backend maps it to 503 + Retry-After. Anything else an adapter
 * throws is a bug and surfaces as a logged 500.
 */
export type Dependency = 'firestore' | 'storage';

export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(
    /** Which dependency failed, as the health report and error details name it. */
    readonly dependency: Dependency,
    /** `timeout` when our deadline passed, else `unavailable`. */
    readonly reason: 'unavailable' | 'timeout',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStoreUnavailable(error: unknown): error is StoreUnavailableError {
  return error instanceof StoreUnavailableError;
}

/** Node's network error codes that mean "could not talk to it", not "it said no". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** True when `error` (or its cause chain) is a transport failure. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /socket hang up|fetch failed|ECONNREFUSED/.test(message))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Rejects with StoreUnavailableError('timeout') when `promise` has not settled within `ms`.
 * The Google clients retry internally for up to a minute; a request must not wait that long.
 */
export async function withDeadline<T>(
  promise: Promise<T>,
  ms: number,
  dependency: Dependency,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new StoreUnavailableError(dependency, 'timeout', `${what}: no answer in ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
    // The loser of the race may still reject later: observe it so it is never unhandled.
    promise.catch(() => {});
  }
}
