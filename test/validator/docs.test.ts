/**
 * docs/validator.md lists every rule of the catalogue and every Cloud Run annotation we know, and
 * its example shows what the CLI really prints.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_RULES } from '../../validator/index.ts';
import { CLOUD_RUN_ANNOTATIONS } from '../../validator/rules/annotations.ts';

const bin = new URL('../../bin/cloudrun-kit.js', import.meta.url).pathname;
const docs = readFileSync(new URL('../../docs/validator.md', import.meta.url), 'utf8');

test('every rule id appears in docs/validator.md', (t) => {
  t.deepEqual(
    ALL_RULES.map((r) => r.id).filter((id) => !docs.includes(`\`${id}\``)),
    [],
  );
});

test('every known Cloud Run annotation appears in docs/validator.md', (t) => {
  t.deepEqual(
    Object.keys(CLOUD_RUN_ANNOTATIONS).filter((key) => !docs.includes(`\`${key}\``)),
    [],
  );
});

test('the example in docs/validator.md is the real output of cloudrun-kit validate', (t) => {
  const manifest = /```yaml\n([\s\S]*?)```/.exec(docs)![1]!;
  const session = /```console\n([\s\S]*?)```/.exec(docs)![1]!;
  const [command, ...rest] = session.split('\n');
  t.is(command, '$ npx cloudrun-kit validate service.yaml');
  const expected = `${rest.slice(0, rest.indexOf('$ echo $?')).join('\n')}\n`;
  const dir = mkdtempSync(join(tmpdir(), 'docs-example-'));
  writeFileSync(join(dir, 'service.yaml'), manifest);
  const r = spawnSync(process.execPath, [bin, 'validate', 'service.yaml'], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: process.env['PATH']! },
  });
  t.is(r.stdout, expected);
  t.is(r.status, Number(rest[rest.indexOf('$ echo $?') + 1]));
});
