/** Multi-document YAML text to findings. Broken YAML becomes a finding; nothing here throws. */
import { isScalar, parseAllDocuments } from 'yaml';
import { runRules } from './engine.ts';
import type { Rule } from './rule.ts';
import type { Finding, Target } from './types.ts';

export const YAML_SYNTAX: Rule = {
  id: 'yaml/syntax',
  severity: 'error',
  summary: 'the file is valid YAML (duplicate keys included)',
  allowed: 'YAML 1.2 documents separated by ---',
  source: 'YAML 1.2; gcloud and kubectl refuse unparsable files',
};
export const YAML_EMPTY: Rule = {
  id: 'yaml/empty',
  severity: 'error',
  summary: 'the file holds at least one document',
  allowed: 'one or more Service documents',
  source: 'gcloud run services replace needs a Service document',
};

/** Bounds alias expansion ("billion laughs"); real manifests use no aliases at all. */
const PARSE_OPTIONS = { maxAliasCount: 100, prettyErrors: false, uniqueKeys: true } as const;

function finding(rule: Rule, path: string, message: string): Finding {
  return {
    rule: rule.id,
    severity: 'error',
    path,
    message: `${message}. Allowed: ${rule.allowed as string}. Source: ${rule.source as string}.`,
  };
}

/** Prefix for findings of the n-th document when a file holds several. */
export function documentPrefix(index: number, path: string): string {
  const prefix = `documents[${index}]`;
  return path === '' ? prefix : path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

export function validateText(text: string, target: Target): Finding[] {
  try {
    const docs = parseAllDocuments(text, PARSE_OPTIONS);
    const list = Array.isArray(docs) ? docs : [docs];
    // An empty document (a trailing ---, a comment-only file) is no Service and no mistake either.
    const meaningful = list.filter(
      (d) =>
        d.errors.length > 0 ||
        !(d.contents === null || (isScalar(d.contents) && d.contents.value === null)),
    );
    if (meaningful.length === 0)
      return [finding(YAML_EMPTY, '', 'the file contains no YAML document')];
    const several = meaningful.length > 1;
    const out: Finding[] = [];
    meaningful.forEach((doc, index) => {
      const prefix = (path: string) => (several ? documentPrefix(index, path) : path);
      if (doc.errors.length > 0) {
        for (const error of doc.errors.slice(0, 5)) {
          const where = error.linePos?.[0]
            ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
            : '';
          out.push(
            finding(YAML_SYNTAX, prefix(''), `YAML error${where}: ${error.message.split('\n')[0]}`),
          );
        }
        return;
      }
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: PARSE_OPTIONS.maxAliasCount });
      } catch (error) {
        out.push(
          finding(
            YAML_SYNTAX,
            prefix(''),
            `YAML error: ${error instanceof Error ? error.message : String(error)}`,
          ),
        );
        return;
      }
      for (const f of runRules(value, target)) out.push({ ...f, path: prefix(f.path) });
    });
    return out;
  } catch (error) {
    // The parser itself failed (e.g. nesting deep enough to exhaust the stack): still a finding.
    return [
      finding(
        YAML_SYNTAX,
        '',
        `the YAML could not be parsed: ${error instanceof Error ? error.message : String(error)}`,
      ),
    ];
  }
}
