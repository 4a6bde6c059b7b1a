import type { DestinationStream } from 'pino';

/** A pino destination that keeps every written line, for asserting on real log output. */
export function captureLines(): DestinationStream & {
  lines: string[];
  json: () => Record<string, unknown>[];
} {
  const lines: string[] = [];
  return {
    lines,
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') lines.push(line);
    },
    json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
