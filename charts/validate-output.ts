/**
 * The one place synth calls the validator (validator/, the validator issue). Kept to one small
 * function so the charts depend on its public API only: `validateYamlText(text, { target })`.
 */
import { existsSync } from 'node:fs';
import type { Target } from './cloudrun-service-props.ts';

export interface Finding {
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly path: string;
  readonly message: string;
}

type ValidateYamlText = (text: string, opts: { target: Target }) => Finding[];

const VALIDATOR = new URL('../validator/index.ts', import.meta.url);

/** Findings for one synthesized file; undefined while the validator is not in the tree yet. */
export async function validateSynthesized(
  text: string,
  target: Target,
): Promise<readonly Finding[] | undefined> {
  if (!existsSync(VALIDATOR)) return undefined;
  const { validateYamlText } = (await import(VALIDATOR.href)) as {
    validateYamlText: ValidateYamlText;
  };
  return validateYamlText(text, { target });
}
