/**
 * The CPU / memory matrix. Cloud Run checks the instance total (the sum over all containers, each
 * defaulting to 1 vCPU and 512 MiB), and ties CPU to memory, concurrency, CPU allocation, the
 * execution environment and GPUs.
 */
import { at } from '../path.ts';
import { formatBytes, formatCpu, GiB, MiB, parseQuantity } from '../quantity.ts';
import type { Reporter, Rule } from '../rule.ts';
import { REVISION, TEMPLATE_ANNOTATIONS, templateAnnotation, type ServiceView } from '../view.ts';
import { int, quote, record, str } from '../values.ts';
import { ACCELERATORS } from './revision.ts';

const CPU_DOCS = 'cloud.google.com/run/docs/configuring/services/cpu';
const MEMORY_DOCS = 'cloud.google.com/run/docs/configuring/services/memory-limits';

export const RESOURCE_KEYS: Rule = {
  id: 'resources/keys',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'limits name cpu, memory, nvidia.com/gpu; requests name cpu, memory',
  allowed: 'limits: cpu, memory, nvidia.com/gpu; requests: cpu, memory',
  source: 'Cloud Run Admin API v1 schema (ResourceRequirements)',
};
export const CPU_VALUE: Rule = {
  id: 'resources/cpu',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'each CPU limit is 0.08-1 in steps of 0.001, or 1, 2, 4, 6 or 8',
  allowed: '0.08-1 (e.g. 500m) in 0.001 steps, or 1, 2, 4, 6, 8',
  source: `${CPU_DOCS} (changed: older docs allowed 0.01 steps; the newest allow 0.001, which this rule follows)`,
};
export const MEMORY_VALUE: Rule = {
  id: 'resources/memory',
  severity: 'error',
  targets: ['cloudrun'],
  summary:
    'memory limits parse; the instance total is within 128 MiB (gen1) / 512 MiB (gen2) and 32 GiB',
  allowed: 'a quantity such as 512Mi or 2Gi; total 128 MiB (gen1) or 512 MiB (gen2) to 32 GiB',
  source: `${MEMORY_DOCS}; "Invalid value specified for memory with gen2 execution environment" (MarkEdmondson1234/googleCloudRunner#137)`,
};
export const MEMORY_FOR_CPU: Rule = {
  id: 'resources/memory-for-cpu',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'the memory total fits the CPU total',
  allowed:
    '< 0.5 vCPU: <= 512 MiB; 0.5: <= 1 GiB; 1: <= 4 GiB; 2: <= 8 GiB; 4: 2-16 GiB; 6: 4-24 GiB; 8: 4-32 GiB',
  source: `${CPU_DOCS} and ${MEMORY_DOCS}; "Invalid value specified for memory. For 1.0 CPU, memory must be between 128Mi and 4Gi inclusive." (googleapis/repo-automation-bots#3875)`,
};
export const FRACTIONAL_CPU: Rule = {
  id: 'resources/fractional-cpu',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'less than 1 vCPU in total needs concurrency 1, request-based CPU and gen1',
  allowed:
    'total CPU < 1 only with containerConcurrency 1 (or unset), cpu-throttling not "false", execution environment not gen2',
  source: `${CPU_DOCS} ("If you use less than 1 CPU"); "Total cpu < 1 is not supported with concurrency > 1" (nearform/slack-knowledgebase-chatgpt-responder#980)`,
};
export const ALWAYS_ON_MEMORY: Rule = {
  id: 'resources/always-allocated-memory',
  severity: 'error',
  targets: ['cloudrun'],
  summary: 'gen2 with CPU always allocated needs at least 512 MiB in total',
  allowed: '>= 512 MiB total with gen2 and cpu-throttling "false"',
  source:
    '"Total memory < 512 Mi is not supported with gen2 execution environment with cpu always allocated (unthrottled)" (oboapp/oboapp#449)',
};
export const GPU: Rule = {
  id: 'resources/gpu',
  severity: 'error',
  targets: ['cloudrun'],
  summary:
    'one GPU on one container, with the accelerator node selector, enough CPU and memory, and CPU always allocated',
  allowed:
    'nvidia.com/gpu: "1" on one container; nodeSelector run.googleapis.com/accelerator; nvidia-l4: >= 4 vCPU and >= 16 GiB; nvidia-rtx-pro-6000: >= 20 vCPU and >= 80 GiB; cpu-throttling "false"',
  source:
    'cloud.google.com/run/docs/configuring/services/gpu; Cloud Run Admin API v1 schema (ResourceRequirements)',
};

export const RESOURCE_RULES = [
  RESOURCE_KEYS,
  CPU_VALUE,
  MEMORY_VALUE,
  MEMORY_FOR_CPU,
  FRACTIONAL_CPU,
  ALWAYS_ON_MEMORY,
  GPU,
];

