/**
 * Authentication as Fastify hooks. Identification (onRequest) and enforcement (preParsing) are
 * split so the per-user rate limit, a route-level onRequest hook that runs between them, also
 * counts requests with missing or bad tokens (by IP) before they are refused.
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

/** The caller of an authenticated route (the hooks guarantee there is one). */
export function callerOf(request: FastifyRequest): Identity {
  if (request.identity === null) throw new AuthError('UNAUTHENTICATED', 'Sign-in required.');
  return request.identity;
}
