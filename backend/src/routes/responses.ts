/** Response entries for route schemas: the zod schema plus a description for the OpenAPI document. */
import type { z } from 'zod';
import { apiErrorSchema } from '../../../src/shared/backend-api.js';

/** A JSON response with a description (otherwise the document says "Default Response"). */
export function jsonResponse<T extends z.ZodType>(description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } } as const;
}

const error = (description: string) => jsonResponse(description, apiErrorSchema);

/** The error answers every authenticated route can give. */
export const commonErrors = {
  400: error('Invalid request: the message names the field (code INVALID_REQUEST, INVALID_FILE_NAME, INVALID_CURSOR)'),
  401: error('Missing, invalid or expired bearer token (UNAUTHENTICATED, INVALID_TOKEN, TOKEN_EXPIRED); see WWW-Authenticate'),
  429: error('Too many requests from this user (RATE_LIMITED); see Retry-After'),
  500: error('A bug on our side (INTERNAL); details are only in the server log'),
  503: error('STS, the identity provider or the store is unreachable (SERVICE_UNAVAILABLE); retry after Retry-After'),
} as const;

export const notFoundError = error("No such upload among the caller's uploads (NOT_FOUND), including another user's upload");
export const conflictError = (description: string) => error(`${description} (INVALID_STATE)`);
