/**
 * The embedded content store of `npm start`: each object is a file under `<dataDir>/blobs/`,
 * at the object's path. Objects are created atomically and only if absent (temporary file +
 * hard link), like a Cloud Storage upload with `ifGenerationMatch: 0`.
 */
import { access, constants, mkdir, open, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { TEMP_SUFFIX, createFileAtomic } from './atomic-file.ts';
import { StoreUnavailableError } from './errors.ts';
import type { BlobInfo, BlobStore, PutOptions } from './types.ts';

export interface FsBlobStoreOptions {
  /** Root directory; objects live in `<dir>/blobs`. */
  readonly dataDir: string;
}

/**
 * Object paths both stores accept: `/`-separated segments of printable characters, no empty,
 * `.` or `..` segment, no backslash, at most 1024 bytes (Cloud Storage's own limit).
 */
export function assertObjectPath(path: string): void {
  const ok =
    path.length > 0 &&
    Buffer.byteLength(path) <= 1024 &&
    ![...path].some((c) => c === '\\' || c.charCodeAt(0) < 0x20 || c === '\u007f') &&
    path.split('/').every((s) => s !== '' && s !== '.' && s !== '..' && !s.endsWith(TEMP_SUFFIX));
  if (!ok) throw new TypeError(`invalid object path ${JSON.stringify(path)}`);
}

function unavailable(error: unknown, what: string): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string')
    throw new StoreUnavailableError('storage', 'unavailable', `${what}: ${code}`, { cause: error });
  throw error;
}

export class FsBlobStore implements BlobStore {
  readonly adapter = 'embedded';
  private readonly root: string;
  private closed = false;

  private constructor(options: FsBlobStoreOptions) {
    this.root = join(options.dataDir, 'blobs');
  }

  static async open(options: FsBlobStoreOptions): Promise<FsBlobStore> {
    const store = new FsBlobStore(options);
    await mkdir(store.root, { recursive: true });
    return store;
  }

  private file(path: string): string {
    assertObjectPath(path);
    return join(this.root, ...path.split('/'));
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError('storage', 'unavailable', 'store closed');
  }

  async ping(): Promise<void> {
    this.checkOpen();
    try {
      await access(this.root, constants.R_OK | constants.W_OK);
    } catch (error) {
      unavailable(error, 'data directory');
    }
  }

  async putIfAbsent(path: string, content: Uint8Array, _options?: PutOptions): Promise<boolean> {
    const file = this.file(path);
    this.checkOpen();
    try {
      return await createFileAtomic(file, content);
    } catch (error) {
      return unavailable(error, 'write object');
    }
  }

  async read(path: string): Promise<Readable | undefined> {
    const file = this.file(path);
    this.checkOpen();
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return unavailable(error, 'read object');
    }
    return handle.createReadStream({ autoClose: true });
  }

  async delete(path: string): Promise<void> {
    const file = this.file(path);
    this.checkOpen();
    try {
      await unlink(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      unavailable(error, 'delete object');
    }
    // Drop now-empty parent directories so `list` stays cheap; a concurrent writer that loses
    // the race just recreates its directory.
    for (let dir = dirname(file); dir.startsWith(this.root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
    }
  }

  async list(prefix: string): Promise<BlobInfo[]> {
    this.checkOpen();
    const out: BlobInfo[] = [];
    const walk = async (dir: string, path: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        unavailable(error, 'list objects');
      }
      for (const entry of entries) {
        if (entry.name.endsWith(TEMP_SUFFIX)) continue;
        const child = path === '' ? entry.name : `${path}/${entry.name}`;
        // Skip subtrees that cannot contain a match.
        if (!child.startsWith(prefix) && !prefix.startsWith(`${child}/`)) continue;
        if (entry.isDirectory()) await walk(join(dir, entry.name), child);
        else if (entry.isFile()) {
          try {
            const s = await stat(join(dir, entry.name));
            out.push({ path: child, size: s.size, updated: s.mtime });
          } catch {
            // deleted while listing
          }
        }
      }
    };
    await walk(this.root, '');
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
