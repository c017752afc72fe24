/**
 * The engine's client of the companion backend (`/v1`): asks for an upload, refreshes its scoped
 * credentials, reads its status. Every answer is parsed with the shared wire schemas, so a
 * backend speaking another version fails loudly here rather than deep in a transfer.
 *
 * Errors are typed for the retry logic: no answer, 429 and 5xx are transient (retried like any
 * network fault for as long as the transfer runs); 401 means sign in again; other 4xx are final,
 * and an upload the backend has ended (aborted, failed) is UPLOAD_CANCELLED (uploadEndedError).
 * The token is sent as a bearer header and never appears in an error message.
 */
import type { z } from 'zod';
import {
  apiErrorSchema,
  createUploadResponseSchema,
  credentialsResponseSchema,
  listUploadsResponseSchema,
  uploadViewSchema,
  type CreateUploadRequest,
  type CreateUploadResponse,
  type ListUploadsResponse,
  type TemporaryCredentialsWire,
  type UploadView,
} from '../../shared/backend-api.js';
import { DocksideError, type ErrorCode } from '../../shared/errors.js';
import { tlsTrustCodeOf, tlsUntrustedMessage } from '../../shared/tls-trust.js';
import type { TemporaryCredentials } from './ports.js';

export interface BackendClientOptions {
  /** Base URL, e.g. https://dockside.example.com (the `/v1` paths are appended). */
  readonly url: string;
  /**
   * The sign-in token, or a function giving it when a request is made (so a transfer whose user
   * has signed out fails that request with BACKEND_AUTH instead of failing to be set up).
   */
  readonly token: string | (() => string);
  /** Per-request time limit (default 30 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export class BackendClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: BackendClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? fetch;
  }

  get url(): string {
    return this.base;
  }

  /** POST /v1/uploads: the server picks the key and vends the first credentials. */
  createUpload(request: CreateUploadRequest, signal?: AbortSignal): Promise<CreateUploadResponse> {
    return this.call('POST', '/v1/uploads', createUploadResponseSchema, request, signal);
  }

  /**
   * Fresh credentials for the upload, signed as the same principal as before. The backend refuses
   * them (409) once the upload is no longer uploading; an upload it has ended is UPLOAD_CANCELLED.
   */
  async credentials(uploadId: string, signal?: AbortSignal): Promise<TemporaryCredentials> {
    let body;
    try {
      body = await this.call('POST', `/v1/uploads/${encodeURIComponent(uploadId)}/credentials`, credentialsResponseSchema, {}, signal);
    } catch (error) {
      if (error instanceof BackendHttpError && error.status === 409) {
        const ended = uploadEndedError(await this.getUpload(uploadId, signal));
        if (ended) throw ended;
      }
      throw error;
    }
    return toEngineCredentials(body.credentials);
  }

  getUpload(uploadId: string, signal?: AbortSignal): Promise<UploadView> {
    return this.call('GET', `/v1/uploads/${encodeURIComponent(uploadId)}`, uploadViewSchema, undefined, signal);
  }

  listUploads(options: { cursor?: string; limit?: number } = {}, signal?: AbortSignal): Promise<ListUploadsResponse> {
    const query = new URLSearchParams();
    if (options.cursor) query.set('cursor', options.cursor);
    if (options.limit) query.set('limit', String(options.limit));
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.call('GET', `/v1/uploads${suffix}`, listUploadsResponseSchema, undefined, signal);
  }

  async abortUpload(uploadId: string, signal?: AbortSignal): Promise<UploadView> {
    return this.call('DELETE', `/v1/uploads/${encodeURIComponent(uploadId)}`, uploadViewSchema, undefined, signal);
  }

  /** The token as sent: without the white space a copy and paste may leave around it. */
  private currentToken(): string {
    const { token } = this.options;
    return (typeof token === 'function' ? token() : token).trim();
  }

