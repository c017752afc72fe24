/** The sign-in port: turns a bearer token into the user it belongs to. */
import type { OwnerName } from '../domain/owner.js';

export interface Identity extends OwnerName {
  /**
   * The owner key (domain/owner.ts): `static:<user>` or `oidc:<issuer>#<sub>`. Uploads are owned
   * by this string, so the two sign-in methods never share one.
   */
  readonly owner: string;
}

/** INVALID_REQUEST: RFC 6750's `invalid_request` (400), e.g. a token sent in the URL. */
export type AuthErrorCode = 'UNAUTHENTICATED' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'INVALID_REQUEST' | 'SERVICE_UNAVAILABLE';

export class AuthError extends Error {
  override readonly name = 'AuthError';
  /** Only an unreachable identity provider is worth retrying; a bad token stays bad. */
  readonly retryable: boolean;
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.retryable = code === 'SERVICE_UNAVAILABLE';
  }
}

export interface Authenticator {
  /** Resolves the token's identity, or rejects with AuthError. */
  authenticate(token: string): Promise<Identity>;
}
