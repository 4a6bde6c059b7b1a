import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDocumentStore, FsBlobStore } from '../../../server/storage/index.ts';
import { backendRouteSuite } from './routes-suite.ts';

const dirs: string[] = [];
test.after.always(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

backendRouteSuite('embedded', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'elevendops-backend-'));
  dirs.push(dataDir);
  const [documents, blobs] = await Promise.all([
    FileDocumentStore.open({ dataDir }),
    FsBlobStore.open({ dataDir }),
  ]);
  return { documents, blobs };
});
