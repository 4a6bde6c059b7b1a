import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDocumentStore, FsBlobStore } from '../../../server/storage/index.ts';
import { blobStoreContract, documentStoreContract, readAll } from './contract.ts';

const dirs: string[] = [];
async function freshDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'elevendops-store-'));
  dirs.push(dir);
  return dir;
}
test.after.always(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const factory = {
  documents: async () => FileDocumentStore.open({ dataDir: await freshDir() }),
  blobs: async () => FsBlobStore.open({ dataDir: await freshDir() }),
  propertyRuns: 100,
};
documentStoreContract('embedded', factory);
blobStoreContract('embedded', factory);

test('embedded: documents and objects survive a restart', async (t) => {
  const dataDir = await freshDir();
  const docs = await FileDocumentStore.open({ dataDir });
  const blobs = await FsBlobStore.open({ dataDir });
  await docs.create('knowledge_documents', 'abc', { title: 'kept', tags: ['x'] });
  await docs.create('knowledge_documents', 'gone', { title: 'deleted' });
  await docs.delete('knowledge_documents', 'gone');
  await docs.update('knowledge_documents', 'abc', { title: 'kept and edited' });
  await blobs.putIfAbsent('knowledge/abc/a.md', Buffer.from('# kept'));
  await docs.close();
  await blobs.close();

  const docs2 = await FileDocumentStore.open({ dataDir });
  const blobs2 = await FsBlobStore.open({ dataDir });
  t.deepEqual(await docs2.get('knowledge_documents', 'abc'), {
    id: 'abc',
    data: { title: 'kept and edited', tags: ['x'] },
  });
  t.is(await docs2.get('knowledge_documents', 'gone'), undefined);
  t.is((await readAll((await blobs2.read('knowledge/abc/a.md'))!)).toString(), '# kept');
});

test('embedded: a temporary file left by a crash is ignored and removed', async (t) => {
  const dataDir = await freshDir();
  const docs = await FileDocumentStore.open({ dataDir });
  await docs.create('c', 'a', { v: 1 });
  await docs.close();
  const dir = join(dataDir, 'documents', 'c');
  await writeFile(join(dir, '.a.json.123abc.tmp'), '{"v": 2, torn');
  const reopened = await FileDocumentStore.open({ dataDir });
  t.deepEqual((await reopened.get('c', 'a'))?.data, { v: 1 });
  t.deepEqual(await readdir(dir), ['a.json']);
});

test('embedded: deleting the last object removes its empty directories', async (t) => {
  const dataDir = await freshDir();
  const blobs = await FsBlobStore.open({ dataDir });
  await blobs.putIfAbsent('knowledge/id1/a.md', Buffer.from('x'));
  await blobs.delete('knowledge/id1/a.md');
  t.deepEqual(await readdir(join(dataDir, 'blobs')), []);
});
