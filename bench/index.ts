/**
 * `npm run bench`: measures the budgets of DESIGN.md on this machine, ours side by side with the
 * supervisors users would pick instead, in the same runs. `--json` prints one JSON object on
 * stdout; progress always goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../test/helpers/net.ts';
import { launch, type SupervisorName } from './anchors/launchers.ts';
import { GROUPS, parseArgs, USAGE, type BenchArgs, type Group } from './args.ts';
import { startAlone } from './figures/startup.ts';
import { DEFAULT_PROXY, proxyHop } from './figures/proxy.ts';
import {
  idleMemory,
  recoverAfterKill,
  startSupervised,
  stopUnderLoad,
  type Running,
} from './figures/supervised.ts';
import { manifestTexts, synthOnce, validatorThroughput } from './figures/toolkit.ts';
import { imageSizes } from './figures/image.ts';
import { seedDocument } from './lib/seed.ts';
import { liveTrees } from './lib/proc.ts';
import { missing, repoRoot, type Ports } from './lib/service.ts';
import { round } from './lib/stats.ts';
import {
  emptySeries,
  fail,
  record,
  toJson,
  toMarkdown,
  toText,
  type Collected,
  type Series,
} from './report.ts';

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function ports(): Promise<Ports> {
  const port = await freePort();
  let backendPort = await freePort();
  while (backendPort === port) backendPort = await freePort();
  return { port, backendPort };
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gb: round(os.totalmem() / 1024 ** 3),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    load_average_start: os.loadavg().map(round),
    date: new Date().toISOString(),
  };
}

function build(): void {
  log('npm run build (skip with --no-build)');
  const result = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] });
  if (result.status !== 0)
    log(`npm run build exited ${result.status}: measuring whatever is built`);
}

/** Backend and frontend alone: the baseline of the ratios. */
async function runAlone(ours: Series, run: number, dir: string): Promise<void> {
  const why = missing('backend') ?? missing('frontend');
  if (why)
    return fail(
      ours,
      ['backend_alone_ms', 'frontend_alone_ms', 'ready_ratio', 'recover_ratio'],
      why,
    );
  try {
    const r = await startAlone(await ports(), dir);
    record(ours, 'backend_alone_ms', run, r.backendMs);
    record(ours, 'frontend_alone_ms', run, r.frontendMs);
    log(
      `run ${run + 1}: backend alone ${round(r.backendMs)} ms, frontend alone ${round(r.frontendMs)} ms`,
    );
  } catch (error) {
    fail(
      ours,
      ['backend_alone_ms', 'frontend_alone_ms', 'ready_ratio', 'recover_ratio'],
      message(error),
    );
    log(`run ${run + 1}: alone failed: ${message(error)}`);
  }
}

