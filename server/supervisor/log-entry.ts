/**
 * Child output lines as Cloud Logging entries (https://cloud.google.com/logging/docs/structured-logging):
 * a JSON object line passes through byte for byte (a prefix would turn it into textPayload);
 * anything else is wrapped into the same shape our own logger writes (severity, message,
 * component, labels, timestamp), with the severity taken from the text when it says one and
 * otherwise from the stream (stderr = ERROR). Every entry stays under `maxEntryBytes`, because
 * Cloud Logging drops entries over 256 KiB whole.
 */
import { isSeverity, type Severity } from '../logging/severity.ts';

/** 256 KiB minus room for the metadata Cloud Run adds to each entry (resource, labels, ids). */
export const MAX_ENTRY_BYTES = 250 * 1024;

export type StreamName = 'stdout' | 'stderr';

export interface EntryContext {
  /** The process name: `component` field and label, as in our own logger's lines. */
  readonly component: string;
  readonly stream: StreamName;
  /** Error Reporting groups errors by it. @default { service: 'elevendops' } */
  readonly serviceContext?: { readonly service: string; readonly version?: string };
  /** @default MAX_ENTRY_BYTES */
  readonly maxEntryBytes?: number;
}

const LEVEL_WORDS: Readonly<Record<string, Severity>> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  notice: 'NOTICE',
  warn: 'WARNING',
  warning: 'WARNING',
  error: 'ERROR',
  err: 'ERROR',
  crit: 'CRITICAL',
  critical: 'CRITICAL',
  fatal: 'CRITICAL',
  alert: 'ALERT',
  emerg: 'EMERGENCY',
  emergency: 'EMERGENCY',
};

const WORDS = Object.keys(LEVEL_WORDS).join('|');
/**
 * "WARN: x", "[error] x", "2026-01-01T00:00:00Z INFO x", and the same after one bracketed tag,
 * as gcloud's emulators write ("[firestore] INFO: ...").
 */
const LEADING_LEVEL = new RegExp(
  `^\\s*(?:\\[[^\\]]{1,40}\\]\\s*)?(?:\\S*\\d{2}:\\d{2}(?::\\d{2})?\\S*\\s+)?[[(<]?\\s*(${WORDS})\\s*[\\])>]?(?=[\\s:|-]|$)`,
  'i',
);
/** logfmt: level=warn */
const LOGFMT_LEVEL = new RegExp(`(?:^|\\s)(?:level|lvl|severity)=["']?(${WORDS})\\b`, 'i');
/** Node's own process warnings: "(node:12) [DEP0040] DeprecationWarning: ..." */
const NODE_WARNING = /^\(node:\d+\) (?:\[[\w-]+\] )?\w*Warning\b/;

/** The severity a text line states, if any. */
export function statedSeverity(text: string): Severity | undefined {
  if (NODE_WARNING.test(text)) return 'WARNING';
  const match = LEADING_LEVEL.exec(text) ?? LOGFMT_LEVEL.exec(text);
  return match ? LEVEL_WORDS[match[1]!.toLowerCase()] : undefined;
}

/** Severity of wrapped text: what the first line says, else ERROR on stderr and INFO on stdout. */
export function severityOfText(text: string, stream: StreamName): Severity {
  return statedSeverity(text) ?? (stream === 'stderr' ? 'ERROR' : 'INFO');
}

/** True when the line is one JSON object (what Cloud Logging turns into a jsonPayload). */
export function isJsonObjectLine(text: string): boolean {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return false;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function timestamp(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** Cuts `text` to at most `bytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let cut = Buffer.from(text).subarray(0, Math.max(0, bytes)).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

/**
 * One wrapped entry (without the newline) for plain text. `droppedBytes` are bytes already cut
 * before the text got here; the entry records the total cut in `truncatedBytes`.
 */
export function wrapText(
  message: string,
  context: EntryContext,
  nowMs: number,
  droppedBytes = 0,
  severity: Severity = severityOfText(message, context.stream),
): string {
  const max = context.maxEntryBytes ?? MAX_ENTRY_BYTES;
  const build = (text: string, cut: number) =>
    JSON.stringify({
      severity,
      message: cut > 0 ? `${text} …[truncated ${cut} bytes]` : text,
      component: context.component,
      stream: context.stream,
      serviceContext: context.serviceContext ?? { service: 'elevendops' },
      'logging.googleapis.com/labels': { component: context.component },
      timestamp: timestamp(nowMs),
      ...(cut > 0 ? { truncatedBytes: cut } : {}),
    });
  let text = message;
  let entry = build(text, droppedBytes);
  const total = Buffer.byteLength(message) + droppedBytes;
  // JSON escaping can grow text up to 6x (control characters), so shrink until it fits.
  while (Buffer.byteLength(entry) > max && text.length > 0) {
    const over = Buffer.byteLength(entry) - max;
    text = truncateUtf8(text, Math.max(0, Buffer.byteLength(text) - over - 64));
    entry = build(text, total - Buffer.byteLength(text));
  }
  return entry;
}

const STATED_SEVERITY = /"(?:severity|level)"\s*:\s*"([A-Za-z]+)"/;

/**
 * A JSON object line from a child: unchanged when it fits. An oversized one (possibly already cut
 * by the line splitter, so no longer parseable) is wrapped and truncated, keeping the severity it
 * stated, since Cloud Logging would drop it whole.
 */
export function formatJsonLine(
  text: string,
  context: EntryContext,
  nowMs: number,
  droppedBytes = 0,
): string {
  const max = context.maxEntryBytes ?? MAX_ENTRY_BYTES;
  if (droppedBytes === 0 && Buffer.byteLength(text) <= max) return text;
  const stated = STATED_SEVERITY.exec(text.slice(0, 4096))?.[1];
  const severity =
    stated === undefined
      ? undefined
      : isSeverity(stated.toUpperCase())
        ? (stated.toUpperCase() as Severity)
        : LEVEL_WORDS[stated.toLowerCase()];
  return wrapText(
    text,
    context,
    nowMs,
    droppedBytes,
    severity ?? (context.stream === 'stderr' ? 'ERROR' : 'INFO'),
  );
}

/** Lines the forwarder treats as JSON: whole objects, or the cut-off start of an oversized one. */
export function looksLikeJsonObject(text: string, droppedBytes: number): boolean {
  return droppedBytes > 0 ? text.trimStart().startsWith('{"') : isJsonObjectLine(text);
}
