/**
 * How every failure becomes an HTTP answer: one `{error: {code, message}}` body (apiErrorSchema),
 * 4xx for anything the caller can fix, 503 for a dependency that is down, and 500 with a generic
 * message for our own bugs (the details go to the log, never to the caller).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError, ApiErrorCode } from '../../../src/shared/backend-api.js';
import { toWellFormed } from '../../../src/shared/well-formed.js';
import { AuthError } from '../auth/index.js';
import { CredentialVendError } from '../domain/credential-vendor.js';
import { FileNameError } from '../domain/key-naming.js';
import { UploadStoreError } from '../domain/upload-store-error.js';

/** An error that already knows its HTTP answer. */
export class ApiHttpError extends Error {
  override readonly name = 'ApiHttpError';
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

const REALM = 'Bearer realm="dockside"';
const MAX_MESSAGE_CHARS = 1000;
const INTERNAL_MESSAGE = 'Something went wrong on our side. It has been logged; try again, and contact support if it persists.';

/** The WWW-Authenticate header of RFC 6750 for a 401 (or the 400 of `invalid_request`). */
function challenge(error: AuthError): string {
  if (error.code === 'UNAUTHENTICATED') return REALM;
  const kind = error.code === 'INVALID_REQUEST' ? 'invalid_request' : 'invalid_token';
  return `${REALM}, error="${kind}", error_description="${error.message.replace(/["\\]/g, '')}"`;
}

function validationMessage(error: FastifyError): string {
  const where = error.validationContext ?? 'request';
  const parts = (error.validation ?? []).slice(0, 5).map((issue) => {
    const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
    // zod names unknown keys; in a query string a "name" may be a token sent bare (`?eyJ…`), and
    // this message is logged and answered: it names none of them.
    const message = where === 'querystring' && issue.keyword === 'unrecognized_keys' ? 'unknown parameters (only limit and cursor are accepted)' : issue.message;
    return `${where}${path ? `.${path}` : ''}: ${message ?? 'is invalid'}`;
  });
  return parts.join('; ') || `Invalid ${where}.`;
}

const clip = (message: string): string => (message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message);

/** Maps any thrown value to the HTTP answer it deserves (see the module comment). */
export function toApiHttpError(error: unknown): ApiHttpError {
  if (error instanceof ApiHttpError) return error;
  if (error instanceof AuthError) {
    if (error.code === 'SERVICE_UNAVAILABLE') return new ApiHttpError(503, 'SERVICE_UNAVAILABLE', error.message, { 'retry-after': '5' }, { cause: error });
    const status = error.code === 'INVALID_REQUEST' ? 400 : 401;
    return new ApiHttpError(status, error.code, error.message, { 'www-authenticate': challenge(error) }, { cause: error });
  }
  if (error instanceof FileNameError) return new ApiHttpError(400, 'INVALID_FILE_NAME', error.message, {}, { cause: error });
  if (error instanceof UploadStoreError && error.code === 'INVALID_CURSOR') return new ApiHttpError(400, 'INVALID_CURSOR', error.message, {}, { cause: error });
  if (error instanceof CredentialVendError) {
    return new ApiHttpError(503, 'SERVICE_UNAVAILABLE', 'Temporary credentials cannot be issued right now; try again shortly.', { 'retry-after': '5' }, { cause: error });
  }
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError !== null && typeof fastifyError === 'object' && Array.isArray(fastifyError.validation)) {
    // Zod issues from the type provider, or Fastify's own (e.g. a querystring it cannot read).
    return new ApiHttpError(400, 'INVALID_REQUEST', clip(validationMessage(fastifyError as FastifyError)), {}, { cause: error });
  }
  // Fastify's message quotes the whole URL, query string (and any token in it) included.
  if (fastifyError?.code === 'FST_ERR_BAD_URL') {
    return new ApiHttpError(400, 'INVALID_REQUEST', 'The URL is not valid: it holds a percent-escape that does not decode.', {}, { cause: error });
  }
  const status = typeof fastifyError?.statusCode === 'number' ? fastifyError.statusCode : 500;
  // Fastify's own 4xx (bad JSON, wrong content type, body too large, …) carry safe messages.
  if (status >= 400 && status < 500 && fastifyError?.code !== 'FST_ERR_RESPONSE_SERIALIZATION') {
    const code: ApiErrorCode =
      status === 404 ? 'NOT_FOUND' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : status === 429 ? 'RATE_LIMITED' : 'INVALID_REQUEST';
    return new ApiHttpError(status, code, clip(fastifyError?.message ?? 'Invalid request.'), {}, { cause: error });
  }
  if (status === 503) return new ApiHttpError(503, 'SERVICE_UNAVAILABLE', 'The service is not available right now; try again shortly.', { 'retry-after': '5' }, { cause: error });
  return new ApiHttpError(500, 'INTERNAL', INTERNAL_MESSAGE, {}, { cause: error });
}

/** The body of an error answer (well-formed, like every wire string: a message may quote input). */
export function apiErrorBody(code: ApiErrorCode, message: string): ApiError {
  return { error: { code, message: toWellFormed(message) } };
}

/** Fastify error handler: answers with the apiError body; logs 5xx with the cause, 4xx briefly. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const answer = toApiHttpError(error);
  if (answer.statusCode >= 500) {
    request.log.error({ err: error, code: answer.code }, 'request failed');
  } else {
    request.log.info({ code: answer.code, statusCode: answer.statusCode, reason: answer.message }, 'request refused');
  }
  return reply.code(answer.statusCode).headers(answer.headers).send(apiErrorBody(answer.code, answer.message));
}

/** Fastify not-found handler: every unknown route and method answers 404 in the same shape. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.code(404).send(apiErrorBody('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]?.slice(0, 200) ?? ''}.`));
}
