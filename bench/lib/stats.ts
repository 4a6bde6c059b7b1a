/** Small, pure statistics for benchmark figures. */

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
  readonly runs: readonly number[];
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** min / median / max of the finite values, or undefined when there are none. */
export function spread(values: readonly (number | undefined)[]): Spread | undefined {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length === 0) return undefined;
  return {
    min: Math.min(...finite),
    median: median(finite),
    max: Math.max(...finite),
    runs: finite,
  };
}

/** Nearest-rank percentile (p in 0..100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Rounds for display and JSON: 3 significant decimals below 10, 1 decimal below 1000, else integer. */
export function round(value: number): number {
  const abs = Math.abs(value);
  const digits = abs < 10 ? 3 : abs < 1000 ? 1 : 0;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
