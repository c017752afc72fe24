/**
 * Authentication as Fastify hooks. Identification (onRequest) and enforcement (preParsing) are
 * split so the per-user rate limit, a route-level onRequest hook that runs between them, also
 * counts requests with missing or bad tokens (by IP) before they are refused.
 *
 * The token is read from the Authorization header only. RFC 6750 §2.3's `?access_token=` is not
 * supported: a URL is logged, cached and kept in histories. Such a request is refused with 400
 * `invalid_request` (§3.1: an unsupported parameter), with or without a header, so a client that
 * sends one learns it at once; the logger redacts the value (logger.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, bearerTokenFrom, type Authenticator, type Identity } from '../auth/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in caller; null on public routes and before/after a failed sign-in. */
    identity: Identity | null;
    authFailure: AuthError | null;
  }
  interface FastifyContextConfig {
    /** True for routes anyone may call (health probes, the OpenAPI document). */
    public?: boolean;
  }
}

/** Adds the sign-in hooks to every route of `app` that is not marked `config.public`. */
export function registerAuthentication(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest('identity', null);
  app.decorateRequest('authFailure', null);

  app.addHook('onRequest', async (request) => {
    if (request.is404 || request.routeOptions.config.public === true) return;
    if (hasQueryToken(request.query)) {
      request.authFailure = new AuthError(
        'INVALID_REQUEST',
        'A token in the URL (access_token) is not accepted: send it in the header "Authorization: Bearer <token>".',
      );
      return;
    }
    try {
      request.identity = await authenticator.authenticate(bearerTokenFrom(request.headers.authorization));
    } catch (error) {
      request.authFailure =
        error instanceof AuthError ? error : new AuthError('SERVICE_UNAVAILABLE', 'Sign-in cannot be checked right now; try again shortly.', { cause: error });
    }
  });

  app.addHook('preParsing', async (request) => {
    if (request.is404 || request.routeOptions.config.public === true) return;
    if (request.identity === null) throw request.authFailure ?? new AuthError('UNAUTHENTICATED', 'Sign-in required.');
  });
}

function hasQueryToken(query: unknown): boolean {
  if (query === null || typeof query !== 'object') return false;
  return Object.keys(query).some((name) => name.toLowerCase() === 'access_token');
}

/** The caller of an authenticated route (the hooks guarantee there is one). */
export function callerOf(request: FastifyRequest): Identity {
  if (request.identity === null) throw new AuthError('UNAUTHENTICATED', 'Sign-in required.');
  return request.identity;
}
