/**
 * Parsers for single environment values. Each returns a `Parsed<T>` instead of throwing, so the
 * loader can collect every problem in one pass. Messages never contain the raw value: the caller
 * decides whether a value may be quoted (plain settings) or not (secrets).
 */

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const fail = (reason: string): Parsed<never> => ({ ok: false, reason });

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** true/false/1/0/yes/no in any case, surrounding spaces ignored; anything else is an error. */
export function parseBoolean(raw: string): Parsed<boolean> {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return ok(true);
  if (FALSE_WORDS.has(word)) return ok(false);
  return fail('must be one of true, false, 1, 0, yes, no');
}

/** A base-10 integer within [min, max]. Rejects fractions, exponents, hex and empty strings. */
export function parseInteger(raw: string, min: number, max: number): Parsed<number> {
  const text = raw.trim();
  if (!/^[+-]?\d+$/.test(text)) return fail(`must be an integer from ${min} to ${max}`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return fail(`must be an integer from ${min} to ${max}`);
  }
  return ok(value);
}

/** A TCP port a server can listen on: 1..65535 (0, "pick any", is refused: probes need a fixed port). */
export const parsePort = (raw: string): Parsed<number> => parseInteger(raw, 1, 65535);

/** Comma-separated, each item trimmed, empty items dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

export function parseEnum<T extends string>(raw: string, allowed: readonly T[]): Parsed<T> {
  const value = raw.trim().toLowerCase();
  return (allowed as readonly string[]).includes(value)
    ? ok(value as T)
    : fail(`must be one of ${allowed.join(', ')}`);
}

/** An absolute http(s) URL without credentials. The trailing slash is removed for joining. */
export function parseHttpUrl(raw: string): Parsed<URL> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail('must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail('must be an absolute http or https URL');
  }
  if (url.username || url.password) return fail('must not contain credentials');
  return ok(url);
}

/** A browser origin as the Origin header carries it: scheme://host[:port], no path, query or hash. */
export function parseOrigin(raw: string): Parsed<string> {
  const parsed = parseHttpUrl(raw);
  if (!parsed.ok) return parsed;
  const url = parsed.value;
  const bare = raw.trim().replace(/\/$/, '');
  if (url.pathname !== '/' || url.search || url.hash || bare !== url.origin) {
    return fail(
      'must be an origin such as https://example.com (scheme, host and optional port only)',
    );
  }
  return ok(url.origin);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

/** host:port, as FIRESTORE_EMULATOR_HOST is written (no scheme). */
export function parseHostPort(raw: string): Parsed<{ host: string; port: number }> {
  const text = raw.trim();
  const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(text);
  if (!match) return fail('must be host:port, for example 127.0.0.1:8085');
  const port = parsePort(match[2]!);
  if (!port.ok) return fail('must be host:port with a port from 1 to 65535');
  return ok({ host: match[1]!, port: port.value });
}

/** Cloud Storage bucket names: 3-63 characters of a-z 0-9 - _ . starting and ending alphanumeric. */
export function parseBucketName(raw: string): Parsed<string> {
  const name = raw.trim();
  if (!/^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(name) || name.includes('..')) {
    return fail(
      'must be a bucket name: 3-63 of a-z 0-9 - _ . starting and ending with a letter or digit',
    );
  }
  return ok(name);
}

/** Google Cloud project ids: 6-30 characters, lowercase letter first, no trailing hyphen. */
export function parseProjectId(raw: string): Parsed<string> {
  const id = raw.trim();
  if (!/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id)) {
    return fail(
      'must be a project id: 6-30 of a-z 0-9 -, starting with a letter, not ending with -',
    );
  }
  return ok(id);
}
