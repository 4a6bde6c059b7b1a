/**
 * Firestore's query semantics for the subset in ./types.ts, as a pure function over an
 * in-memory collection. The embedded store answers queries with it; the contract suite checks
 * that Firestore (through its emulator) and this function agree.
 *
 * Firestore rules reproduced here: a filter or `orderBy` on a field a document lacks excludes the
 * document; comparisons only match values of the same type; strings order by UTF-8 bytes (code
 * points), not UTF-16 units; ties are broken by document id in the direction of the ordering.
 */
import type { DocumentData, FieldValue, Filter, Query, StoredDocument } from './types.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** Field names are plain identifiers everywhere (Firestore would read dots as paths). */
export function assertFieldName(name: string): void {
  if (!IDENTIFIER.test(name)) throw new TypeError(`invalid field name ${JSON.stringify(name)}`);
}

/** Collection names and document ids: what is safe as a file name and a Firestore path segment. */
export function assertId(kind: 'collection' | 'document id', id: string): void {
  if (!ID.test(id) || id.startsWith('__'))
    throw new TypeError(`invalid ${kind} ${JSON.stringify(id)}`);
}

/** Code point order, which is UTF-8 byte order (JS `<` compares UTF-16 code units). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

/** Firestore's type order for the scalar types we store: null < boolean < number < string. */
function typeRank(v: FieldValue): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  return Array.isArray(v) ? 4 : 5;
}

function compareValues(a: FieldValue, b: FieldValue): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  // Arrays and maps are never ordered by in our queries; equal rank is enough here.
  return JSON.stringify(a) === JSON.stringify(b)
    ? 0
    : JSON.stringify(a) < JSON.stringify(b)
      ? -1
      : 1;
}

function has(data: DocumentData, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(data, field);
}

export function matches(data: DocumentData, filter: Filter): boolean {
  if (!has(data, filter.field)) return false;
  const value = data[filter.field]!;
  switch (filter.op) {
    case '==':
      return typeRank(value) === typeRank(filter.value) && compareValues(value, filter.value) === 0;
    case 'array-contains':
      return Array.isArray(value) && (value as FieldValue[]).some((v) => v === filter.value);
    case '<':
    case '>': {
      if (typeRank(value) !== typeRank(filter.value)) return false;
      const c = compareValues(value, filter.value);
      return filter.op === '<' ? c < 0 : c > 0;
    }
  }
}

/** The documents `query` selects from `documents`, in Firestore's order. */
export function runQuery(documents: Iterable<StoredDocument>, query: Query): StoredDocument[] {
  const { field, direction } = query.orderBy;
  const sign = direction === 'asc' ? 1 : -1;
  const selected: StoredDocument[] = [];
  for (const doc of documents) {
    if (!has(doc.data, field)) continue;
    if ((query.where ?? []).every((f) => matches(doc.data, f))) selected.push(doc);
  }
  selected.sort(
    (a, b) => sign * (compareValues(a.data[field]!, b.data[field]!) || compareStrings(a.id, b.id)),
  );
  return selected.slice(0, Math.max(0, query.limit));
}
