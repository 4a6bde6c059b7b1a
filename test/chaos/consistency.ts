/**
 * The store invariant the chaos tests check after every fault, read straight from the stores
 * (not through the API): every document's content exists and hashes to the recorded sha256 and
 * size; content no document names is reported as an orphan (allowed only where a test says so).
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Stores } from '../../server/storage/index.ts';

export const COLLECTION = 'knowledge_documents';
export const PREFIX = 'knowledge/';

export interface StoreCheck {
  /** Number of documents (metadata records). */
  readonly documents: number;
  readonly ids: ReadonlySet<string>;
  /** Metadata without content, or content that does not match: always a bug. */
  readonly problems: string[];
  /** Object paths no document names. */
  readonly orphans: string[];
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function checkStores(stores: Stores): Promise<StoreCheck> {
  const docs = await stores.documents.query(COLLECTION, {
    orderBy: { field: 'sortKey', direction: 'desc' },
    limit: 10_000,
  });
  const paths = new Set((await stores.blobs.list(PREFIX)).map((b) => b.path));
  const problems: string[] = [];
  for (const doc of docs) {
    const path = doc.data['storagePath'];
    if (typeof path !== 'string' || !paths.has(path)) {
      problems.push(`metadata ${doc.id} points at missing content ${JSON.stringify(path)}`);
      continue;
    }
    paths.delete(path);
    const stream = await stores.blobs.read(path);
    if (!stream) {
      problems.push(`content of ${doc.id} vanished while reading`);
      continue;
    }
    const bytes = await readAll(stream);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== doc.data['sha256'] || bytes.length !== doc.data['size'])
      problems.push(`content of ${doc.id} does not match its recorded hash and size`);
  }
  return {
    documents: docs.length,
    ids: new Set(docs.map((d) => d.id)),
    problems,
    orphans: [...paths],
  };
}
