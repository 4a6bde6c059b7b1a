/**
 * `cloudrun-kit local` through the real launcher: usage errors, and what it says on a machine
 * without podman. (Its real run, podman and all, is a step of the container tier.)
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/cloudrun-kit.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'local-cmd-'));
const manifest = join(dir, 'service.yaml');
writeFileSync(
  manifest,
  `apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: svc}
spec: {template: {spec: {containers: [{image: svc, ports: [{containerPort: 8080}]}]}}}
`,
);

const scratch: string[] = [dir];
test.after.always(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function cli(
  args: string[],
  path = process.env['PATH']!,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'local', ...args],
      { env: { PATH: path }, cwd: dir },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

test('bad options are usage errors (exit 2) naming the problem', async (t) => {
  for (const [args, message] of [
    [['--port', 'http'], /--port must be a port number/],
    [['--port', '70000'], /--port must be a port number/],
    [['--base', 'alpine'], /--base must be local or official/],
    [['--bogus'], /Unknown option/],
  ] as const) {
    const r = await cli([...args]);
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
    t.regex(r.stderr, /Usage: cloudrun-kit local/);
  }
});

test('a missing or foreign manifest is refused with the reason', async (t) => {
  const missing = await cli(['--manifest', join(dir, 'nope.yaml')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /nope\.yaml not found/);
  const foreign = join(dir, 'deployment.yaml');
  writeFileSync(foreign, 'apiVersion: apps/v1\nkind: Deployment\n');
  const wrong = await cli(['--manifest', foreign]);
  t.is(wrong.code, 1);
  t.regex(wrong.stderr, /expected a serving\.knative\.dev\/v1 Service/);
});

test('without podman it says how to install it, and offers --no-container (exit 69)', async (t) => {
  // A PATH holding node and nothing else: no podman to be found.
  const onlyNode = mkdtempSync(join(tmpdir(), 'only-node-'));
  scratch.push(onlyNode);
  symlinkSync(process.execPath, join(onlyNode, 'node'));
  const r = await cli(['--manifest', manifest, '--check'], onlyNode);
  t.is(r.code, 69, r.stderr);
  t.regex(r.stderr, /podman is not installed/);
  t.regex(r.stderr, /apt-get install -y podman/);
  t.regex(r.stderr, /--no-container/);
});

test('--help prints the usage', async (t) => {
  const r = await cli(['--help']);
  t.is(r.code, 0);
  t.regex(r.stdout, /--no-container/);
  t.regex(r.stdout, /startup probe/);
});
