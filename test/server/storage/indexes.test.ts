/**
 * Production Firestore refuses a query that needs a composite index nobody created (the emulator
 * does not care). This records every query the backend issues for every filter combination of
 * the API and checks that `server/storage/firestore.indexes.json` declares an index for it.
 */
import test from 'ava';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FileDocumentStore,
  FsBlobStore,
  type DocumentStore,
  type Query,
} from '../../../server/storage/index.ts';
import { startTestBackend } from '../backend/harness.ts';

interface IndexField {
  fieldPath: string;
  order?: 'ASCENDING' | 'DESCENDING';
  arrayConfig?: 'CONTAINS';
}

/** The composite index a query needs, in Firestore's field order, or undefined if none is. */
function neededIndex(q: Query): IndexField[] | undefined {
  const where = q.where ?? [];
  const equality = where.filter((f) => f.op === '==' || f.op === 'array-contains');
  if (equality.length === 0) return undefined; // single-field indexes serve it
  return [
    ...equality
      .filter((f) => f.op === '==')
      .map((f) => ({ fieldPath: f.field, order: 'ASCENDING' as const })),
    ...equality
      .filter((f) => f.op === 'array-contains')
      .map((f) => ({ fieldPath: f.field, arrayConfig: 'CONTAINS' as const })),
    {
      fieldPath: q.orderBy.field,
      order: q.orderBy.direction === 'asc' ? ('ASCENDING' as const) : ('DESCENDING' as const),
    },
  ];
}

test('every query the API issues is covered by a declared Firestore index', async (t) => {
  const file = new URL('../../../server/storage/firestore.indexes.json', import.meta.url);
  const declared = (
    JSON.parse(await readFile(file, 'utf8')) as { indexes: { fields: IndexField[] }[] }
  ).indexes.map((i) => JSON.stringify(i.fields));

  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-indexes-'));
  t.teardown(() => rm(dataDir, { recursive: true, force: true }));
  const inner = await FileDocumentStore.open({ dataDir });
  const seen: Query[] = [];
  const documents: DocumentStore = Object.assign(Object.create(inner) as DocumentStore, {
    query: (c: string, q: Query) => {
      seen.push(q);
      return inner.query(c, q);
    },
  });
  const api = await startTestBackend({ documents, blobs: await FsBlobStore.open({ dataDir }) });
  t.teardown(() => api.stop());

  await api.create({ title: 'a', disease: 'd', tags: ['t'], content: 'x' });
  for (const query of [
    '',
    'disease=d',
    'tag=t',
    'disease=d&tag=t',
    'q=a',
    'q=a&disease=d&tag=t',
    'before=2030-01-01T00:00:00Z&disease=d',
  ]) {
    t.is((await api.json(`/api/knowledge?${query}`)).status, 200, query);
  }
  t.is((await api.json('/api/dashboard/stats')).status, 200);

  t.true(seen.length >= 9);
  for (const q of seen) {
    const needed = neededIndex(q);
    if (needed)
      t.true(declared.includes(JSON.stringify(needed)), `missing index ${JSON.stringify(needed)}`);
  }
});
