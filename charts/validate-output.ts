/**
 * The one place synth calls the validator (validator/, the validator issue), through its public
 * API only: `validateYamlText(text, { target })`, one finding per problem, never a throw.
 */
import { validateYamlText, type Finding } from '../validator/index.ts';
import type { Target } from './cloudrun-service-props.ts';

export type { Finding };

/** Findings of the validator for one synthesized file. */
export function validateSynthesized(text: string, target: Target): readonly Finding[] {
  return validateYamlText(text, { target });
}
