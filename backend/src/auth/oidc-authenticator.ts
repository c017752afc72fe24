/**
 * OIDC sign-in: verifies JWTs from the firm's identity provider with `jose` (issuer, audience,
 * signature against the provider's JWKS, expiry) and takes the user from `sub`, in the issuer's
 * own owner space (`oidc:<issuer>#<sub>`, see domain/owner.ts).
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { isWellFormed } from '../../../src/shared/well-formed.js';
import type { OidcConfig } from '../config.js';
import { oidcOwner } from '../domain/owner.js';
import { AuthError, type Authenticator, type Identity } from './authenticator.js';

/** Asymmetric algorithms only: an HMAC secret would be shared with whoever issues tokens. */
export const OIDC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/**
 * Room for clock drift between the IdP and us, kept small so an expired token dies soon: a token
 * is accepted until 5 s after its `exp` (and from 5 s before its `nbf`). README says the same.
 */
export const OIDC_CLOCK_TOLERANCE_SECONDS = 5;
/** OpenID Connect Core §2: `sub` is at most 255 ASCII characters. */
const MAX_SUBJECT_CHARS = 255;
const FETCH_TIMEOUT_MS = 5_000;

// Codes jose uses for a token that is simply not acceptable (as opposed to keys we cannot fetch).
const INVALID_TOKEN_CODES = new Set([
  joseErrors.JWTClaimValidationFailed.code,
  joseErrors.JOSEAlgNotAllowed.code,
  joseErrors.JOSENotSupported.code,
  joseErrors.JWSInvalid.code,
  joseErrors.JWTInvalid.code,
  joseErrors.JWKSNoMatchingKey.code,
  joseErrors.JWKSMultipleMatchingKeys.code,
  joseErrors.JWSSignatureVerificationFailed.code,
]);

export interface OidcAuthenticatorOptions {
  readonly fetchTimeoutMs?: number;
  /** Replaces global fetch for discovery; injected by tests. */
  readonly fetch?: typeof fetch;
}

export class OidcAuthenticator implements Authenticator {
  private keySet: Promise<JWTVerifyGetKey> | null = null;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(
    private readonly config: OidcConfig,
    options: OidcAuthenticatorOptions = {},
  ) {
    this.timeoutMs = options.fetchTimeoutMs ?? FETCH_TIMEOUT_MS;
    this.fetchFn = options.fetch ?? fetch;
  }

  async authenticate(token: string): Promise<Identity> {
    const keys = await this.keys();
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: OIDC_ALGORITHMS,
        clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['sub', 'exp'],
      });
      const sub = payload.sub;
      if (typeof sub !== 'string' || sub.length === 0) {
        throw new AuthError('INVALID_TOKEN', 'The token has no subject (sub) claim.');
      }
      // The subject becomes part of stored records, logs and S3 metadata: it must be text.
      if (sub.length > MAX_SUBJECT_CHARS || !isWellFormed(sub)) {
        throw new AuthError('INVALID_TOKEN', 'The token\'s subject (sub) claim is not acceptable: at most 255 characters of well-formed Unicode.');
      }
      return { method: 'oidc', issuer: this.config.issuer, subject: sub, owner: oidcOwner(this.config.issuer, sub) };
    } catch (error) {
      throw toAuthError(error);
    }
  }

  /** The JWKS, resolved once (through discovery when no URL is configured); retried after a failure. */
  private keys(): Promise<JWTVerifyGetKey> {
    if (this.keySet === null) {
      const pending = this.resolveJwksUrl().then((url) => createRemoteJWKSet(url, { timeoutDuration: this.timeoutMs }));
      this.keySet = pending;
      // A failed discovery is forgotten, so the next request tries again instead of failing forever.
      pending.catch(() => {
        if (this.keySet === pending) this.keySet = null;
      });
    }
    return this.keySet.catch((error: unknown) => {
      throw new AuthError('SERVICE_UNAVAILABLE', 'The identity provider cannot be reached; try again shortly.', { cause: error });
    });
  }

  private async resolveJwksUrl(): Promise<URL> {
    if (this.config.jwksUrl !== null) return new URL(this.config.jwksUrl);
    const discovery = new URL(`${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
    const response = await this.fetchFn(discovery, { signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    if (!response.ok) throw new Error(`OIDC discovery at ${discovery.href} answered HTTP ${response.status}`);
    const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // OIDC Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
    if (document.issuer !== this.config.issuer) throw new Error(`OIDC discovery at ${discovery.href} names another issuer`);
    if (typeof document.jwks_uri !== 'string') throw new Error(`OIDC discovery at ${discovery.href} has no jwks_uri`);
    const jwks = new URL(document.jwks_uri);
    if (jwks.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(jwks.hostname)) {
      throw new Error(`OIDC discovery at ${discovery.href} names a JWKS that is not https`);
    }
    return jwks;
  }
}

function toAuthError(error: unknown): AuthError {
  if (error instanceof AuthError) return error;
  if (error instanceof joseErrors.JWTExpired) {
    return new AuthError('TOKEN_EXPIRED', 'The token has expired; sign in again.', { cause: error });
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    const why =
      claim === 'aud' ? 'it was issued for another audience' :
      claim === 'iss' ? 'it was issued by another identity provider' :
      claim === 'nbf' || claim === 'iat' ? 'it is not valid yet' :
      `its "${claim}" claim is not acceptable`;
    return new AuthError('INVALID_TOKEN', `The token is not accepted: ${why}.`, { cause: error });
  }
  if (error instanceof joseErrors.JOSEError && INVALID_TOKEN_CODES.has(error.code)) {
    return new AuthError('INVALID_TOKEN', 'The token is not a valid signed token from the configured identity provider.', { cause: error });
  }
  // Timeouts, unreachable or malformed JWKS: our side (or the IdP's) is at fault, not the token.
  return new AuthError('SERVICE_UNAVAILABLE', 'The identity provider cannot be reached; try again shortly.', { cause: error });
}
