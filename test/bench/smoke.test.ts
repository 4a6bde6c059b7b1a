/**
 * `npm run bench -- --json` prints one JSON object with every figure key. Only the cheap,
 * side-effect-free group runs here (a benchmark is not a test: no timing is asserted).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FIGURE_KEYS } from '../../bench/report.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('--json prints one object with every figure, a number or null with a reason', async (t) => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import=tsx',
        'bench/index.ts',
        '--json',
        '--runs',
        '1',
        '--only',
        'validate',
        '--no-build',
      ],
      { cwd: root, maxBuffer: 10 * 1024 * 1024 },
      (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const json = JSON.parse(stdout) as Record<string, unknown>;
  const reasons = json.null_reasons as Record<string, string>;
  for (const key of FIGURE_KEYS) {
    t.true(key in json, `missing ${key}`);
    const v = json[key];
    if (v === null) t.is(typeof reasons[key], 'string', `${key} is null without a reason`);
    else t.is(typeof v, 'number', key);
  }
  t.is(typeof json.anchors, 'object');
  t.is(typeof json.machine, 'object');
});