/** Ready, memory, recover, stop: the figures every supervisor gets. */
async function runSupervised(
  name: SupervisorName,
  series: Series,
  run: number,
  dir: string,
  details: Record<string, unknown[]>,
  withProxy: boolean,
  args: BenchArgs,
): Promise<void> {
  const p = await ports();
  const scratch = path.join(dir, name);
  mkdirSync(scratch, { recursive: true });
  let running: Running;
  try {
    running = await startSupervised(launch(name, { ports: p, dir: scratch }), p, scratch);
  } catch (error) {
    const keys = ['ready_ms', 'rss_idle_mb', 'recover_ms', 'stop_failed_requests', 'stop_ms'];
    if (withProxy)
      keys.push(
        'ready_ratio',
        'recover_ratio',
        'rss_load_mb',
        'proxy_throughput_ratio',
        'proxy_p99_added_ms',
      );
    fail(series, keys, `start failed: ${message(error)}`);
    log(`run ${run + 1}: ${name}: start failed: ${message(error)}`);
    return;
  }
  const step = async (keys: string[], what: string, body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      fail(series, keys, `${what}: ${message(error)}`);
      log(`run ${run + 1}: ${name}: ${what} failed: ${message(error)}`);
    }
  };
  try {
    record(series, 'ready_ms', run, running.readyMs);
    const { backend, frontend } = running.seenMs;
    (details[`ready_${name.replace(/-/g, '_')}`] ??= []).push({
      run: run + 1,
      ready_ms: round(running.readyMs),
      backend_spawned_at_ms: backend === undefined ? null : round(backend),
      frontend_spawned_at_ms: frontend === undefined ? null : round(frontend),
      top_process_cpu_ms_before_backend: running.bootCpuMs ?? null,
    });
    const docPaths = await seedDocument(p.backendPort);
    await step(['rss_idle_mb'], 'idle memory', async () => {
      const m = await idleMemory(running);
      record(series, 'rss_idle_mb', run, m.rssMb);
      (details[`memory_idle_${name.replace(/-/g, '_')}`] ??= []).push({
        run: run + 1,
        rss_mb: round(m.rssMb),
        pss_mb: round(m.pssMb),
        by_process: Object.fromEntries(
          Object.entries(m.byProcess).map(([k, v]) => [
            k,
            { rss_mb: round(v.rss), pss_mb: round(v.pss) },
          ]),
        ),
      });
    });
    if (withProxy) {
      await step(
        ['proxy_throughput_ratio', 'proxy_p99_added_ms', 'rss_load_mb'],
        'proxy',
        async () => {
          const r = await proxyHop(running, p, {
            ...DEFAULT_PROXY,
            path: docPaths?.[0] ?? DEFAULT_PROXY.path,
            durationS: args.loadSeconds,
          });
          record(series, 'proxy_throughput_ratio', run, r.throughputRatio);
          record(series, 'proxy_p99_added_ms', run, r.p99AddedMs);
          record(series, 'rss_load_mb', run, r.rssLoadMb);
          const summary = (l: typeof r.direct) => ({
            rps: round(l.rps),
            p50_ms: round(l.p50Ms),
            p99_ms: round(l.p99Ms),
          });
          (details.proxy ??= []).push({
            run: run + 1,
            path: docPaths?.[0] ? '/api/knowledge/:id' : DEFAULT_PROXY.path,
            saturation: { direct: summary(r.direct), through: summary(r.through) },
            fixed_rate: {
              rate: DEFAULT_PROXY.rate,
              direct: summary(r.directFixed),
              through: summary(r.throughFixed),
            },
            cpu_ms_per_1000_requests: {
              direct: Object.fromEntries(
                Object.entries(r.cpuPerThousand.direct).map(([k, v]) => [k, round(v)]),
              ),
              through: Object.fromEntries(
                Object.entries(r.cpuPerThousand.through).map(([k, v]) => [k, round(v)]),
              ),
            },
          });
          log(
            `run ${run + 1}: ${name}: proxy ${round(r.through.rps)}/${round(r.direct.rps)} rps = ${round(r.throughputRatio)}, ` +
              `p99 +${round(r.p99AddedMs)} ms at ${DEFAULT_PROXY.rate}/s, RSS under load ${round(r.rssLoadMb)} MB`,
          );
        },
      );
    }
    await step(['recover_ms', 'recover_ratio'], 'recover', async () => {
      record(series, 'recover_ms', run, await recoverAfterKill(running, p));
    });
    await new Promise((r) => setTimeout(r, 1000));
    await step(['stop_failed_requests', 'stop_ms'], 'stop', async () => {
      const r = await stopUnderLoad(running, p, docPaths ?? ['/api/knowledge?limit=5']);
      record(series, 'stop_failed_requests', run, r.failed);
      record(series, 'stop_ms', run, r.stopMs);
      if (r.stopMs === undefined) {
        fail(series, ['stop_ms'], "did not exit within Cloud Run's 10 s after SIGTERM: SIGKILLed");
      }
      (details[`stop_${name.replace(/-/g, '_')}`] ??= []).push({
        run: run + 1,
        sent_before_signal: r.sentBefore,
        failed: r.failed,
        outcomes: r.outcomes,
        exit_code: r.exitCode,
        left_running_at_exit: r.leftRunning,
      });
    });
    const v = (k: string) => round(series.values[k]?.[run] ?? NaN);
    log(
      `run ${run + 1}: ${name}: ready ${v('ready_ms')} ms, idle ${v('rss_idle_mb')} MB, recover ${v('recover_ms')} ms, ` +
        `stop ${v('stop_ms')} ms with ${v('stop_failed_requests')} failed`,
    );
  } finally {
    running.tree.signal('SIGTERM');
    await running.tree.followUntilExit(12_000);
    running.tree.killAll();
  }
}

/** The figures each group of `--only` produces. */
const GROUP_KEYS: Record<Group, string[]> = {
  alone: ['backend_alone_ms', 'frontend_alone_ms', 'ready_ratio', 'recover_ratio'],
  ours: [
    'ready_ms',
    'ready_ratio',
    'recover_ms',
    'recover_ratio',
    'proxy_throughput_ratio',
    'proxy_p99_added_ms',
    'rss_idle_mb',
    'rss_load_mb',
    'stop_failed_requests',
    'stop_ms',
  ],
  anchors: [],
  synth: ['synth_ms'],
  validate: ['validate_per_s'],
  image: ['image_mb', 'app_layer_mb'],
};

/** Ratios are taken inside each run, then summarised. */
function derive(ours: Series, runs: number): void {
  const v = (key: string, run: number) => ours.values[key]?.[run];
  for (let run = 0; run < runs; run++) {
    const ready = v('ready_ms', run);
    const backend = v('backend_alone_ms', run);
    const frontend = v('frontend_alone_ms', run);
    const recover = v('recover_ms', run);
    if (ready !== undefined && backend !== undefined && frontend !== undefined) {
      record(ours, 'ready_ratio', run, ready / (backend + frontend));
    }
    if (recover !== undefined && backend !== undefined)
      record(ours, 'recover_ratio', run, recover / backend);
  }
}

