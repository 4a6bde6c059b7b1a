/** docs/validator.md lists every rule of the catalogue and every Cloud Run annotation we know. */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { ALL_RULES } from '../../validator/index.ts';
import { CLOUD_RUN_ANNOTATIONS } from '../../validator/rules/annotations.ts';

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
