/**
 * Pure header rules of the `/api` proxy: what goes to the backend and what comes back. Kept free
 * of I/O so the rules can be property-tested (see test/server/frontend/headers.test.ts).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/**
 * RFC 9110 §7.6.1 hop-by-hop fields: they describe one connection, so a proxy must not forward
 * them (plus `proxy-connection`, which old clients still send).
 */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Hop-by-hop names plus every field the `Connection` header lists (lowercased). */
export function connectionScopedNames(headers: IncomingHttpHeaders): ReadonlySet<string> {
  const connection = headers['connection'] as string | string[] | undefined;
  // Most messages name nothing beyond the fixed list: no copy then (this runs twice per proxied
  // request). `close` only matters if a field of that name is present.
  if (
    connection === undefined ||
    connection === 'keep-alive' ||
    (connection === 'close' && headers['close'] === undefined)
  )
    return HOP_BY_HOP;
  const names = new Set(HOP_BY_HOP);
  const values: readonly string[] = typeof connection === 'string' ? [connection] : connection;
  for (const value of values) {
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '') names.add(name);
    }
  }
  return names;
}

export interface ForwardContext {
  /** Address of the peer that connected to us (`req.socket.remoteAddress`). */
  readonly remoteAddress: string | undefined;
  /** The request id the request logger settled on; replaces the caller's `X-Request-Id`. */
  readonly requestId: string;
  /** `host:port` of the backend, sent as `Host`. */
  readonly upstreamHost: string;
  /** Whether our own listener is TLS (never on Cloud Run: TLS ends at Google's front end). @default false */
  readonly encrypted?: boolean;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined ? undefined : v.split(',')[0]!.trim() || undefined;
}

/** `https` or `http`: what the caller's front end (Cloud Run's GFE) says, else our own listener. */
export function forwardedProto(headers: IncomingHttpHeaders, encrypted = false): 'http' | 'https' {
  const claimed = firstValue(headers['x-forwarded-proto'])?.toLowerCase();
  if (claimed === 'https' || claimed === 'http') return claimed;
  return encrypted ? 'https' : 'http';
}

/**
 * The request headers sent to the backend: end-to-end fields as received (trace context
 * included: `traceparent`, `tracestate`, `X-Cloud-Trace-Context` pass through untouched), the
 * request id we log under, `Host` of the backend, and `X-Forwarded-For/Proto/Host` describing the
 * original request (our peer appended to any `X-Forwarded-For` chain it sent).
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  context: ForwardContext,
): OutgoingHttpHeaders {
  const drop = connectionScopedNames(incoming);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || drop.has(name)) continue;
    if (name === 'host' || name === 'x-request-id' || name.startsWith('x-forwarded-')) continue;
    out[name] = value;
  }
  // Node folds duplicate X-Forwarded-For headers into one comma-joined value already.
  const previous = incoming['x-forwarded-for'];
  const chain = (Array.isArray(previous) ? previous.join(', ') : (previous ?? '')).trim();
  const peer = context.remoteAddress?.replace(/^::ffff:/, '');
  const forwardedFor = [chain, peer].filter((part) => part !== undefined && part !== '').join(', ');
  if (forwardedFor !== '') out['x-forwarded-for'] = forwardedFor;
  out['x-forwarded-proto'] = forwardedProto(incoming, context.encrypted);
  const originalHost = firstValue(incoming['x-forwarded-host']) ?? incoming.host;
  if (originalHost !== undefined && originalHost !== '') out['x-forwarded-host'] = originalHost;
  out['x-request-id'] = context.requestId;
  out['host'] = context.upstreamHost;
  // A body we stream is re-framed by Node (chunked unless the caller gave a length); an
  // `Expect: 100-continue` would make the backend wait for a continue we never relay.
  delete out['expect'];
  return out;
}

/**
 * Response headers relayed to the caller: everything end-to-end from the backend except the
 * fields the frontend owns for every response (`ours`, e.g. the security headers).
 */
export function downstreamResponseHeaders(
  upstream: IncomingHttpHeaders,
  ours: ReadonlySet<string> = new Set(),
): OutgoingHttpHeaders {
  const drop = connectionScopedNames(upstream);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined || drop.has(name) || ours.has(name)) continue;
    out[name] = value;
  }
  return out;
}
