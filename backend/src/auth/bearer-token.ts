/** Reading `Authorization: Bearer <token>` (RFC 6750). */
import { AuthError } from './authenticator.js';

// RFC 6750's b64token, with a generous cap: a JWT with many claims stays well under 8 KiB.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const MAX_TOKEN_CHARS = 8192;

/** The token from an Authorization header, or AuthError when it is missing or not a bearer token. */
export function bearerTokenFrom(header: string | string[] | undefined): string {
  if (header === undefined || header === '') {
    throw new AuthError('UNAUTHENTICATED', 'Sign-in required: send "Authorization: Bearer <token>".');
  }
  if (Array.isArray(header)) throw new AuthError('INVALID_TOKEN', 'Send exactly one Authorization header.');
  if (header.length > MAX_TOKEN_CHARS + 16) throw new AuthError('INVALID_TOKEN', 'The bearer token is too long.');
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new AuthError('INVALID_TOKEN', 'The Authorization header must be "Bearer <token>".');
  return match[1];
}