const DEFAULT_CPU = 1;
const DEFAULT_MEMORY = 512 * MiB;
const CPU_INTEGERS = [1, 2, 4, 6, 8];

/** The most memory an instance with `cpu` vCPU may have (services). */
export function maxMemoryFor(cpu: number): number {
  if (cpu < 0.5) return 512 * MiB;
  if (cpu < 1) return 1 * GiB;
  if (cpu < 2) return 4 * GiB;
  if (cpu < 4) return 8 * GiB;
  if (cpu < 6) return 16 * GiB;
  if (cpu < 8) return 24 * GiB;
  return 32 * GiB;
}

/** The least memory an instance with `cpu` vCPU may have. */
export function minMemoryFor(cpu: number, gen2: boolean): number {
  if (cpu >= 6) return 4 * GiB;
  if (cpu >= 4) return 2 * GiB;
  return gen2 ? 512 * MiB : 128 * MiB;
}

function cpuStepOk(cpu: number): boolean {
  return Math.abs(cpu * 1000 - Math.round(cpu * 1000)) < 1e-6;
}

export function checkResources(view: ServiceView, r: Reporter): void {
  if (r.target !== 'cloudrun' || view.containers.length === 0) return;
  const gen2 = templateAnnotation(view, 'run.googleapis.com/execution-environment') === 'gen2';
  const throttling = templateAnnotation(view, 'run.googleapis.com/cpu-throttling');
  const accelerator = str(
    record(view.revision?.['nodeSelector'])?.['run.googleapis.com/accelerator'],
  );
  const rtx = accelerator === 'nvidia-rtx-pro-6000';

  let totalCpu = 0;
  let totalMemory = 0;
  let valid = true;
  let firstLimitsPath = `${view.containers[0]!.path}.resources.limits`;
  const gpuContainers: string[] = [];
  for (const c of view.containers) {
    const resources = record(c.raw['resources']);
    const limits = record(resources?.['limits']) ?? {};
    const requests = record(resources?.['requests']) ?? {};
    const limitsPath = `${c.path}.resources.limits`;
    if (c.ingress) firstLimitsPath = limitsPath;
    for (const key of Object.keys(limits))
      if (!['cpu', 'memory', 'nvidia.com/gpu'].includes(key))
        r.report(RESOURCE_KEYS, at(limitsPath, key), `limits.${key} is not supported`);
    for (const key of Object.keys(requests))
      if (!['cpu', 'memory'].includes(key))
        r.report(
          RESOURCE_KEYS,
          at(`${c.path}.resources.requests`, key),
          `requests.${key} is not supported`,
        );

    // A limit of the wrong type is a shape error; the totals would be wrong, so stop here.
    if (
      ['cpu', 'memory'].some(
        (k) => limits[k] !== undefined && limits[k] !== null && typeof limits[k] !== 'string',
      )
    )
      valid = false;
    let cpu = DEFAULT_CPU;
    const rawCpu = limits['cpu'];
    if (typeof rawCpu === 'string') {
      const parsed = parseQuantity(rawCpu);
      const path = at(limitsPath, 'cpu');
      if (parsed === undefined) {
        r.report(CPU_VALUE, path, `${quote(rawCpu)} is not a CPU quantity`);
        valid = false;
      } else if (
        parsed > 1 &&
        !(CPU_INTEGERS.includes(parsed) || (rtx && Number.isInteger(parsed)))
      ) {
        r.report(
          CPU_VALUE,
          path,
          `cpu ${rawCpu} (${formatCpu(parsed)}): above 1 vCPU only whole 1, 2, 4, 6 or 8 are allowed`,
        );
        valid = false;
      } else if (parsed < 0.08 || !cpuStepOk(parsed)) {
        r.report(
          CPU_VALUE,
          path,
          `cpu ${rawCpu} (${formatCpu(parsed)}) is below 0.08 or not in 0.001 steps`,
        );
        valid = false;
      } else cpu = parsed;
    }
    let memory = DEFAULT_MEMORY;
    const rawMemory = limits['memory'];
    if (typeof rawMemory === 'string') {
      const parsed = parseQuantity(rawMemory);
      if (parsed === undefined || parsed <= 0) {
        r.report(
          MEMORY_VALUE,
          at(limitsPath, 'memory'),
          `${quote(rawMemory)} is not a memory quantity`,
        );
        valid = false;
      } else memory = parsed;
    }
    totalCpu += cpu;
    totalMemory += memory;
    const rawGpu = limits['nvidia.com/gpu'];
    if (rawGpu !== undefined && rawGpu !== null) {
      gpuContainers.push(c.path);
      if (rawGpu !== '1')
        r.report(
          GPU,
          at(limitsPath, 'nvidia.com/gpu'),
          `nvidia.com/gpu is ${quote(rawGpu)}`,
          '"1"',
        );
    }
  }
  if (!valid) return; // the totals would be wrong

  const several = view.containers.length > 1;
  const total = (what: string) =>
    several ? `total ${what} (all ${view.containers.length} containers)` : what;
  const memoryPath = `${firstLimitsPath}.memory`;
  const cpuPath = `${firstLimitsPath}.cpu`;
  const cpuText = formatCpu(totalCpu);
  const memText = formatBytes(totalMemory);

  if (totalMemory > 32 * GiB && !rtx)
    r.report(
      MEMORY_VALUE,
      memoryPath,
      `${total('memory')} is ${memText}, above the 32 GiB maximum`,
    );
  const minMemory = minMemoryFor(totalCpu, gen2);
  const maxMemory = rtx ? Infinity : maxMemoryFor(totalCpu);
  if (totalMemory > maxMemory || totalMemory < minMemory) {
    const range = `${formatBytes(minMemory)} and ${formatBytes(maxMemory)}`;
    const allowedRange = `${formatBytes(minMemory)} to ${formatBytes(maxMemory)}`;
    r.report(
      MEMORY_FOR_CPU,
      memoryPath,
      `Invalid value specified for memory${gen2 ? ' with gen2 execution environment' : ''}: for ${cpuText}, ${total('memory')} must be between ${range} inclusive; it is ${memText}` +
        (totalMemory > maxMemory
          ? ` (raise the CPU to at least ${formatCpu(minCpuFor(totalMemory))} or lower the memory)`
          : ''),
      `for ${cpuText}: ${allowedRange}`,
    );
  }

  if (totalCpu < 1) {
    const concurrency = int(view.revision?.['containerConcurrency'], 'cloudrun');
    if (concurrency !== undefined && concurrency > 1)
      r.report(
        FRACTIONAL_CPU,
        cpuPath,
        `Total cpu < 1 is not supported with concurrency > 1: ${total('CPU')} is ${cpuText} and containerConcurrency is ${concurrency}`,
      );
    if (throttling === 'false')
      r.report(
        FRACTIONAL_CPU,
        at(TEMPLATE_ANNOTATIONS, 'run.googleapis.com/cpu-throttling'),
        `${total('CPU')} is ${cpuText}, which requires CPU only during requests (cpu-throttling "true")`,
      );
    if (gen2)
      r.report(
        FRACTIONAL_CPU,
        at(TEMPLATE_ANNOTATIONS, 'run.googleapis.com/execution-environment'),
        `${total('CPU')} is ${cpuText}, which requires the gen1 execution environment`,
      );
  }
  if (gen2 && throttling === 'false' && totalMemory < 512 * MiB)
    r.report(
      ALWAYS_ON_MEMORY,
      memoryPath,
      `Total memory < 512 Mi is not supported with gen2 execution environment with cpu always allocated: it is ${memText}`,
    );

  if (gpuContainers.length > 1)
    r.report(GPU, gpuContainers[1]!, `${gpuContainers.length} containers request a GPU`);
  if (gpuContainers.length > 0) {
    const selectorPath = `${REVISION}.nodeSelector`;
    if (!accelerator || !(ACCELERATORS as readonly string[]).includes(accelerator))
      r.report(
        GPU,
        selectorPath,
        'a GPU is requested without nodeSelector run.googleapis.com/accelerator',
      );
    else {
      const [minCpu, minMem] = rtx ? [20, 80 * GiB] : [4, 16 * GiB];
      if (totalCpu < minCpu || totalMemory < minMem)
        r.report(
          GPU,
          cpuPath,
          `${accelerator} needs >= ${minCpu} vCPU and >= ${formatBytes(minMem)}; the instance has ${cpuText} and ${memText}`,
        );
    }
    if (throttling !== 'false')
      r.report(
        GPU,
        at(TEMPLATE_ANNOTATIONS, 'run.googleapis.com/cpu-throttling'),
        'GPUs require CPU always allocated (run.googleapis.com/cpu-throttling: "false")',
      );
  } else if (accelerator !== undefined) {
    r.report(
      GPU,
      `${REVISION}.nodeSelector`,
      `nodeSelector selects ${quote(accelerator)} but no container requests nvidia.com/gpu`,
    );
  }
}

/** The least CPU that allows `memory` bytes. */
function minCpuFor(memory: number): number {
  for (const cpu of [0.5, 1, 2, 4, 6, 8]) if (maxMemoryFor(cpu) >= memory) return cpu;
  return 8;
}
