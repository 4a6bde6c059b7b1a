/**
 * The one contract every storage adapter passes: registered by `embedded.test.ts` (file stores)
 * and `gcp.emulators.test.ts` (Firestore + Cloud Storage through their emulators). Each test
 * opens fresh stores from the factory, so adapters are isolated per test (unique directory,
 * project id or bucket).
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  StoreUnavailableError,
  runQuery,
  type BlobStore,
  type DocumentData,
  type DocumentStore,
  type Filter,
  type Query,
  type StoredDocument,
} from '../../../server/storage/index.ts';

export interface ContractFactory {
  /** Fresh, isolated stores; closed by the suite. */
  documents(): Promise<DocumentStore>;
  blobs(): Promise<BlobStore>;
  /** fast-check runs for the (expensive) model-agreement properties. @default 30 */
  readonly propertyRuns?: number;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

const ids = (docs: readonly StoredDocument[]) => docs.map((d) => d.id);

// Small alphabets so generated documents collide on values and queries select something.
const word = fc.constantFrom('a', 'b', 'B', 'é', 'z', '😀', 'ab', '\uffff', '');
const docArb = fc.record(
  {
    s: word,
    n: fc.integer({ min: -3, max: 3 }),
    v: fc.oneof(word, fc.integer({ min: -2, max: 2 }), fc.constant(null), fc.boolean()),
    tags: fc.uniqueArray(word, { maxLength: 3 }),
  },
  { requiredKeys: ['n'] },
);
const filterArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.record({ field: fc.constantFrom('s', 'v'), op: fc.constant('==' as const), value: word }),
  fc.record({
    field: fc.constant('v'),
    op: fc.constant('==' as const),
    value: fc.oneof(fc.integer({ min: -2, max: 2 }), fc.constant(null), fc.boolean()),
  }),
  fc.record({
    field: fc.constant('tags'),
    op: fc.constant('array-contains' as const),
    value: word,
  }),
);
const queryArb = fc
  .record({
    orderField: fc.constantFrom('s', 'n', 'v'),
    direction: fc.constantFrom('asc' as const, 'desc' as const),
    range: fc.option(
      fc.record({
        op: fc.constantFrom('<' as const, '>' as const),
        s: word,
        n: fc.integer({ min: -3, max: 3 }),
      }),
      { nil: undefined },
    ),
    filter: fc.option(filterArb, { nil: undefined }),
    limit: fc.integer({ min: 1, max: 12 }),
  })
  .map(({ orderField, direction, range, filter, limit }): Query => {
    const where: Filter[] = [];
    // Firestore: an inequality must be on the first ordered field; equality never on it.
    if (range)
      where.push({
        field: orderField,
        op: range.op,
        value: orderField === 'n' ? range.n : range.s,
      });
    if (filter && filter.field !== orderField) where.push(filter);
    return { where, orderBy: { field: orderField, direction }, limit };
  });

