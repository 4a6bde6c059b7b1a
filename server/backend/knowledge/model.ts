/**
 * The knowledge document as stored (Firestore `knowledge_documents/<id>`) and as returned by the
 * API, plus the pure pieces around it: file names, content types, the list cursor.
 */
import type { DocumentData } from '../../storage/types.ts';

export const COLLECTION = 'knowledge_documents';
export const CONTENT_PREFIX = 'knowledge/';

export interface KnowledgeDocument {
  readonly id: string;
  readonly title: string;
  readonly disease: string | null;
  readonly tags: readonly string[];
  readonly fileName: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly storagePath: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What Firestore holds: the document plus its ordering key (never shown to clients). */
export interface StoredKnowledge extends KnowledgeDocument {
  /** `<createdAt>~<id>`: unique, and ordered like createdAt (ISO strings sort by time). */
  readonly sortKey: string;
}

export const MARKDOWN = 'text/markdown; charset=utf-8';
export const PLAIN_TEXT = 'text/plain; charset=utf-8';

export function sortKeyOf(createdAt: string, id: string): string {
  return `${createdAt}~${id}`;
}

export function toStored(doc: KnowledgeDocument): StoredKnowledge {
  return { ...doc, sortKey: sortKeyOf(doc.createdAt, doc.id) };
}

/** The API view of a stored record (drops internal fields, tolerates older records). */
export function fromStored(id: string, data: DocumentData): KnowledgeDocument {
  const str = (v: unknown, fallback = '') => (typeof v === 'string' ? v : fallback);
  return {
    id,
    title: str(data['title']),
    disease: typeof data['disease'] === 'string' ? data['disease'] : null,
    tags: Array.isArray(data['tags'])
      ? data['tags'].filter((t): t is string => typeof t === 'string')
      : [],
    fileName: str(data['fileName']),
    contentType: str(data['contentType'], MARKDOWN),
    size: typeof data['size'] === 'number' ? data['size'] : 0,
    sha256: str(data['sha256']),
    storagePath: str(data['storagePath']),
    createdAt: str(data['createdAt']),
    updatedAt: str(data['updatedAt'], str(data['createdAt'])),
  };
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  '.md': MARKDOWN,
  '.markdown': MARKDOWN,
  '.txt': PLAIN_TEXT,
};
export const ACCEPTED_EXTENSIONS = Object.keys(EXTENSIONS);

/** The content type for an uploaded file name, or undefined when its extension is not accepted. */
export function contentTypeOf(fileName: string): string | undefined {
  const lower = fileName.toLowerCase();
  const ext = ACCEPTED_EXTENSIONS.find((e) => lower.endsWith(e));
  return ext === undefined ? undefined : EXTENSIONS[ext];
}

const MAX_FILE_NAME = 100;

/**
 * A safe object-name segment from an uploaded file name: its base name (browsers may send a
 * path), letters, digits, `.`, `-`, `_` and spaces kept, anything else `_`, no leading or
 * trailing dot and no `..` anywhere, at most 100 characters. An accepted extension is kept as sent (so the type never changes);
 * otherwise `fallbackExtension` is appended.
 */
export function safeFileName(original: string, fallbackExtension: string): string {
  const base = original.split(/[\\/]/).pop() ?? '';
  const lower = base.toLowerCase();
  const accepted = ACCEPTED_EXTENSIONS.find((e) => lower.endsWith(e));
  const ext =
    accepted === undefined ? fallbackExtension : base.slice(base.length - accepted.length);
  const stem =
    (accepted === undefined ? base : base.slice(0, base.length - accepted.length))
      .normalize('NFC')
      .replace(/[^\p{L}\p{N}._ -]/gu, '_')
      .replace(/\.{2,}/g, '.')
      .replace(/^[.\s]+|[.\s]+$/g, '') || 'document';
  const room = MAX_FILE_NAME - ext.length;
  const chars = [...stem];
  const kept =
    chars.length > room
      ? chars
          .slice(0, room)
          .join('')
          .replace(/[.\s]+$/, '') || 'document'
      : stem;
  return `${kept}${ext}`;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)~([A-Za-z0-9]{20})$/;

/**
 * The `before` parameter as a sortKey bound: a cursor handed out by a previous page as is, an
 * ISO 8601 instant as its canonical form (which sorts before every key of that millisecond, so
 * "strictly before" holds). `undefined` when it is neither.
 */
export function parseBefore(value: string): string | undefined {
  if (CURSOR.test(value)) return value;
  if (!ISO_INSTANT.test(value)) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) return undefined;
  const date = new Date(time);
  const year = date.getUTCFullYear();
  return year >= 0 && year <= 9999 ? date.toISOString() : undefined;
}
