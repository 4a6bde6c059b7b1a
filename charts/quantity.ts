/**
 * CPU and memory quantities as Cloud Run reads them. Kubernetes accepts many more spellings; we
 * accept the ones Cloud Run documents (and that real accepted manifests use) so a value that
 * passes here means the same thing to `gcloud`, to Knative and to a person reading the YAML.
 */

/** `"2"`, `"0.5"`, `"500m"` → vCPUs; undefined when the spelling is not one we accept. */
export function parseCpu(value: string): number | undefined {
  const milli = /^([1-9]\d{0,5})m$/.exec(value);
  if (milli) return Number(milli[1]) / 1000;
  if (/^(0|[1-9]\d{0,2})(\.\d{1,3})?$/.test(value)) return Number(value);
  return undefined;
}

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  M: 1e6,
  G: 1e9,
};

export const MiB = 2 ** 20;
export const GiB = 2 ** 30;

/** `"512Mi"`, `"1Gi"`, `"512M"` → bytes; undefined for other spellings. */
export function parseMemory(value: string): number | undefined {
  const m = /^([1-9]\d{0,6})(Mi|Gi|M|G)$/.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * MEMORY_UNITS[m[2]!]!;
}

/** Human form of a byte count for error messages: whole MiB/GiB. */
export function formatBytes(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}Gi`;
  return `${Math.round((bytes / MiB) * 100) / 100}Mi`;
}

/** Sum without binary floating-point residue (0.1 + 0.2): CPUs are counted in millicores. */
export function addCpus(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + Math.round(v * 1000), 0) / 1000;
}
