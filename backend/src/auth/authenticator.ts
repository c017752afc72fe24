/** The sign-in port: turns a bearer token into the user it belongs to. */

export interface Identity {
  /** OIDC `sub`, or the static token's user name. Uploads are owned by this string. */
  readonly user: string;
  readonly method: 'oidc' | 'static';
}

export type AuthErrorCode = 'UNAUTHENTICATED' | 'INVALID_TOKEN' | 'TOKEN_EXPIRED' | 'SERVICE_UNAVAILABLE';

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