async function main(args: BenchArgs): Promise<Collected> {
  const ours = emptySeries();
  const anchors: Record<string, Series> = {};
  const details: Record<string, unknown[]> = {};
  const info = machine();
  for (const [group, keys] of Object.entries(GROUP_KEYS)) {
    if (!args.only.has(group as Group))
      fail(ours, keys, `skipped (--only ${[...args.only].join(',')})`);
  }
  if (!args.noBuild) build();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elevendops-bench-'));
  log(`scratch ${dir}; ${args.runs} run(s)`);
  try {
    for (let run = 0; run < args.runs; run++) {
      const runDir = path.join(dir, `run-${run + 1}`);
      mkdirSync(runDir, { recursive: true });
      if (args.only.has('alone')) await runAlone(ours, run, runDir);
      if (args.only.has('ours')) {
        const why = missing('supervisor') ?? missing('backend') ?? missing('frontend');
        if (why)
          fail(
            ours,
            [
              'ready_ms',
              'ready_ratio',
              'recover_ms',
              'recover_ratio',
              'proxy_throughput_ratio',
              'proxy_p99_added_ms',
              'rss_idle_mb',
              'rss_load_mb',
              'stop_failed_requests',
              'stop_ms',
            ],
            why,
          );
        else await runSupervised('ours', ours, run, runDir, details, true, args);
      }
      if (args.only.has('anchors')) {
        for (const name of args.anchors) {
          const series = (anchors[name] ??= emptySeries());
          const why = missing('backend') ?? missing('frontend');
          if (why)
            fail(
              series,
              ['ready_ms', 'rss_idle_mb', 'recover_ms', 'stop_failed_requests', 'stop_ms'],
              why,
            );
          else await runSupervised(name, series, run, runDir, details, false, args);
        }
      }
    }
    derive(ours, args.runs);
    if (args.only.has('synth')) {
      const cpuMs: (number | null)[] = [];
      for (let run = 0; run < args.runs; run++) {
        try {
          const r = await synthOnce(dir);
          record(ours, 'synth_ms', run, r.wallMs);
          cpuMs.push(r.cpuMs === undefined ? null : round(r.cpuMs));
        } catch (error) {
          fail(ours, ['synth_ms'], message(error));
          break;
        }
      }
      details.synth = [{ cpu_ms: cpuMs }];
      log(
        `synth: ${JSON.stringify(ours.values.synth_ms?.map((x) => round(x ?? NaN)) ?? ours.reasons.synth_ms)} ms, CPU ${JSON.stringify(cpuMs)} ms`,
      );
    }
    if (args.only.has('validate')) {
      try {
        const texts = manifestTexts();
        const perCpuS: number[] = [];
        for (let run = 0; run < args.runs; run++) {
          const r = await validatorThroughput(texts);
          record(ours, 'validate_per_s', run, r.perS);
          perCpuS.push(round(r.perCpuS));
        }
        details.validate = [{ files: texts.length, per_cpu_second: perCpuS }];
      } catch (error) {
        fail(ours, ['validate_per_s'], message(error));
      }
      log(
        `validate: ${JSON.stringify(ours.values.validate_per_s?.map((x) => round(x ?? NaN)) ?? ours.reasons.validate_per_s)}`,
      );
    }
    if (args.only.has('image')) {
      try {
        const sizes = await imageSizes(log);
        record(ours, 'image_mb', 0, sizes.imageMb);
        record(ours, 'app_layer_mb', 0, sizes.appLayerMb);
        details.image = [sizes.detail];
      } catch (error) {
        fail(ours, ['image_mb', 'app_layer_mb'], message(error));
        log(`image: ${message(error)}`);
      }
    }
  } finally {
    for (const tree of liveTrees) tree.killAll();
    if (args.keep) log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
  info.load_average_end = os.loadavg().map(round);
  return { runs: args.runs, ours, anchors, details, machine: info };
}

let args: BenchArgs;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${message(error)}\n${USAGE}\n`);
  process.exit(2);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const tree of liveTrees) tree.killAll();
    process.exit(130);
  });
}
const collected = await main(args);
// A full run's figures are also kept (git-ignored), so a text or Markdown run can be re-read as JSON.
if (args.only.size === GROUPS.length) {
  const resultsDir = path.join(repoRoot, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    path.join(resultsDir, 'latest.json'),
    `${JSON.stringify(toJson(collected), null, 2)}\n`,
  );
}
process.stdout.write(
  args.json
    ? `${JSON.stringify(toJson(collected), null, 2)}\n`
    : args.markdown
      ? toMarkdown(collected)
      : toText(collected),
);
