/**
 * The request schemas of the knowledge API as plain JSON Schema (docs/api.md shows the same
 * rules), compiled once with ajv. Validation reports every bad field with its JSON Pointer.
 * Strings are checked for control characters and well-formed Unicode (a lone UTF-16 surrogate
 * cannot be stored as UTF-8 by Firestore or written byte for byte to storage).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FieldProblem } from '../errors.ts';

/** A lone surrogate (JSON can carry one; UTF-8 cannot). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/** Printable, not blank: one non-space character, no C0 controls or DEL. */
const LABEL = '^(?=[\\s\\S]*\\S)[^\\u0000-\\u001f\\u007f]*$';

export const TITLE_MAX = 200;
export const DISEASE_MAX = 100;
export const TAG_MAX = 50;
export const TAGS_MAX = 20;

const label = (maxLength: number) =>
  ({ type: 'string', minLength: 1, maxLength, pattern: LABEL, wellFormed: true }) as const;

const fields = {
  title: label(TITLE_MAX),
  disease: { anyOf: [label(DISEASE_MAX), { type: 'null' }] },
  tags: { type: 'array', maxItems: TAGS_MAX, items: label(TAG_MAX) },
} as const;

export const CREATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'content'],
  properties: {
    ...fields,
    content: { type: 'string', minLength: 1, wellFormed: true },
    format: { enum: ['markdown', 'text'] },
  },
} as const;

/** The same fields as multipart form values (content arrives as the file part). */
export const CREATE_FORM_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title'],
  properties: fields,
} as const;

export const PATCH_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: fields,
} as const;

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addKeyword({
  keyword: 'wellFormed',
  type: 'string',
  schemaType: 'boolean',
  error: { message: 'must be well-formed Unicode (no lone surrogates)' },
  validate: (enabled: boolean, data: string) => !enabled || isWellFormed(data),
});

export interface CreateFields {
  readonly title: string;
  readonly disease?: string | null;
  readonly tags?: readonly string[];
}
export interface CreateBody extends CreateFields {
  readonly content: string;
  readonly format?: 'markdown' | 'text';
}
export type PatchBody = Partial<CreateFields>;

const validateCreate = ajv.compile<CreateBody>(CREATE_SCHEMA);
const validateForm = ajv.compile<CreateFields>(CREATE_FORM_SCHEMA);
const validatePatch = ajv.compile<PatchBody>(PATCH_SCHEMA);

function describe(error: ErrorObject): FieldProblem {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return {
      field: `${error.instancePath}/${String(params['additionalProperty'])}`,
      message: 'is not allowed',
    };
  if (error.keyword === 'required')
    return {
      field: `${error.instancePath}/${String(params['missingProperty'])}`,
      message: 'is required',
    };
  if (error.keyword === 'pattern')
    return {
      field: error.instancePath,
      message: 'must not be blank or contain control characters',
    };
  return { field: error.instancePath || '/', message: error.message ?? 'is invalid' };
}

/** One problem per field (ajv may report several for one `anyOf`). */
function problems(errors: readonly ErrorObject[] | null | undefined): FieldProblem[] {
  const byField = new Map<string, FieldProblem>();
  for (const error of errors ?? []) {
    if (error.keyword === 'anyOf') continue;
    const problem = describe(error);
    if (!byField.has(problem.field)) byField.set(problem.field, problem);
  }
  return [...byField.values()];
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: FieldProblem[] };

function check<T>(validate: ValidateFunction<T>, body: unknown): Checked<T> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, problems: [{ field: '/', message: 'must be a JSON object' }] };
  return validate(body)
    ? { ok: true, value: body }
    : { ok: false, problems: problems(validate.errors) };
}

export const checkCreate = (body: unknown) => check(validateCreate, body);
export const checkCreateForm = (body: unknown) => check(validateForm, body);
export const checkPatch = (body: unknown) => check(validatePatch, body);

/** Trimmed tags in first-seen order, duplicates dropped. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim()))];
}

export function normalizeDisease(disease: string | null | undefined): string | null {
  return typeof disease === 'string' ? disease.trim() : null;
}
