/**
 * The HTTP service: builds (but does not start) a Fastify instance with sign-in, per-user rate
 * limits, the `/v1` routes, probes and the OpenAPI document. Instances keep no state of their own
 * (uploads live in the UploadStore), so any number can run behind a load balancer.
 */
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { findIllFormedString, NOT_WELL_FORMED } from '../../src/shared/well-formed.js';
import type { Authenticator } from './auth/index.js';
import type { BackendConfig } from './config.js';
import type { CredentialVendor } from './domain/credential-vendor.js';
import type { Dock } from './domain/dock.js';
import { newUlid } from './domain/ulid.js';
import type { UploadStore } from './domain/upload-store.js';
import { ApiHttpError, handleError, handleNotFound } from './routes/api-errors.js';
import { healthRoutes } from './routes/health.route.js';
import { openApiRoute, registerOpenApi } from './routes/openapi.route.js';
import { registerAuthentication } from './routes/request-identity.js';
import { uploadRoutes } from './routes/uploads.route.js';

export interface ServerDeps {
  readonly config: Pick<BackendConfig, 'aws' | 'clientS3' | 'dock' | 'rateLimitPerMinute'>;
  readonly store: UploadStore;
  readonly vendor: CredentialVendor;
  readonly dock: Dock;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /** Upload ids; ULIDs by default. */
  readonly newId?: () => string;
  /** Epoch ms; Date.now by default. */
  readonly now?: () => number;
  /** Readiness probe; by default a read of the upload store. */
  readonly checkReady?: () => Promise<void>;
  /** Fastify's trustProxy: set it behind a load balancer so the IP fallback of the rate limit sees clients. */
  readonly trustProxy?: boolean | string | string[];
}

/** Request bodies are a few hundred bytes; anything near this is not a Dockside client. */
const BODY_LIMIT_BYTES = 16 * 1024;
// Longer than a load balancer's idle timeout (AWS ALB: 60 s), or the balancer may reuse a
// connection the server has just closed and answer 502.
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
const REQUEST_TIMEOUT_MS = 30_000;
const PROBE_ID = '00000000000000000000000000';

/** Builds the server; call `listen()` (or `inject()` in tests) on the result, and `close()` to drain. */
export function buildServer(deps: ServerDeps): FastifyInstance {
  const app = Fastify({
    // Typed as Fastify's base logger so the instance stays assignable to plain FastifyInstance.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    trustProxy: deps.trustProxy ?? false,
    // Never a reflected or caller-chosen request id in our logs.
    requestIdHeader: false,
    // URLs the router cannot even decode (`/v1/uploads/%`) bypass the error handler otherwise,
    // and would answer in Fastify's shape instead of ours.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  // JSON only (any other body answers 415). An empty body with a JSON content type is "no body"
  // (clients do send that on the credentials POST); everything else goes to Fastify's parser,
  // with its prototype-poisoning protection. Bytes that are not UTF-8 decode to U+FFFD, but JSON's
  // `\uD800` escapes can still make a lone surrogate: refused here, in any key or value, whatever
  // the route's schema says (headers and query strings cannot carry one: Node reads headers as
  // Latin-1 and Fastify leaves undecodable percent-escapes as they are).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, value) => {
      const where = error ? null : findIllFormedString(value);
      if (where !== null) {
        const field = where === '(the value)' ? '' : `${where.startsWith('[') ? '' : '.'}${where.slice(0, 100)}`;
        done(new ApiHttpError(400, 'INVALID_REQUEST', `body${field}: ${NOT_WELL_FORMED}`), undefined);
        return;
      }
      done(error, value);
    });
  });

  registerAuthentication(app, deps.authenticator);
  registerOpenApi(app);
  void app.register(rateLimit, {
    max: deps.config.rateLimitPerMinute,
    timeWindow: 60_000,
    // Route-level onRequest: after sign-in has identified the caller, before a bad token is refused.
    hook: 'onRequest',
    keyGenerator: (request) => (request.identity !== null ? `owner:${request.identity.owner}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new ApiHttpError(context.statusCode, 'RATE_LIMITED', `Too many requests; retry in ${context.after}.`),
  });

  const store = deps.store;
  void app.register(healthRoutes({ checkReady: deps.checkReady ?? (async () => void (await store.get(PROBE_ID))) }));
  void app.register(
    async (v1) => {
      await v1.register(
        uploadRoutes({
          config: deps.config,
          store,
          vendor: deps.vendor,
          dock: deps.dock,
          newId: deps.newId ?? newUlid,
          now: deps.now ?? Date.now,
        }),
      );
      await v1.register(openApiRoute);
    },
    { prefix: '/v1' },
  );
  return app;
}
