/**
 * Groups consecutive plain-text lines that belong together, so a stack trace becomes one log
 * entry (Error Reporting reads the whole V8 stack from one entry's `message`; split over many
 * entries it sees nothing). Node's crash dump on stderr looks like
 *
 *     /app/dist/server/backend/main.js:10          <- file:line header
 *         throw new Error('boom');                  <- indented: continuation
 *         ^
 *                                                   <- blank: held until we see what follows
 *     Error: boom                                   <- error header after a blank: continuation
 *         at Object.<anonymous> (/app/main.js:10:9)
 *         at node:internal/main/run_main_module:28:49 {
 *       code: 'E_BOOM'
 *     }
 *
 *     Node.js v22.12.0                              <- footer: continuation
 *
 * and comes out as one entry. A line that is not a continuation closes the open group.
 */

const CONTINUATION = [
  /^\s+\S/, // indented: stack frames ("    at f (file:1:2)"), code excerpts, error properties
  /^\s*\^+\s*$/, // the caret under the throwing expression
  /^\s*\}\s*$/, // end of an error's own properties
  /^\s*\.\.\. \d+ (?:more|lines)/, // "... 4 more" (Java-style traces from dependencies)
  /^(?:Caused by|\[cause\]):?/, // nested causes
  /^Node\.js v\d+/, // footer of Node's crash dump
];

/** A line that starts an error (may follow a blank line inside one dump). */
const ERROR_HEADER = /^(?:Uncaught )?(?:[A-Za-z_$][\w$.]*)?(?:Error|Exception)\b|^Node\.js v\d+/;

export function isContinuation(line: string): boolean {
  return CONTINUATION.some((re) => re.test(line));
}

export interface TextGroup {
  readonly lines: readonly string[];
  readonly droppedBytes: number;
}

/** Stateful grouping of one stream's text lines. Blank lines alone never make an entry. */
export class StackMerger {
  #open: string[] | undefined;
  #dropped = 0;
  #blanks = 0;

  get open(): boolean {
    return this.#open !== undefined;
  }

  /** Adds a line; returns the group it closed, if any. */
  push(line: string, droppedBytes = 0): TextGroup[] {
    if (line.trim() === '') {
      if (this.#open !== undefined) this.#blanks += 1;
      return [];
    }
    if (this.#open !== undefined) {
      const afterBlank = this.#blanks > 0;
      if (isContinuation(line) || (afterBlank && ERROR_HEADER.test(line))) {
        for (; this.#blanks > 0; this.#blanks--) this.#open.push('');
        this.#open.push(line);
        this.#dropped += droppedBytes;
        return [];
      }
    }
    const closed = this.flush();
    this.#open = [line];
    this.#dropped = droppedBytes;
    return closed;
  }

  /** Closes the open group (idle timeout, a JSON line in between, or end of stream). */
  flush(): TextGroup[] {
    if (this.#open === undefined) return [];
    const group = { lines: this.#open, droppedBytes: this.#dropped };
    this.#open = undefined;
    this.#dropped = 0;
    this.#blanks = 0;
    return [group];
  }
}
