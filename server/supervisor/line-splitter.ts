/**
 * Turns a child's output chunks into lines. Chunks end anywhere (mid-line, mid-UTF-8 character),
 * so bytes are buffered until their newline arrives; `\r\n` counts as one newline; a final line
 * without newline comes out of `end()`. Memory stays bounded: past `maxLineBytes` the rest of a
 * line is counted, not kept (pm2's 64 KiB split, Unitech/pm2#2613, is the failure this avoids).
 */

export interface Line {
  readonly text: string;
  /** Bytes cut off the end because the line was longer than the limit. */
  readonly droppedBytes: number;
}

const NEWLINE = 0x0a;

export class LineSplitter {
  readonly #maxLineBytes: number;
  #parts: Buffer[] = [];
  #size = 0;
  #dropped = 0;

  constructor(maxLineBytes: number) {
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new TypeError(`maxLineBytes (${maxLineBytes}) must be a positive integer`);
    }
    this.#maxLineBytes = maxLineBytes;
  }

  /** Bytes of the current partial line held in memory. */
  get buffered(): number {
    return this.#size;
  }

  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) {
        this.#append(chunk.subarray(start));
        return lines;
      }
      this.#append(chunk.subarray(start, newline));
      lines.push(this.#take());
      start = newline + 1;
    }
  }

  /** The last line when the stream ended without a newline. */
  end(): Line[] {
    return this.#size > 0 || this.#dropped > 0 ? [this.#take()] : [];
  }

  #append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const room = this.#maxLineBytes - this.#size;
    if (bytes.length <= room) {
      this.#parts.push(bytes);
      this.#size += bytes.length;
      return;
    }
    if (room > 0) {
      this.#parts.push(bytes.subarray(0, room));
      this.#size += room;
    }
    this.#dropped += bytes.length - Math.max(room, 0);
  }

  #take(): Line {
    let bytes = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#size);
    const dropped = this.#dropped;
    this.#parts = [];
    this.#size = 0;
    this.#dropped = 0;
    if (dropped === 0 && bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    let text = bytes.toString('utf8');
    // A cut through a multi-byte character decodes as U+FFFD: drop that half character.
    if (dropped > 0 && text.endsWith('\uFFFD')) text = text.slice(0, -1);
    return { text, droppedBytes: dropped };
  }
}
