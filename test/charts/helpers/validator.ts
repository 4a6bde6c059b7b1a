/** The validator (validator/, another issue) as the chart tests use it. */
import { validateManifest, validateYamlText } from '../../../validator/index.ts';

export const validator = { validateManifest, validateYamlText };
