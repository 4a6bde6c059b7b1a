/**
 * Lenient readers for parsed YAML. The shape rules report wrong types; the semantic rules read
 * values through these helpers and simply skip a value of the wrong type, so that one mistake is
 * reported once.
 */
import type { Target } from './types.ts';

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function record(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const INTEGER_STRING = /^[+-]?\d{1,15}$/;

/**
 * An integer field's value. Cloud Run (gcloud's proto-JSON parser) accepts integers written as
 * strings ('8080'); Kubernetes' decoder does not.
 */
export function int(value: unknown, target: Target): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (target === 'cloudrun' && typeof value === 'string' && INTEGER_STRING.test(value.trim()))
    return Number(value.trim());
  return undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Describes a value's type for messages: `a number (80)`, `a list`, ... */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(truncate(value))}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

export function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `"x"` for messages, shortened. */
export function quote(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(truncate(value)) : String(value);
}
