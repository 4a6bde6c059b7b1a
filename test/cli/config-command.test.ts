/** `cloudrun-kit config --check` through the real launcher, as a user runs it. */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/cloudrun-kit.js', import.meta.url).pathname;
const emptyDir = mkdtempSync(join(tmpdir(), 'cfg-'));

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env['PATH']!, ...env }, cwd: emptyDir },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        });
      },
    );
  });
}

test('valid environment: exit 0', async (t) => {
  const r = await run(['config', '--check'], {});
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /configuration OK/);
});

test('invalid environment: exit 78, every bad variable listed, no secret value printed', async (t) => {
  const r = await run(['config', '--check'], {
    APP_ENV: 'production',
    PORT: 'http',
    ELEVENLABS_API_KEY: 'sk-very-secret-value',
    USE_GCS_EMULATOR: 'true',
  });
  t.is(r.code, 78);
  for (const name of [
    'PORT',
    'USE_GCS_EMULATOR',
    'GOOGLE_API_KEY',
    'GOOGLE_CLOUD_PROJECT',
    'GCS_BUCKET_NAME',
  ])
    t.regex(r.stderr, new RegExp(name));
  t.false(`${r.stdout}${r.stderr}`.includes('sk-very-secret-value'));
});

test('--json prints the problems as data', async (t) => {
  const r = await run(['config', '--check', '--json'], { LOG_LEVEL: 'loud' });
  t.is(r.code, 78);
  const body = JSON.parse(r.stdout);
  t.false(body.ok);
  t.deepEqual(
    body.problems.map((p: { variable: string }) => p.variable),
    ['LOG_LEVEL'],
  );
});

test('usage errors exit 2; --help lists the commands', async (t) => {
  t.is((await run(['config'], {})).code, 2);
  t.is((await run(['config', '--bogus'], {})).code, 2);
  t.is((await run(['nope'], {})).code, 2);
  const help = await run(['--help'], {});
  t.is(help.code, 0);
  t.regex(help.stdout, /config/);
});
