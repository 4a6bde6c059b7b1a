/** The budgets of ../shared/DESIGN.md ("Budgets"), as data the report checks figures against. */

export interface Budget {
  /** JSON key of the figure the budget applies to. */
  readonly key: string;
  readonly text: string;
  /** Which summary of the runs is held to the budget: worst-case budgets use the worst run. */
  readonly on: 'median' | 'max';
  readonly met: (value: number) => boolean;
}

export const BUDGETS: readonly Budget[] = [
  {
    key: 'ready_ratio',
    text: '≤ 1.3 × (backend + frontend alone)',
    on: 'median',
    met: (v) => v <= 1.3,
  },
  { key: 'recover_ratio', text: '≤ 2 × backend alone', on: 'median', met: (v) => v <= 2 },
  { key: 'proxy_throughput_ratio', text: '≥ 0.6', on: 'median', met: (v) => v >= 0.6 },
  { key: 'proxy_p99_added_ms', text: '≤ 3 ms', on: 'median', met: (v) => v <= 3 },
  { key: 'rss_idle_mb', text: '≤ 200 MB', on: 'median', met: (v) => v <= 200 },
  { key: 'stop_failed_requests', text: '0 in every run', on: 'max', met: (v) => v === 0 },
  { key: 'stop_ms', text: '≤ 10 s in every run', on: 'max', met: (v) => v <= 10_000 },
  { key: 'synth_ms', text: '≤ 3 s', on: 'median', met: (v) => v <= 3000 },
  { key: 'validate_per_s', text: '≥ 1,000 manifests/s', on: 'median', met: (v) => v >= 1000 },
  { key: 'app_layer_mb', text: '≤ 60 MB', on: 'median', met: (v) => v <= 60 },
];

/** Figures whose headline value is the worst run rather than the median. */
export const WORST_CASE_KEYS: ReadonlySet<string> = new Set(['stop_failed_requests']);
