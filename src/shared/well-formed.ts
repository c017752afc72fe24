/**
 * Well-formed Unicode: a JavaScript string is UTF-16 and may hold a lone surrogate (U+D800–U+DFFF
 * without its partner), which JSON lets anyone send as `"\ud800"`. Such a string has no UTF-8
 * form: DynamoDB refuses it, `encodeURIComponent` throws on it, and a log or an S3 header mangles
 * it. These stand in for ES2024's String.prototype.isWellFormed / toWellFormed (the project's lib
 * is ES2023).
 */

/** What a refusal says. */
export const NOT_WELL_FORMED = 'must be well-formed Unicode (no lone surrogate, U+D800–U+DFFF)';

// With the `u` flag a surrogate pair is one code point, so only a lone surrogate is \p{Cs}.
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

/** True when `s` holds no lone surrogate. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** `s` with every lone surrogate replaced by U+FFFD (as toWellFormed does). */
export function toWellFormed(s: string): string {
  return isWellFormed(s) ? s : s.replace(LONE_SURROGATES, '\uFFFD');
}

/** The path of the first string (value or key) in `value` that is not well-formed, or null. */
export function findIllFormedString(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isWellFormed(value) ? null : path || '(the value)';
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findIllFormedString(value[i], `${path}[${i}]`);
      if (found !== null) return found;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value)) {
    const here = path ? `${path}.${toWellFormed(key)}` : toWellFormed(key);
    if (!isWellFormed(key)) return here;
    const found = findIllFormedString(v, here);
    if (found !== null) return found;
  }
  return null;
}