export function documentStoreContract(name: string, factory: ContractFactory): void {
  const withStore = async (t: { teardown: (fn: () => Promise<void>) => void }) => {
    const store = await factory.documents();
    t.teardown(() => store.close());
    return { store, collection: uniqueName('c') };
  };

  test(`${name} documents: get of a missing document is undefined`, async (t) => {
    const { store, collection } = await withStore(t);
    t.is(await store.get(collection, 'missing'), undefined);
  });

  test(`${name} documents: create stores exactly the data, once`, async (t) => {
    const { store, collection } = await withStore(t);
    const data: DocumentData = {
      title: 'Ünïcødé 😀 \u0000 "quotes" \\',
      size: 123456,
      ratio: 0.5,
      flag: false,
      nothing: null,
      tags: ['x', 'y'],
      nested: { a: 'b', list: [1, 2] },
    };
    t.true(await store.create(collection, 'doc1', data));
    t.deepEqual((await store.get(collection, 'doc1'))?.data, data);
    t.false(await store.create(collection, 'doc1', { title: 'other' }));
    t.deepEqual((await store.get(collection, 'doc1'))?.data, data);
  });

  test(`${name} documents: concurrent creates of one id: exactly one wins`, async (t) => {
    const { store, collection } = await withStore(t);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.create(collection, 'same', { writer: i })),
    );
    t.is(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    t.deepEqual((await store.get(collection, 'same'))?.data, { writer: winner });
  });

  test(`${name} documents: update merges top-level fields and never creates`, async (t) => {
    const { store, collection } = await withStore(t);
    t.is(await store.update(collection, 'ghost', { a: 1 }), undefined);
    t.is(await store.get(collection, 'ghost'), undefined);
    await store.create(collection, 'd', { a: 1, b: ['x'], c: 'keep' });
    const updated = await store.update(collection, 'd', { a: 2, b: [], d: null });
    t.deepEqual(updated, { id: 'd', data: { a: 2, b: [], c: 'keep', d: null } });
    t.deepEqual(await store.get(collection, 'd'), updated);
  });

  test(`${name} documents: delete is idempotent`, async (t) => {
    const { store, collection } = await withStore(t);
    await store.create(collection, 'd', { a: 1 });
    await store.delete(collection, 'd');
    await store.delete(collection, 'd');
    await store.delete(collection, 'never');
    t.is(await store.get(collection, 'd'), undefined);
    t.true(await store.create(collection, 'd', { a: 2 }), 'a deleted id can be created again');
  });

  test(`${name} documents: newest-first pages by a where on the ordered field`, async (t) => {
    const { store, collection } = await withStore(t);
    const keys = [
      '2026-01-01T00:00:00.000Z~a',
      '2026-01-01T00:00:00.000Z~b',
      '2026-01-02T00:00:00.000Z~c',
      '2026-01-03T00:00:00.000Z~d',
      '2026-01-04T00:00:00.000Z~e',
    ];
    await Promise.all(
      keys.map((k, i) =>
        store.create(collection, `id${i}`, { sortKey: k, tags: i % 2 ? ['odd'] : ['even'] }),
      ),
    );
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await store.query(collection, {
        where: before ? [{ field: 'sortKey', op: '<', value: before }] : [],
        orderBy: { field: 'sortKey', direction: 'desc' },
        limit: 2,
      });
      seen.push(...page.map((d) => d.data['sortKey'] as string));
      if (page.length < 2) break;
      before = page[page.length - 1]!.data['sortKey'] as string;
    }
    t.deepEqual(seen, [...keys].reverse());
    const odd = await store.query(collection, {
      where: [{ field: 'tags', op: 'array-contains', value: 'odd' }],
      orderBy: { field: 'sortKey', direction: 'desc' },
      limit: 10,
    });
    t.deepEqual(ids(odd), ['id3', 'id1']);
  });

  test(`${name} documents: documents without the ordered field are left out`, async (t) => {
    const { store, collection } = await withStore(t);
    await store.create(collection, 'with', { k: 'x' });
    await store.create(collection, 'without', { other: 'x' });
    const all = await store.query(collection, {
      orderBy: { field: 'k', direction: 'asc' },
      limit: 10,
    });
    t.deepEqual(ids(all), ['with']);
  });

  testProp(
    `${name} documents: queries agree with the Firestore model`,
    [fc.array(docArb, { maxLength: 12 }), fc.array(queryArb, { minLength: 1, maxLength: 4 })],
    async (t, docs, queries) => {
      const store = await factory.documents();
      try {
        const collection = uniqueName('q');
        const stored = docs.map((data, i) => ({
          id: `d${String(i).padStart(2, '0')}`,
          data: data,
        }));
        await Promise.all(stored.map((d) => store.create(collection, d.id, d.data)));
        for (const query of queries) {
          const actual = await store.query(collection, query);
          t.deepEqual(ids(actual), ids(runQuery(stored, query)), JSON.stringify(query));
        }
      } finally {
        await store.close();
      }
    },
    { numRuns: factory.propertyRuns ?? 30 },
  );

  test(`${name} documents: ping answers, and a closed store is unavailable`, async (t) => {
    const store = await factory.documents();
    await t.notThrowsAsync(store.ping());
    await store.close();
    await store.close();
    await t.throwsAsync(store.get('c', 'x'), { instanceOf: StoreUnavailableError });
  });

  test(`${name} documents: ids and field names that are not plain are refused`, async (t) => {
    const { store, collection } = await withStore(t);
    await t.throwsAsync(store.get(collection, '../etc'), { instanceOf: TypeError });
    await t.throwsAsync(store.create(collection, 'ok', { 'a.b': 1 }), { instanceOf: TypeError });
  });
}

