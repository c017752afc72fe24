/** Probes for the load balancer and the orchestrator: public, not rate-limited, not in `/v1`. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { apiErrorSchema, healthResponseSchema } from '../../../src/shared/backend-api.js';
import { ApiHttpError } from './api-errors.js';
import { jsonResponse } from './responses.js';

export interface HealthRoutesDeps {
  /** Resolves when the instance can serve (the upload store answers); rejects otherwise. */
  readonly checkReady: () => Promise<void>;
}

const probeConfig = { public: true, rateLimit: false } as const;

export function healthRoutes(deps: HealthRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/healthz',
      {
        config: probeConfig,
        schema: { operationId: 'health', summary: 'The process is alive', tags: ['probes'], security: [], response: { 200: jsonResponse('Alive', healthResponseSchema) } },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        config: probeConfig,
        schema: {
          operationId: 'ready',
          summary: 'The instance can reach its upload store and may take traffic',
          tags: ['probes'],
          security: [],
          response: { 200: jsonResponse('Ready for traffic', healthResponseSchema), 503: jsonResponse('Not ready: the upload store cannot be reached', apiErrorSchema) },
        },
      },
      async (request) => {
        try {
          await deps.checkReady();
        } catch (error) {
          request.log.warn({ err: error }, 'readiness check failed');
          throw new ApiHttpError(503, 'SERVICE_UNAVAILABLE', 'The upload store cannot be reached.', { 'retry-after': '5' });
        }
        return { status: 'ready' as const };
      },
    );
  };
}
