/**
 * Crash-safe file writes for the embedded stores: write a temporary file in the same directory,
 * fsync it, then rename (replace) or hard-link (create only if absent) it into place, then fsync
 * the directory. A reader — or the process after a crash — sees the old file or the new one,
 * never a torn one.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temporary files carry this suffix; loaders skip (and may delete) them. */
export const TEMP_SUFFIX = '.tmp';

async function writeTemp(target: string, content: Uint8Array | string): Promise<string> {
  const dir = dirname(target);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(target)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  } finally {
    await handle?.close();
  }
}

/** Replaces (or creates) `target` atomically. */
export async function writeFileAtomic(target: string, content: Uint8Array | string): Promise<void> {
  const temp = await writeTemp(target, content);
  try {
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDir(dirname(target));
}

/** Creates `target` atomically only if it does not exist; `false` (nothing written) when it does. */
export async function createFileAtomic(
  target: string,
  content: Uint8Array | string,
): Promise<boolean> {
  const temp = await writeTemp(target, content);
  try {
    await link(temp, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
  await syncDir(dirname(target));
  return true;
}