  private async call<S extends z.ZodType>(method: string, path: string, schema: S, body: unknown, signal?: AbortSignal): Promise<z.infer<S>> {
    const token = this.currentToken();
    // fetch would refuse such a token with a message that quotes it, which would pass for a network fault.
    if (!BEARER_TOKEN.test(token)) {
      throw new DocksideError('BACKEND_AUTH', 'The sign-in token contains a space, a line break or a character that is not ASCII, so it cannot be sent. Check how it was copied, then sign in again with `dockside login`.');
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: combined,
      });
      // The time limit and the caller's signal cover the body too: an answer cut short is no answer.
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      // A fetch of src/main/net already says what went wrong (a proxy refusing, an untrusted CA).
      if (error instanceof DocksideError) throw error;
      const trust = tlsTrustCodeOf(error);
      if (trust) throw new DocksideError('TLS_UNTRUSTED', tlsUntrustedMessage(`the Dockside backend at ${this.base}`, trust), { cause: error });
      const why = timeout.aborted ? 'did not answer in time' : `could not be reached (${describeCause(error)})`;
      throw new DocksideError('NETWORK', `The Dockside backend at ${this.base} ${why}. Check the network or VPN; Dockside keeps trying.`, { cause: error });
    }
    if (!response.ok) throw httpError(this.base, method, path, response.status, text, token);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new DocksideError('SERVICE_UNAVAILABLE', `The Dockside backend at ${this.base} answered ${method} ${path} with something other than JSON.`, { cause: error });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new DocksideError(
        'BACKEND_REFUSED',
        `The Dockside backend at ${this.base} answered ${method} ${path} in an unexpected form (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}). Are the app and the backend of compatible versions?`,
      );
    }
    return parsed.data;
  }
}

/**
 * Why nothing more may be sent for an upload the backend has ended (aborted: cancelled there;
 * failed: its file rejected), whatever the credentials in hand still allow; null while it has not.
 */
export function uploadEndedError(view: Pick<UploadView, 'id' | 'status' | 'failureReason'>): DocksideError | null {
  switch (view.status) {
    case 'aborted':
      return new DocksideError(
        'UPLOAD_CANCELLED',
        `Upload ${view.id} was cancelled on the Dockside server, so Dockside stopped sending it; the server deletes what was sent. To send the file anyway, upload it again.`,
      );
    case 'failed': {
      const why = view.failureReason ? `: ${view.failureReason.replace(/\.+$/, '')}` : '';
      return new DocksideError(
        'UPLOAD_CANCELLED',
        `The Dockside server rejected upload ${view.id}${why}. Dockside stopped sending it; the server deletes what was sent. Upload the file again.`,
      );
    }
    default:
      return null;
  }
}

/** A non-2xx answer of the backend, with its HTTP status. */
class BackendHttpError extends DocksideError {
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
  ) {
    super(code, message);
  }
}

/** The wire form of credentials as the engine uses them. */
export function toEngineCredentials(wire: TemporaryCredentialsWire): TemporaryCredentials {
  return {
    accessKeyId: wire.accessKeyId,
    secretAccessKey: wire.secretAccessKey,
    sessionToken: wire.sessionToken,
    expiration: new Date(wire.expiration),
  };
}

function httpError(base: string, method: string, path: string, status: number, text: string, token: string): BackendHttpError {
  let said = '';
  try {
    const body = apiErrorSchema.safeParse(JSON.parse(text));
    // A server (or a proxy in front of it) may echo the Authorization header it refused.
    if (body.success) said = `: ${body.data.error.message.replaceAll(token, '[token]').replace(/\.+$/, '')}`;
  } catch {
    // Not our error body (a proxy's HTML page, say): the status alone must do.
  }
  const what = `The Dockside backend answered ${method} ${path} with HTTP ${status}${said}`;
  if (status === 401) return new BackendHttpError(status, 'BACKEND_AUTH', `${what}. Sign in again with \`dockside login\` (or set DOCKSIDE_TOKEN).`);
  if (status === 429) return new BackendHttpError(status, 'THROTTLED', `${what}. Dockside slows down and tries again.`);
  if (status >= 500) return new BackendHttpError(status, 'SERVICE_UNAVAILABLE', `${what} (${base}). Dockside keeps trying.`);
  return new BackendHttpError(status, 'BACKEND_REFUSED', `${what}.`);
}

/** What a bearer token may hold to be sent as a header: visible ASCII, no spaces. */
const BEARER_TOKEN = /^[\x21-\x7e]+$/;

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
