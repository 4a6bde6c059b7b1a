/** `cloudrun-kit validate` through the real launcher (bin/cloudrun-kit.js), as a user runs it. */
import test from 'ava';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ANN, base, C0, set } from './helpers.ts';

const bin = new URL('../../bin/cloudrun-kit.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'validate-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = file('good.yaml', stringify(base()));
const tooMuchMemory = file(
  'memory.yaml',
  stringify(set(base(), `${C0}.resources.limits`, { cpu: '1', memory: '8Gi' })),
);
const multi = file(
  'multi.yaml',
  `${stringify(base())}---\n${stringify(set(base(), `${ANN}[autoscaling.knative.dev/maxScale]`, 5))}`,
);
const broken = file('broken.yaml', 'apiVersion: serving.knative.dev/v1\nkind: [Service\n');
const emailAccount = file(
  'sa.yaml',
  stringify(set(base(), 'spec.template.spec.serviceAccountName', 'run@p.iam.gserviceaccount.com')),
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env['PATH']! }, cwd: dir },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end(input ?? '');
  });
}

test('a valid manifest: exit 0, OK in the text report, no colour when not a terminal', async (t) => {
  const r = await run(['validate', good]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /good\.yaml: OK/);
  t.regex(r.stdout, /1 file checked against Cloud Run rules: 0 errors, 0 warnings/);
  t.false(r.stdout.includes('\u001b['));
});

test('memory too large for the CPU: exit 1, JSON with the field path and the reason', async (t) => {
  const r = await run(['validate', '--format', 'json', tooMuchMemory]);
  t.is(r.code, 1);
  const body = JSON.parse(r.stdout) as {
    files: { file: string; findings: Record<string, string>[] }[];
  };
  t.deepEqual(Object.keys(body), ['files']);
  t.is(body.files[0]!.file, tooMuchMemory);
  const finding = body.files[0]!.findings.find((f) => f['rule'] === 'resources/memory-for-cpu')!;
  t.deepEqual(Object.keys(finding), ['rule', 'severity', 'path', 'message']);
  t.is(finding['severity'], 'error');
  t.is(finding['path'], 'spec.template.spec.containers[0].resources.limits.memory');
  t.regex(finding['message']!, /for 1 vCPU, memory must be between 128 MiB and 4 GiB/);
});

test('text report groups findings per file and prints the path and the rule', async (t) => {
  const r = await run(['validate', good, tooMuchMemory]);
  t.is(r.code, 1);
  const goodAt = r.stdout.indexOf('good.yaml: OK');
  const badAt = r.stdout.indexOf('memory.yaml: 1 error');
  t.true(goodAt >= 0 && badAt > goodAt, r.stdout);
  t.regex(
    r.stdout,
    /error\s+spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory\s+resources\/memory-for-cpu/,
  );
  t.regex(r.stdout, /2 files checked against Cloud Run rules: 1 error/);
});

test('multi-document files: findings name the document', async (t) => {
  const r = await run(['validate', '--format', 'json', multi]);
  t.is(r.code, 1);
  const findings = (
    JSON.parse(r.stdout) as { files: { findings: { path: string; rule: string }[] }[] }
  ).files[0]!.findings;
  t.deepEqual(
    findings.map((f) => [f.rule, f.path]),
    [
      [
        'shape/string-map-value',
        'documents[1].spec.template.metadata.annotations[autoscaling.knative.dev/maxScale]',
      ],
    ],
  );
});

test('unparsable YAML and missing files are errors (exit 1), not crashes', async (t) => {
  const r = await run(['validate', '--format', 'json', broken, join(dir, 'missing.yaml')]);
  t.is(r.code, 1);
  const files = (JSON.parse(r.stdout) as { files: { findings: { rule: string }[] }[] }).files;
  t.is(files[0]!.findings[0]!.rule, 'yaml/syntax');
  t.is(files[1]!.findings[0]!.rule, 'file/read');
  t.is(r.stderr, '');
});

test('--target knative applies Knative rules: a service-account email is rejected', async (t) => {
  t.is((await run(['validate', emailAccount])).code, 0);
  const r = await run(['validate', '--target', 'knative', emailAccount]);
  t.is(r.code, 1);
  t.regex(r.stdout, /spec\.template\.spec\.serviceAccountName\s+revision\/service-account/);
  t.regex(r.stdout, /against Knative rules/);
});

test('- reads standard input', async (t) => {
  const r = await run(
    ['validate', '--format', 'json', '-'],
    stringify(set(base(), `${C0}.ports[0].name`, 'http')),
  );
  t.is(r.code, 1);
  t.regex(r.stdout, /"path":"spec\.template\.spec\.containers\[0\]\.ports\[0\]\.name"/);
});

test('usage errors exit 2 with the usage text', async (t) => {
  for (const args of [
    ['validate'],
    ['validate', '--target', 'gke', good],
    ['validate', '--format', 'xml', good],
    ['validate', '--bogus', good],
  ]) {
    const r = await run(args);
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, /Usage: cloudrun-kit validate/);
    t.is(r.stdout, '');
  }
  const help = await run(['validate', '--help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /Exit status: 0 no errors/);
});

test('colour only on a terminal', (t) => {
  // util-linux `script` gives the child a pseudo-terminal.
  if (spawnSync('script', ['--version']).status !== 0) {
    t.log('skipped: `script` (util-linux) not installed');
    t.pass();
    return;
  }
  const command = [process.execPath, bin, 'validate', tooMuchMemory].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH']!, TERM: 'xterm' },
  });
  t.is(r.status, 1, r.stderr);
  t.true(r.stdout.includes('\u001b[31m'), JSON.stringify(r.stdout.slice(0, 200)));
  const plain = spawnSync('script', ['-qec', command, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH']!, NO_COLOR: '1' },
  });
  t.false(plain.stdout.includes('\u001b['));
});
