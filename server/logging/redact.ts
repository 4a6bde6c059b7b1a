/**
 * Two layers keep secrets out of logs. Paths: pino blanks known sensitive fields (credentials in
 * headers, secret variables by name) before a line is written. Values: as a last guard, the
 * output stream replaces any known secret value wherever it appears, so a key that leaked into an
 * error message or a URL is still never written.
 */
import type { DestinationStream } from 'pino';
import { SERVICE_SECRETS } from '../config/secrets.ts';

export const REDACTED = '[REDACTED]';

const HEADER_PATHS = [
  'authorization',
  'cookie',
  'set-cookie',
  'proxy-authorization',
  'x-api-key',
  'xi-api-key',
].flatMap((h) => [
  `req.headers["${h}"]`,
  `res.headers["${h}"]`,
  `headers["${h}"]`,
  `request.headers["${h}"]`,
]);

/** pino `redact.paths`: header credentials and every declared secret variable by name. */
export const REDACT_PATHS: readonly string[] = [
  ...HEADER_PATHS,
  ...SERVICE_SECRETS.flatMap((s) => [s.env, `*.${s.env}`, `env.${s.env}`]),
  'password',
  '*.password',
  'apiKey',
  '*.apiKey',
];

/** Shorter values are not scrubbed: replacing "1" or "abc" everywhere would garble every line. */
export const MIN_SCRUB_LENGTH = 6;

/** Replaces every needle in every string (keys included) of a parsed JSON value. */
function scrubValue(value: unknown, needles: readonly string[]): unknown {
  if (typeof value === 'string') {
    let out = value;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, needles));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        scrubValue(k, needles) as string,
        scrubValue(v, needles),
      ]),
    );
  }
  return value;
}

/**
 * Wraps a destination so that each written line has every listed secret value replaced.
 * Hot path: a plain `includes` per secret on the serialized line; only a line that contains one
 * (rare) is parsed and rewritten, which keeps the result valid JSON whatever the secret holds.
 */
export function scrubbingStream(
  destination: DestinationStream,
  secretValues: readonly string[],
): DestinationStream {
  const needles = [...new Set(secretValues.filter((v) => v.length >= MIN_SCRUB_LENGTH))];
  if (needles.length === 0) return destination;
  // A secret appears in a JSON line in its escaped form; test for both to be safe.
  const forms = [...new Set(needles.flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))];
  return {
    write(chunk: string) {
      if (!forms.some((form) => chunk.includes(form))) return destination.write(chunk);
      try {
        return destination.write(`${JSON.stringify(scrubValue(JSON.parse(chunk), needles))}\n`);
      } catch {
        let line = chunk;
        for (const form of forms) line = line.split(form).join(REDACTED);
        return destination.write(line);
      }
    },
  };
}
