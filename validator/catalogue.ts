/** Every rule, by family, in the order the engine runs them (docs/validator.md lists the same). */
import type { Rule } from './rule.ts';
import { ANNOTATION_RULES } from './rules/annotations.ts';
import { ENV_RULES } from './rules/env.ts';
import { IMAGE_RULES } from './rules/image.ts';
import { NAME_RULES } from './rules/names.ts';
import { PORT_RULES } from './rules/ports.ts';
import { PROBE_RULES } from './rules/probes.ts';
import { RESOURCE_RULES } from './rules/resources.ts';
import { REVISION_RULES } from './rules/revision.ts';
import { SCALING_RULES } from './rules/scaling.ts';
import { SHAPE_RULES } from './rules/shape.ts';
import { TRAFFIC_RULES } from './rules/traffic.ts';
import { VOLUME_RULES } from './rules/volumes.ts';

export const RULES: readonly Rule[] = [
  ...SHAPE_RULES,
  ...NAME_RULES,
  ...ANNOTATION_RULES,
  ...SCALING_RULES,
  ...REVISION_RULES,
  ...IMAGE_RULES,
  ...RESOURCE_RULES,
  ...PORT_RULES,
  ...ENV_RULES,
  ...VOLUME_RULES,
  ...PROBE_RULES,
  ...TRAFFIC_RULES,
];
