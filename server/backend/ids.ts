/** Document ids: 20 random characters of [A-Za-z0-9] (119 bits), like Firestore's auto ids. */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const ID_PATTERN = /^[A-Za-z0-9]{20}$/;

export function newId(): string {
  let id = '';
  while (id.length < 20) {
    for (const byte of randomBytes(32)) {
      // 248 = 4 × 62: rejecting the rest keeps every character equally likely.
      if (byte < 248 && id.length < 20) id += ALPHABET[byte % 62];
    }
  }
  return id;
}

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}