export function blobStoreContract(name: string, factory: ContractFactory): void {
  const withStore = async (t: { teardown: (fn: () => Promise<void>) => void }) => {
    const store = await factory.blobs();
    t.teardown(() => store.close());
    return { store, prefix: `${uniqueName('p')}/` };
  };

  test(`${name} blobs: read of a missing object is undefined`, async (t) => {
    const { store, prefix } = await withStore(t);
    t.is(await store.read(`${prefix}missing.md`), undefined);
  });

  test(`${name} blobs: putIfAbsent writes once, byte for byte`, async (t) => {
    const { store, prefix } = await withStore(t);
    const bytes = new Uint8Array([0, 255, 0xef, 0xbb, 0xbf, ...Buffer.from('héllo 😀\r\n')]);
    const path = `${prefix}k/a b.md`;
    t.true(
      await store.putIfAbsent(path, bytes, {
        contentType: 'text/markdown; charset=utf-8',
        metadata: { sha256: 'x' },
      }),
    );
    t.false(await store.putIfAbsent(path, new Uint8Array([1, 2, 3])));
    t.deepEqual(new Uint8Array(await readAll((await store.read(path))!)), bytes);
  });

  testProp(
    `${name} blobs: any bytes round-trip`,
    [fc.uint8Array({ minLength: 1, maxLength: 4096 })],
    async (t, bytes) => {
      const store = await factory.blobs();
      try {
        const path = `${uniqueName('r')}/x.bin`;
        t.true(await store.putIfAbsent(path, bytes));
        t.deepEqual(new Uint8Array(await readAll((await store.read(path))!)), bytes);
        await store.delete(path);
      } finally {
        await store.close();
      }
    },
    { numRuns: Math.min(20, factory.propertyRuns ?? 20) },
  );

  test(`${name} blobs: concurrent putIfAbsent on one path: exactly one wins`, async (t) => {
    const { store, prefix } = await withStore(t);
    const path = `${prefix}race.txt`;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.putIfAbsent(path, Buffer.from(`writer ${i}`))),
    );
    t.is(results.filter(Boolean).length, 1);
    t.is((await readAll((await store.read(path))!)).toString(), `writer ${results.indexOf(true)}`);
  });

  test(`${name} blobs: delete is idempotent and list sees only the prefix`, async (t) => {
    const { store, prefix } = await withStore(t);
    await store.putIfAbsent(`${prefix}a/1.md`, Buffer.from('one'));
    await store.putIfAbsent(`${prefix}a/2.md`, Buffer.from('three'));
    await store.putIfAbsent(`${prefix}b/1.md`, Buffer.from('x'));
    const listed = await store.list(`${prefix}a/`);
    t.deepEqual(listed.map((b) => [b.path, b.size]).sort(), [
      [`${prefix}a/1.md`, 3],
      [`${prefix}a/2.md`, 5],
    ]);
    for (const b of listed) t.true(b.updated instanceof Date && !Number.isNaN(b.updated.getTime()));
    await store.delete(`${prefix}a/1.md`);
    await store.delete(`${prefix}a/1.md`);
    await store.delete(`${prefix}never.md`);
    t.deepEqual(
      (await store.list(`${prefix}a/`)).map((b) => b.path),
      [`${prefix}a/2.md`],
    );
    t.is(await store.read(`${prefix}a/1.md`), undefined);
    t.true(
      await store.putIfAbsent(`${prefix}a/1.md`, Buffer.from('again')),
      'a deleted path can be written again',
    );
  });

  test(`${name} blobs: ping answers, and a closed store is unavailable`, async (t) => {
    const store = await factory.blobs();
    await t.notThrowsAsync(store.ping());
    await store.close();
    await t.throwsAsync(store.read('x/y'), { instanceOf: StoreUnavailableError });
  });

  test(`${name} blobs: paths that could escape are refused`, async (t) => {
    const { store } = await withStore(t);
    for (const bad of ['../x', 'a//b', 'a/./b', '', 'a\\b', 'a/b\u0000']) {
      await t.throwsAsync(
        store.putIfAbsent(bad, Buffer.from('x')),
        { instanceOf: TypeError },
        JSON.stringify(bad),
      );
    }
  });
}
