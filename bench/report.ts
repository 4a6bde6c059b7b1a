/**
 * Turns the per-run measurements into the one JSON object of `npm run bench -- --json` and into
 * the human table. Pure: no I/O.
 */
import { BUDGETS, WORST_CASE_KEYS } from './budgets.ts';
import { median, round, spread, type Spread } from './lib/stats.ts';

/** Every figure of the benchmark issue, in report order. */
export const FIGURE_KEYS = [
  'ready_ms',
  'backend_alone_ms',
  'frontend_alone_ms',
  'ready_ratio',
  'recover_ms',
  'recover_ratio',
  'proxy_throughput_ratio',
  'proxy_p99_added_ms',
  'rss_idle_mb',
  'rss_load_mb',
  'stop_failed_requests',
  'stop_ms',
  'synth_ms',
  'validate_per_s',
  'image_mb',
  'app_layer_mb',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];

/** Figures measured on every supervisor, ours and the anchors alike. */
export const ANCHOR_KEYS = [
  'ready_ms',
  'recover_ms',
  'stop_failed_requests',
  'stop_ms',
  'rss_idle_mb',
] as const;
export type AnchorKey = (typeof ANCHOR_KEYS)[number];

/** Per-run values (index = run; undefined = that run did not produce it) and why a figure is missing. */
export interface Series {
  readonly values: Record<string, (number | undefined)[]>;
  readonly reasons: Record<string, string>;
}

export function emptySeries(): Series {
  return { values: {}, reasons: {} };
}

export function record(series: Series, key: string, run: number, value: number | undefined): void {
  const list = (series.values[key] ??= []);
  list[run] = value;
}

/** Remembers the first reason a figure could not be measured. */
export function fail(series: Series, keys: readonly string[], reason: string): void {
  for (const key of keys) series.reasons[key] ??= reason;
}

export interface Collected {
  readonly runs: number;
  readonly ours: Series;
  readonly anchors: Record<string, Series>;
  readonly details: Record<string, unknown[] | undefined>;
  readonly machine: Record<string, unknown>;
}

function headline(key: string, s: Spread | undefined): number | null {
  if (!s) return null;
  return round(WORST_CASE_KEYS.has(key) ? s.max : s.median);
}

/** anchor ÷ ours, per run (only runs where both exist), then the median. */
function ratioToOurs(
  anchor: (number | undefined)[] = [],
  ours: (number | undefined)[] = [],
): number | null {
  const ratios: number[] = [];
  for (let i = 0; i < Math.max(anchor.length, ours.length); i++) {
    const a = anchor[i];
    const o = ours[i];
    if (a !== undefined && o !== undefined && o > 0) ratios.push(a / o);
  }
  return ratios.length ? round(median(ratios)) : null;
}

function jsonKey(name: string): string {
  return name.replace(/-/g, '_');
}

/** The one JSON object: headline figures at the top level (null + a reason when missing). */
export function toJson(c: Collected): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const spreads: Record<string, unknown> = {};
  const nullReasons: Record<string, string> = {};
  for (const key of FIGURE_KEYS) {
    const s = spread(c.ours.values[key] ?? []);
    out[key] = headline(key, s);
    if (s)
      spreads[key] = {
        min: round(s.min),
        median: round(s.median),
        max: round(s.max),
        runs: s.runs.map(round),
      };
    else nullReasons[key] = c.ours.reasons[key] ?? 'not measured';
  }
  const anchors: Record<string, unknown> = {};
  for (const [name, series] of Object.entries(c.anchors)) {
    const a: Record<string, unknown> = {};
    const vs: Record<string, number | null> = {};
    const reasons: Record<string, string> = {};
    for (const key of ANCHOR_KEYS) {
      const s = spread(series.values[key] ?? []);
      a[key] = headline(key, s);
      if (!s) reasons[key] = series.reasons[key] ?? 'not measured';
      if (key === 'stop_failed_requests') {
        // Ours is normally 0: compare totals over the runs, null when ours had none.
        const total = (v: (number | undefined)[] = []) =>
          v.reduce<number>((t, x) => t + (x ?? 0), 0);
        const ours = total(c.ours.values[key]);
        vs[key] = s && ours > 0 ? round(total(series.values[key]) / ours) : null;
      } else {
        vs[key] = ratioToOurs(series.values[key], c.ours.values[key]);
      }
    }
    a.vs_ours = vs;
    if (Object.keys(reasons).length) a.null_reasons = reasons;
    anchors[jsonKey(name)] = a;
  }
  out.anchors = anchors;
  const budgets: Record<string, unknown> = {};
  for (const b of BUDGETS) {
    const s = spread(c.ours.values[b.key] ?? []);
    const value = s ? (b.on === 'max' ? s.max : s.median) : undefined;
    budgets[b.key] = {
      budget: b.text,
      value: value === undefined ? null : round(value),
      met: value === undefined ? null : b.met(value),
    };
  }
  out.budgets = budgets;
  out.spread = spreads;
  out.null_reasons = nullReasons;
  out.details = c.details;
  out.machine = c.machine;
  out.runs = c.runs;
  return out;
}

