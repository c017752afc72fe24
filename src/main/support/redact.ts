/**
 * Last line of defence before data leaves main for the renderer (or a diagnostics bundle): any
 * value under a key that names a credential is replaced, at any depth. The engine does not log
 * secrets on purpose; this keeps a future slip from reaching a screen or a support ticket.
 */

/** Keys whose values are never shown: tokens, secrets, passwords, keys, signatures, cookies. */
export const SECRET_KEY = /token|secret|passw(or)?d|credential|access[-_]?key|private[-_]?key|authori[sz]ation|signature|cookie|api[-_]?key/i;

export const REDACTED = '[redacted]';

/**
 * A deep copy of `value` with every secret-named key's value replaced by `[redacted]` (for a
 * diagnostics bundle: support sees that something was there), or with the key left out entirely
 * (`omit`, for the renderer: not even the name of a credential crosses).
 */
export function redactSecrets<T>(value: T, options: { omit?: boolean } = {}): T {
  return redact(value, new WeakSet(), options.omit ?? false) as T;
}

function redact(value: unknown, seen: WeakSet<object>, omit: boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return REDACTED;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, seen, omit));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!SECRET_KEY.test(key)) out[key] = redact(item, seen, omit);
    else if (!omit) out[key] = REDACTED;
  }
  return out;
}
