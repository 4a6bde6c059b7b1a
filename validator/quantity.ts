/**
 * Kubernetes resource quantities ("500m", "1.5", "512Mi", "1G", "1e3"), parsed to plain numbers:
 * cores for CPU, bytes for memory. Cloud Run uses the same notation.
 */

const QUANTITY =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Decimal suffixes as powers of ten, so "13m" is parsed as 13e-3 (exact), not 13 * 0.001. */
const DECIMAL: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const BINARY: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** The quantity's value, or undefined when `value` is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value);
  if (!match) return undefined;
  const [, sign = '', digits, suffix = ''] = match;
  let result: number;
  if (suffix in BINARY) result = Number(`${sign}${digits}`) * 2 ** BINARY[suffix]!;
  else {
    const exponent = suffix in DECIMAL ? DECIMAL[suffix]! : Number(suffix.slice(1));
    result = Number(`${sign}${digits}e${exponent}`);
  }
  return Number.isFinite(result) ? result : undefined;
}

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** Bytes as the docs write them: 512 MiB, 4 GiB, 1.5 GiB. */
export function formatBytes(bytes: number): string {
  if (bytes >= GiB) return `${round(bytes / GiB)} GiB`;
  return `${round(bytes / MiB)} MiB`;
}

export function formatCpu(cores: number): string {
  return `${round(cores)} vCPU`;
}

function round(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
