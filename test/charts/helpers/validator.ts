/**
 * The validator (validator/, another issue) as the tests use it: loaded when it is in the tree.
 */
import { existsSync } from 'node:fs';

interface Finding {
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

export interface ValidatorApi {
  validateManifest(doc: unknown, opts: { target: 'cloudrun' | 'knative' }): Finding[];
  validateYamlText(text: string, opts: { target: 'cloudrun' | 'knative' }): Finding[];
}

const INDEX = new URL('../../../validator/index.ts', import.meta.url);

export async function loadValidator(): Promise<ValidatorApi | undefined> {
  return existsSync(INDEX) ? ((await import(INDEX.href)) as ValidatorApi) : undefined;
}
