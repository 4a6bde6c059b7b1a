/**
 * Content negotiation for precompressed assets: which of `br`, `gzip` or `identity` to send for
 * an `Accept-Encoding` header (RFC 9110 §12.5.3). Pure, never throws.
 */

export type Encoding = 'br' | 'gzip' | 'identity';

/** Preference among equal q-values: smallest first. */
const ORDER: readonly Encoding[] = ['br', 'gzip', 'identity'];

/** q-values by coding name (lowercased); `*` included when present. */
export function parseAcceptEncoding(header: string | undefined): Map<string, number> {
  const weights = new Map<string, number>();
  if (header === undefined) return weights;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    const name = rawName!.trim().toLowerCase();
    if (!/^[a-z0-9*!#$%&'+.^_`|~-]+$/.test(name)) continue;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9](?:\.[0-9]{0,3})?)\s*$/i.exec(param);
      if (match) q = Math.min(1, Number(match[1]));
    }
    weights.set(name, Math.max(q, weights.get(name) ?? -1));
  }
  return weights;
}

/**
 * The best encoding among `available` (identity is always available unless the client refused it
 * explicitly, in which case we still send identity: a 406 for a static file helps nobody).
 */
export function chooseEncoding(
  header: string | undefined,
  available: ReadonlySet<Encoding>,
): Encoding {
  const weights = parseAcceptEncoding(header);
  const star = weights.get('*');
  let best: Encoding = 'identity';
  let bestQ = 0;
  for (const encoding of ORDER) {
    if (encoding !== 'identity' && !available.has(encoding)) continue;
    const q = weights.get(encoding) ?? (encoding === 'identity' ? (star ?? 1) : (star ?? 0));
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  return best;
}
