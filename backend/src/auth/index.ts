/** Sign-in: bearer tokens checked against static hashes and/or an OIDC identity provider. */
import type { BackendConfig } from '../config.js';
import { AuthError, type Authenticator, type Identity } from './authenticator.js';
import { OidcAuthenticator, type OidcAuthenticatorOptions } from './oidc-authenticator.js';
import { StaticTokenAuthenticator, staticIdentity } from './static-token-authenticator.js';

export { AuthError, type AuthErrorCode, type Authenticator, type Identity } from './authenticator.js';
export { bearerTokenFrom } from './bearer-token.js';
export { OIDC_ALGORITHMS, OIDC_CLOCK_TOLERANCE_SECONDS, OidcAuthenticator } from './oidc-authenticator.js';
export { StaticTokenAuthenticator, staticIdentity } from './static-token-authenticator.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The authenticator for the configured modes: a static token is looked up first (a hash, cheap
 * and constant-time); anything shaped like a JWT then goes to the OIDC verifier.
 */
export function createAuthenticator(auth: BackendConfig['auth'], options: OidcAuthenticatorOptions = {}): Authenticator {
  const statics = auth.staticTokens.length > 0 ? new StaticTokenAuthenticator(auth.staticTokens) : null;
  const oidc = auth.oidc !== null ? new OidcAuthenticator(auth.oidc, options) : null;
  return {
    async authenticate(token: string): Promise<Identity> {
      const user = statics?.match(token) ?? null;
      if (user !== null) return staticIdentity(user);
      if (oidc !== null && JWT_SHAPE.test(token)) return oidc.authenticate(token);
      throw new AuthError('INVALID_TOKEN', 'The bearer token is not recognised.');
    },
  };
}
