/**
 * Kubernetes resource quantities ("500m", "1.5", "512Mi", "1G", "1e3"), parsed to plain numbers:
 * cores for CPU, bytes for memory. Cloud Run uses the same notation.
 */

const QUANTITY =
  /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The quantity's value, or undefined when `text` is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = QUANTITY.exec(value.trim());
  if (!match) return undefined;
  const [, sign, digits, suffix = ''] = match;
  const factor = SUFFIX[suffix] ?? (/^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : NaN);
  const result = Number(digits) * factor * (sign === '-' ? -1 : 1);
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
