/**
 * Forwards one child stream (stdout or stderr) to the supervisor's output, one entry per write:
 * bytes -> lines (./line-splitter.ts) -> JSON passed through or text grouped into entries
 * (./stack-merger.ts, ./log-entry.ts). Why not `stdio: 'inherit'`: two children writing one pipe
 * interleave any write over PIPE_BUF (4 KiB), and nobody could wrap their plain text.
 */
import { LineSplitter } from './line-splitter.ts';
import {
  MAX_ENTRY_BYTES,
  formatJsonLine,
  looksLikeJsonObject,
  wrapText,
  type EntryContext,
} from './log-entry.ts';
import { StackMerger, type TextGroup } from './stack-merger.ts';

/** A text group stays open this long for more continuation lines (a dump arrives in one burst). */
export const IDLE_FLUSH_MS = 30;

export interface ForwarderOptions extends EntryContext {
  /** Receives one complete entry (a JSON line without newline) per call. */
  readonly write: (entry: string) => void;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default IDLE_FLUSH_MS */
  readonly idleFlushMs?: number;
}

export class LogForwarder {
  readonly #options: ForwarderOptions;
  readonly #splitter: LineSplitter;
  readonly #merger = new StackMerger();
  readonly #now: () => number;
  #idle: NodeJS.Timeout | undefined;

  constructor(options: ForwarderOptions) {
    this.#options = options;
    this.#splitter = new LineSplitter(options.maxEntryBytes ?? MAX_ENTRY_BYTES);
    this.#now = options.now ?? Date.now;
  }

  push(chunk: Buffer): void {
    for (const line of this.#splitter.push(chunk)) this.#line(line.text, line.droppedBytes);
    this.#armIdle();
  }

  /** The stream ended (or the child is gone): emit the last partial line and any open group. */
  end(): void {
    for (const line of this.#splitter.end()) this.#line(line.text, line.droppedBytes);
    this.flush();
  }

  /** Emits the open text group now. */
  flush(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#emit(this.#merger.flush());
  }

  #line(text: string, droppedBytes: number): void {
    if (looksLikeJsonObject(text, droppedBytes)) {
      this.#emit(this.#merger.flush());
      this.#options.write(formatJsonLine(text, this.#options, this.#now(), droppedBytes));
      return;
    }
    this.#emit(this.#merger.push(text, droppedBytes));
  }

  #emit(groups: TextGroup[]): void {
    for (const group of groups) {
      this.#options.write(
        wrapText(group.lines.join('\n'), this.#options, this.#now(), group.droppedBytes),
      );
    }
  }

  #armIdle(): void {
    if (this.#idle !== undefined) clearTimeout(this.#idle);
    this.#idle = undefined;
    if (!this.#merger.open) return;
    this.#idle = setTimeout(() => this.flush(), this.#options.idleFlushMs ?? IDLE_FLUSH_MS);
    this.#idle.unref();
  }
}
