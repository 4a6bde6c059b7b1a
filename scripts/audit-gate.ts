/**
 * CI gate on `npm audit --omit=dev`: fails (exit 1) when the production dependency tree has a
 * high or critical advisory, listing them. When the advisory service cannot be asked (offline
 * machine, a registry mirror without the audit endpoint) there is no verdict: the gate says so
 * loudly and passes, unless AUDIT_REQUIRED=1, where no verdict fails too. A finding is never
 * mistaken for an outage, nor an outage for a clean bill.
 *
 * Usage: node --import tsx scripts/audit-gate.ts   (run by .ci/run before `npm test`)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';
export const BLOCKING: readonly Severity[] = ['high', 'critical'];

export interface Finding {
  readonly name: string;
  readonly severity: Severity;
  readonly title: string;
}

export type Verdict =
  | { readonly kind: 'clean'; readonly counts: Record<string, number> }
  | {
      readonly kind: 'blocked';
      readonly findings: readonly Finding[];
      readonly counts: Record<string, number>;
    }
  | { readonly kind: 'no-verdict'; readonly reason: string };

function isSeverity(value: unknown): value is Severity {
  return ['info', 'low', 'moderate', 'high', 'critical'].includes(value as string);
}

/** Titles of the advisories behind one vulnerable package (npm audit v2 `via`). */
function titlesOf(via: unknown): string[] {
  if (!Array.isArray(via)) return [];
  return via.flatMap((v) =>
    typeof v === 'object' && v !== null && typeof (v as { title?: unknown }).title === 'string'
      ? [(v as { title: string }).title]
      : typeof v === 'string'
        ? [`via ${v}`]
        : [],
  );
}

/** Pure: the verdict for `npm audit --json` output (npm 7+ report format). Never throws. */
export function auditVerdict(stdout: string): Verdict {
  let report: unknown;
  try {
    report = JSON.parse(stdout);
  } catch {
    return { kind: 'no-verdict', reason: 'npm audit printed no JSON report' };
  }
  if (typeof report !== 'object' || report === null)
    return { kind: 'no-verdict', reason: 'npm audit printed no report object' };
  const r = report as {
    metadata?: { vulnerabilities?: Record<string, unknown> };
    vulnerabilities?: Record<string, unknown>;
    error?: { summary?: unknown };
    statusCode?: unknown;
  };
  const totals = r.metadata?.vulnerabilities;
  if (typeof totals !== 'object' || totals === null) {
    const status = typeof r.statusCode === 'number' ? `status ${r.statusCode}` : 'no status';
    const summary =
      typeof r.error?.summary === 'string' && r.error.summary !== '' ? `: ${r.error.summary}` : '';
    return {
      kind: 'no-verdict',
      reason: `the advisory endpoint did not answer (${status}${summary})`,
    };
  }
  const counts: Record<string, number> = {};
  for (const [k, v] of Object.entries(totals)) if (typeof v === 'number') counts[k] = v;
  const findings: Finding[] = [];
  for (const [name, entry] of Object.entries(r.vulnerabilities ?? {})) {
    const severity = (entry as { severity?: unknown } | null)?.severity;
    if (!isSeverity(severity) || !BLOCKING.includes(severity)) continue;
    const titles = titlesOf((entry as { via?: unknown }).via);
    findings.push({ name, severity, title: titles.join('; ') || '(no title)' });
  }
  const blockingTotal = BLOCKING.reduce((n, s) => n + (counts[s] ?? 0), 0);
  if (findings.length > 0 || blockingTotal > 0) return { kind: 'blocked', findings, counts };
  return { kind: 'clean', counts };
}

/** Exit code for a verdict: 1 on findings, and on no verdict only when one is required. */
export function exitCodeOf(verdict: Verdict, required: boolean): number {
  if (verdict.kind === 'blocked') return 1;
  if (verdict.kind === 'no-verdict') return required ? 1 : 0;
  return 0;
}

function main(): number {
  const result = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const verdict = auditVerdict(result.stdout ?? '');
  const required = process.env['AUDIT_REQUIRED'] === '1';
  const code = exitCodeOf(verdict, required);
  if (verdict.kind === 'clean') {
    console.log(
      `audit gate: no high or critical advisory in production dependencies ${JSON.stringify(verdict.counts)}`,
    );
  } else if (verdict.kind === 'blocked') {
    console.error('audit gate: FAILED - high or critical advisories in production dependencies:');
    for (const f of verdict.findings)
      console.error(`  ${f.severity.padEnd(8)} ${f.name}: ${f.title}`);
    console.error(
      `  totals ${JSON.stringify(verdict.counts)}; fix with \`npm audit fix --omit=dev\` or an override`,
    );
  } else {
    const line = `audit gate: NO VERDICT - ${verdict.reason}; production dependencies were not checked`;
    if (required) console.error(`${line} (AUDIT_REQUIRED=1: failing)`);
    else console.warn(`${line} (set AUDIT_REQUIRED=1 to fail on this)`);
  }
  return code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main());
