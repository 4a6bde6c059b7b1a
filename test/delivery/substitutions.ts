/**
 * Cloud Build substitution references in a string, read the way Cloud Build reads them: `$NAME`
 * and `${NAME}` are references, `$$` is a literal `$` (so `$$x` is a shell variable left to bash).
 * Lower-case names count as references too: Cloud Build would try to substitute them, so a shell
 * variable written `$x` instead of `$$x` is reported as an undeclared substitution.
 */

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export interface SubstitutionRef {
  readonly name: string;
  /** Offset of the `$` in the input. */
  readonly at: number;
  /** Offset just past the reference. */
  readonly end: number;
}

export function substitutionRefs(text: string): SubstitutionRef[] {
  const refs: SubstitutionRef[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '$') {
      i++;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      i += 2;
      continue;
    }
    if (next === '{') {
      const close = text.indexOf('}', i + 2);
      const name = close === -1 ? '' : text.slice(i + 2, close);
      if (close !== -1 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        refs.push({ name, at: i, end: close + 1 });
        i = close + 1;
        continue;
      }
      i += 1;
      continue;
    }
    if (next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < text.length && NAME_CHAR.test(text[end]!)) end++;
      refs.push({ name: text.slice(i + 1, end), at: i, end });
      i = end;
      continue;
    }
    i += 1;
  }
  return refs;
}

/** Substitutions Cloud Build provides itself (https://cloud.google.com/build/docs/configuring-builds/substitute-variable-values). */
export const BUILT_IN_SUBSTITUTIONS: ReadonlySet<string> = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'BUILD_ID',
  'LOCATION',
  'TRIGGER_NAME',
  'COMMIT_SHA',
  'REVISION_ID',
  'SHORT_SHA',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
]);

/** User-defined substitution keys: gcloud rejects others ("does not respect format"). */
export const USER_SUBSTITUTION_KEY = /^_[A-Z0-9_]+$/;

/** Every string inside a parsed YAML value, depth first. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * What Cloud Build does to a string before a step sees it: each reference replaced by its value
 * (a missing one is an error here, as with MUST_MATCH), each `$$` by `$`.
 */
export function applySubstitutions(text: string, values: Readonly<Record<string, string>>): string {
  let out = '';
  let last = 0;
  const unescape = (s: string) => s.replaceAll('$$', '$');
  for (const ref of substitutionRefs(text)) {
    const value = values[ref.name];
    if (value === undefined) throw new Error(`substitution ${ref.name} has no value`);
    out += unescape(text.slice(last, ref.at)) + value;
    last = ref.end;
  }
  return out + unescape(text.slice(last));
}
