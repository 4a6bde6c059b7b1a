/** The Cloud Build substitution reader: references, `$$` escapes, key format. */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import { applySubstitutions, substitutionRefs, USER_SUBSTITUTION_KEY } from './substitutions.ts';

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
const literal = fc.string({ maxLength: 8, unit: fc.constantFrom(...'ab -/:.{}()"\'') });

type Piece =
  | { kind: 'lit'; text: string }
  | { kind: 'escape' }
  | { kind: 'ref'; name: string; braces: boolean };
const piece: fc.Arbitrary<Piece> = fc.oneof(
  literal.map((text) => ({ kind: 'lit' as const, text })),
  fc.constant({ kind: 'escape' as const }),
  fc.record({ kind: fc.constant('ref' as const), name: ident, braces: fc.boolean() }),
  // `$$` followed by what would otherwise be a reference: a shell variable, not a substitution.
  ident.map((name) => ({ kind: 'lit' as const, text: `$$${name}` })),
);

function render(pieces: Piece[]): { text: string; refs: string[] } {
  let text = '';
  const refs: string[] = [];
  for (const p of pieces) {
    if (p.kind === 'lit') text += p.text;
    else if (p.kind === 'escape') text += '$$';
    else {
      refs.push(p.name);
      // Unbraced names end at the next non-name character: add one so they cannot run on.
      text += p.braces ? `\${${p.name}}` : `$${p.name}/`;
    }
  }
  return { text, refs };
}

testProp(
  'finds exactly the references, in order, whatever surrounds them',
  [fc.array(piece, { maxLength: 10 })],
  (t, pieces) => {
    const { text, refs } = render(pieces);
    t.deepEqual(
      substitutionRefs(text).map((r) => r.name),
      refs,
    );
  },
);

test('escapes and lone dollars are not references', (t) => {
  t.deepEqual(substitutionRefs('$$image "$${HOME}" cost $5 ${} ${1x} $'), []);
  t.deepEqual(
    substitutionRefs('--default-repo=${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}').map(
      (r) => r.name,
    ),
    ['_REGION', 'PROJECT_ID', '_REPOSITORY'],
  );
  t.deepEqual(
    substitutionRefs('case "$image" in').map((r) => r.name),
    ['image'],
    'a shell variable written without $$ is a (bad) reference',
  );
});

testProp(
  'user substitution keys: underscore, then capitals, digits, underscores',
  [fc.string({ maxLength: 10 })],
  (t, key) => {
    t.is(
      USER_SUBSTITUTION_KEY.test(key),
      key.length >= 2 && key[0] === '_' && /^[A-Z0-9_]+$/.test(key.slice(1)),
    );
  },
);

testProp(
  'applying substitutions: values in place of references, $$ becomes $',
  [fc.array(piece, { maxLength: 10 })],
  (t, pieces) => {
    const values = Object.fromEntries(
      pieces.flatMap((p) => (p.kind === 'ref' ? [[p.name, `<${p.name}>`]] : [])),
    );
    let expected = '';
    for (const p of pieces) {
      if (p.kind === 'lit') expected += p.text.replaceAll('$$', '$');
      else if (p.kind === 'escape') expected += '$';
      else expected += `<${p.name}>${p.braces ? '' : '/'}`;
    }
    t.is(applySubstitutions(render(pieces).text, values), expected);
  },
);

test('a reference without a value is an error', (t) => {
  t.throws(() => applySubstitutions('x ${_MISSING}', {}), { message: /_MISSING/ });
});
