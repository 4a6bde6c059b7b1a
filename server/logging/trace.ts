/**
 * Trace context from request headers, in the two formats Google front ends send:
 * W3C `traceparent` (preferred) and the legacy `X-Cloud-Trace-Context`. Parsing never throws:
 * a malformed header is simply absent.
 */

export interface TraceContext {
  /** 32 lowercase hex digits, never all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, never all zero; absent when the caller sent no span. */
  readonly spanId: string | undefined;
  readonly sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/(\d{1,20}))?(?:;o=(\d+))?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const MAX_U64 = (1n << 64n) - 1n;

/** W3C Trace Context. Version ff and all-zero ids are invalid; version 00 allows no extra fields. */
export function parseTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** `TRACE_ID/SPAN_ID;o=OPTIONS` where SPAN_ID is a decimal unsigned 64-bit number. */
export function parseCloudTraceContext(header: string | undefined): TraceContext | undefined {
  if (header === undefined || header.length > 512) return undefined;
  const match = CLOUD_TRACE.exec(header.trim());
  if (!match) return undefined;
  const traceId = match[1]!.toLowerCase();
  if (traceId === ZERO_TRACE) return undefined;
  let spanId: string | undefined;
  if (match[2] !== undefined) {
    const span = BigInt(match[2]);
    if (span > MAX_U64) return undefined;
    // Cloud Logging wants the span as 16 hex digits; the header carries it in decimal.
    spanId = span === 0n ? undefined : span.toString(16).padStart(16, '0');
  }
  return { traceId, spanId, sampled: match[3] === '1' };
}

export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId ?? ZERO_SPAN}-${trace.sampled ? '01' : '00'}`;
}

export function formatCloudTraceContext(trace: TraceContext): string {
  const span = trace.spanId === undefined ? '' : `/${BigInt(`0x${trace.spanId}`).toString(10)}`;
  return `${trace.traceId}${span};o=${trace.sampled ? 1 : 0}`;
}

/** The trace of a request: `traceparent` first, then `X-Cloud-Trace-Context`. */
export function traceFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): TraceContext | undefined {
  return (
    parseTraceparent(first(headers['traceparent'])) ??
    parseCloudTraceContext(first(headers['x-cloud-trace-context']))
  );
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The LogEntry fields Cloud Logging moves into `trace`, `spanId` and `traceSampled`. */
export function traceLogFields(
  trace: TraceContext,
  projectId: string | undefined,
): Record<string, string | boolean> {
  const fields: Record<string, string | boolean> = {
    'logging.googleapis.com/trace': projectId
      ? `projects/${projectId}/traces/${trace.traceId}`
      : trace.traceId,
    'logging.googleapis.com/trace_sampled': trace.sampled,
  };
  if (trace.spanId !== undefined) fields['logging.googleapis.com/spanId'] = trace.spanId;
  return fields;
}