function fmt(v: unknown): string {
  return typeof v === 'number' || typeof v === 'string' ? String(v) : '—';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human report: min / median / max per figure, budgets, then the anchors side by side. */
export function toText(c: Collected): string {
  const json = toJson(c);
  const spreads = json.spread as Record<string, { min: number; median: number; max: number }>;
  const budgets = json.budgets as Record<string, { budget: string; met: boolean | null }>;
  const reasons = json.null_reasons as Record<string, string>;
  const rows = [['figure', 'min', 'median', 'max', 'budget', 'met']];
  for (const key of FIGURE_KEYS) {
    const s = spreads[key];
    const b = budgets[key];
    rows.push([
      key,
      fmt(s?.min),
      fmt(s?.median),
      fmt(s?.max),
      b?.budget ?? '',
      b ? (b.met === null ? '—' : b.met ? 'yes' : 'NO') : '',
    ]);
  }
  const lines = [`Figures over ${c.runs} run(s) (min / median / max):`, '', table(rows)];
  const missing = Object.entries(reasons);
  if (missing.length) {
    lines.push('', 'Not measured:');
    for (const [key, why] of missing) lines.push(`  ${key}: ${why.split('\n')[0]}`);
  }
  const anchors = json.anchors as Record<string, Record<string, unknown>>;
  const names = Object.keys(anchors);
  if (names.length) {
    const head = [
      'figure (median; failed = worst run)',
      'ours',
      ...names.map((n) => `${n} (× ours)`),
    ];
    const arows = [head];
    for (const key of ANCHOR_KEYS) {
      arows.push([
        key,
        fmt(json[key]),
        ...names.map((n) => {
          const a = anchors[n]!;
          const vs = (a.vs_ours as Record<string, number | null>)[key];
          return `${fmt(a[key])}${vs === null || vs === undefined ? '' : ` (${vs}×)`}`;
        }),
      ]);
    }
    lines.push('', 'Side by side, same runs:', '', table(arows));
    for (const n of names) {
      for (const [key, why] of Object.entries(
        (anchors[n]!.null_reasons ?? {}) as Record<string, string>,
      )) {
        lines.push(`  ${n} ${key}: ${why.split('\n')[0]}`);
      }
    }
  }
  for (const p of (c.details.proxy ?? []) as Record<string, any>[]) {
    const l = (x: { rps: number; p50_ms: number; p99_ms: number }) =>
      `${x.rps} rps, p50 ${x.p50_ms} ms, p99 ${x.p99_ms} ms`;
    if (p === c.details.proxy?.[0])
      lines.push('', `Proxy hop (${p.path}), direct → through the frontend:`);
    lines.push(
      `  run ${p.run}: saturation ${l(p.saturation.direct)} → ${l(p.saturation.through)}; ` +
        `at ${p.fixed_rate.rate}/s ${l(p.fixed_rate.direct)} → ${l(p.fixed_rate.through)}`,
    );
  }
  const synth = c.details.synth?.[0] as { cpu_ms: (number | null)[] } | undefined;
  const validate = c.details.validate?.[0] as
    { files: number; per_cpu_second: number[] } | undefined;
  if (synth || validate) lines.push('');
  if (synth) lines.push(`synth CPU time per run (ms): ${synth.cpu_ms.map(fmt).join(', ')}`);
  if (validate) {
    lines.push(
      `validator over ${validate.files} files, per CPU second: ${validate.per_cpu_second.join(', ')}`,
    );
  }
  return lines.join('\n') + '\n';
}

function mdTable(rows: string[][]): string {
  const [head, ...body] = rows;
  return [head!, head!.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** The same figures as Markdown tables, for pasting a real run into BENCHMARKS.md. */
export function toMarkdown(c: Collected): string {
  const json = toJson(c);
  const spreads = json.spread as Record<string, { min: number; median: number; max: number }>;
  const budgets = json.budgets as Record<
    string,
    { budget: string; value: number | null; met: boolean | null }
  >;
  const reasons = json.null_reasons as Record<string, string>;
  const rows = [['figure', 'min', 'median', 'max', 'budget', 'met']];
  for (const key of FIGURE_KEYS) {
    const s = spreads[key];
    const b = budgets[key];
    rows.push([
      `\`${key}\``,
      fmt(s?.min),
      s ? `**${s.median}**` : `— (${(reasons[key] ?? '').split('\n')[0]})`,
      fmt(s?.max),
      b?.budget ?? '',
      b ? (b.met === null ? '—' : b.met ? 'yes' : '**no**') : '',
    ]);
  }
  const out = [mdTable(rows)];
  const anchors = json.anchors as Record<string, Record<string, unknown>>;
  const names = Object.keys(anchors);
  if (names.length) {
    const arows = [['figure', 'ours', ...names.map((n) => `${n} (× ours)`)]];
    for (const key of ANCHOR_KEYS) {
      arows.push([
        `\`${key}\``,
        fmt(json[key]),
        ...names.map((n) => {
          const a = anchors[n]!;
          const vs = (a.vs_ours as Record<string, number | null>)[key];
          const why = ((a.null_reasons ?? {}) as Record<string, string>)[key];
          return why
            ? `— (${why.split('\n')[0]})`
            : `${fmt(a[key])}${vs === null || vs === undefined ? '' : ` (${vs}×)`}`;
        }),
      ]);
    }
    out.push('', mdTable(arows));
  }
  return out.join('\n') + '\n';
}
