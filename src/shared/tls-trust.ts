/**
 * TLS failures that mean "this machine does not trust the server's certificate", as Node and
 * OpenSSL name them. Firms that inspect TLS traffic re-sign it with their own root CA, which
 * Dockside must be told about; retrying cannot help, so these are reported, not retried.
 */

const TRUST_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** True when `code` (an error's `code`) says the server's certificate is not trusted here. */
export function isTlsTrustCode(code: unknown): code is string {
  return typeof code === 'string' && TRUST_CODES.has(code);
}

/** The TLS trust code of `error` or of its causes, or null. */
export function tlsTrustCodeOf(error: unknown): string | null {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (isTlsTrustCode(code)) return code;
  }
  return null;
}

/** What to tell a person whose connection to `where` failed with trust code `code`. */
export function tlsUntrustedMessage(where: string, code: string): string {
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `The TLS certificate of ${where} is not valid now (${code}). Check this computer's date and time; if they are right, tell IT.`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `The TLS certificate of ${where} is for another host name (${code}). Check the endpoint URL; a proxy that inspects TLS may also cause this.`;
  }
  return `The TLS certificate of ${where} is not trusted by this computer (${code}). If your firm inspects TLS traffic, add its root CA certificate (PEM) to Dockside's trusted CAs (DOCKSIDE_CA_CERTS, or the caCertificates policy), then try again.`;
}
