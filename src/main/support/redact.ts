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

// ---------------------------------------------------------------------------------------------
// Secrets inside text (for the diagnostics bundle): key names catch `{ sessionToken: … }`, but a
// secret can also sit inside a message, a URL, a file name or a settings value. These patterns
// find the shapes credentials take; `known` values (from the environment, a saved sign-in) are
// removed wherever they appear, whatever their shape.

/** Names of query parameters and assignments whose value is a credential (X-Amz-Signature, token=…). */
const SECRET_NAME = `[A-Za-z0-9_.-]*(?:token|secret|passw(?:or)?d|credential|access[-_]?key|private[-_]?key|api[-_]?key|signature|cookie)[A-Za-z0-9_.-]*`;

/** Pattern, and what its match becomes. Order matters: the most specific shapes go first. */
const TEXT_RULES: ReadonlyArray<readonly [RegExp, string | ((match: string) => string)]> = [
  // PEM private keys, whole.
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, REDACTED],
  // User and password in a URL (proxy URLs: http://user:pass@proxy:3128).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]+@/gi, `$1${REDACTED}@`],
  // Authorization / Proxy-Authorization header values, to the end of the value.
  [/\b((?:proxy-)?authori[sz]ation["']?\s*[:=]\s*["']?)[^"'\r\n]+/gi, `$1${REDACTED}`],
  // Bearer and Basic credentials wherever they appear (a token of 8+ characters; "Basic" only
  // before base64, so prose such as "Basic setup" stays).
  [/\bBearer\s+[A-Za-z0-9\-._~+/]{8,}=*/g, `Bearer ${REDACTED}`],
  [/\bBasic\s+[A-Za-z0-9+/]{6,}=*/g, (m) => (looksOpaque(m.replace(/^Basic\s+/, '')) || m.endsWith('=') ? `Basic ${REDACTED}` : m)],
  // Query parameters and assignments named like credentials (presigned URLs: X-Amz-Signature,
  // X-Amz-Credential, X-Amz-Security-Token; env lines: AWS_SECRET_ACCESS_KEY=…; "password": "…").
  [new RegExp(`([?&;]${SECRET_NAME}=)[^&\\s"'#<>]*`, 'gi'), `$1${REDACTED}`],
  [new RegExp(`\\b(${SECRET_NAME}["']?\\s*[:=]\\s*["']?)(?!\\[redacted\\])[^\\s"',;&<>]+`, 'gi'), `$1${REDACTED}`],
  // JSON Web Tokens (OIDC sign-in tokens), even cut short.
  [/\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}/g, REDACTED],
  // AWS access key ids (long-lived AKIA…, temporary ASIA…), also inside X-Amz-Credential scopes.
  [/(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}(?![A-Za-z0-9])/g, REDACTED],
  // STS session tokens (base64 of a binary blob that starts the same way every time).
  [/(?<![A-Za-z0-9/+])(?:FwoGZXIvYXdz|IQoJb3JpZ2lu)[A-Za-z0-9/+=%]*/g, REDACTED],
  // A bare 40-character AWS secret access key, or any long mixed-case opaque run (100+ chars).
  [/(?<![A-Za-z0-9/+=])(?:[A-Za-z0-9/+]{40}|[A-Za-z0-9/+=_-]{100,})(?![A-Za-z0-9/+=])/g, (m) => (looksOpaque(m) ? REDACTED : m)],
];

function looksOpaque(text: string): boolean {
  return /[A-Z]/.test(text) && /[a-z]/.test(text) && /[0-9/+]/.test(text);
}

/** Removes known secrets and credential-shaped text; returns everything else unchanged. */
export interface Redactor {
  /** `text` with every secret in it replaced by `[redacted]`. */
  text(text: string): string;
  /** A deep copy of `value`: secret-named keys masked (as `redactSecrets`), every string and key scrubbed by `text`. */
  value<T>(value: T): T;
}

/**
 * A redactor for text that leaves the machine (the diagnostics bundle). `known` are secret values
 * to remove wherever they appear, whatever their shape (a static sign-in token, the environment's
 * AWS keys); values shorter than 6 characters are ignored, as they would mangle ordinary text.
 */
export function createRedactor(known: readonly string[] = []): Redactor {
  const exact = [...new Set(known.flatMap((s) => [s, encodeURIComponent(s)]).filter((s) => s.length >= 6))].sort((a, b) => b.length - a.length);
  const knownPattern = exact.length ? new RegExp(exact.map(escapeRegExp).join('|'), 'g') : null;
  const text = (input: string): string => {
    let out = knownPattern ? input.replace(knownPattern, REDACTED) : input;
    for (const [pattern, replacement] of TEXT_RULES) {
      out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
    }
    return out;
  };
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return text(value);
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map(scrub);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [text(key), scrub(item)]));
  };
  return { text, value: <T>(value: T) => scrub(redactSecrets(toPlain(value))) as T };
}

/** Values of environment variables named like credentials (AWS_SECRET_ACCESS_KEY, DOCKSIDE_TOKEN, …). */
export function secretsInEnvironment(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && (SECRET_KEY.test(name) || /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(name)))
    .map(([, value]) => value!);
}

/** JSON-safe plain data: bigint as text, functions and symbols dropped, errors and dates readable. */
function toPlain(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) {
    const code = (value as Error & { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (seen.has(value)) return REDACTED;
  seen.add(value);
  const out = Array.isArray(value) ? value.map((item) => toPlain(item, seen)) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v, seen)]));
  seen.delete(value);
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
