/**
 * Every rule: at least one manifest that breaks it and one that sits exactly on its boundary and
 * passes (no finding of that rule, and no error at all). A last test checks that the table covers
 * every rule in the catalogue, so a new rule cannot ship without its two cases.
 */
import test from 'ava';
import { ALL_RULES, validateYamlText } from '../../validator/index.ts';
import { pick } from '../../validator/rule.ts';
import { CASES } from './cases.ts';
import { base, check, errors } from './helpers.ts';

for (const c of CASES)
  for (const target of c.targets) {
    test(`${c.rule} [${target}] ${c.why}`, (t) => {
      const bad = check(c.breaks(base()), target);
      const hit = bad.filter((f) => f.rule === c.rule);
      t.true(hit.length > 0, `expected ${c.rule}; got ${JSON.stringify(bad, null, 1)}`);
      if (c.path)
        t.true(
          hit.some((f) => f.path === c.path),
          `paths: ${hit.map((f) => f.path).join(', ')}`,
        );
      for (const f of hit) t.regex(f.message, /Allowed: .+ Source: .+/);
      const good = check(c.passes(base()), target);
      t.deepEqual(
        good.filter((f) => f.rule === c.rule),
        [],
        'the boundary case passes this rule',
      );
      t.deepEqual(errors(good), [], 'the boundary case has no error at all');
    });
  }

test('yaml/syntax and yaml/empty: broken and empty YAML are findings, valid YAML is not', (t) => {
  for (const target of ['cloudrun', 'knative'] as const) {
    t.is(validateYamlText('a: [', { target })[0]?.rule, 'yaml/syntax');
    t.is(validateYamlText('a: 1\na: 2\n', { target })[0]?.rule, 'yaml/syntax', 'duplicate keys');
    t.is(validateYamlText('# nothing\n---\n', { target })[0]?.rule, 'yaml/empty');
    t.deepEqual(errors(validateYamlText(JSON.stringify(base()), { target })), []);
  }
});

test('every rule in the catalogue has a breaking and a passing case for each target it applies to', (t) => {
  const covered = new Set(CASES.flatMap((c) => c.targets.map((target) => `${c.rule}@${target}`)));
  covered
    .add('yaml/syntax@cloudrun')
    .add('yaml/syntax@knative')
    .add('yaml/empty@cloudrun')
    .add('yaml/empty@knative');
  const missing = ALL_RULES.flatMap((rule) =>
    (rule.targets ?? ['cloudrun', 'knative'])
      .map((target) => `${rule.id}@${target}`)
      .filter((k) => !covered.has(k)),
  );
  t.deepEqual(missing, []);
  for (const rule of ALL_RULES)
    for (const target of ['cloudrun', 'knative'] as const) t.truthy(pick(rule.source, target));
});
