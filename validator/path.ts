/** Field paths in the form Cloud Run's own error messages use: `spec.template.spec.containers[0].image`. */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `base` + one step: an array index, a field name, or a bracketed map key such as an annotation. */
export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (IDENTIFIER.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${key}]`;
}
