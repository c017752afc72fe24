/**
 * Retry policy: what is worth retrying (classifyError) and how long to wait (backoffDelay).
 * Everything the engine catches goes through classifyError, so there is one table of error
 * kinds; the retry loop looks at `retryable` alone.
 */
import { DocksideError, type ErrorCode } from '../../shared/errors.js';
import { isTlsTrustCode, tlsUntrustedMessage } from '../../shared/tls-trust.js';
import type { Clock } from './ports.js';

interface S3Like {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; clockSkewCorrected?: boolean };
  $fault?: 'client' | 'server';
}

// S3 error codes by what they mean for a transfer.
const S3_CODES: Readonly<Record<string, ErrorCode>> = {
  SlowDown: 'THROTTLED',
  Throttling: 'THROTTLED',
  ThrottlingException: 'THROTTLED',
  TooManyRequestsException: 'THROTTLED',
  RequestLimitExceeded: 'THROTTLED',
  RequestTimeout: 'TIMEOUT',
  RequestTimeoutException: 'TIMEOUT',
  InternalError: 'SERVICE_UNAVAILABLE',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  ServiceUnavailableException: 'SERVICE_UNAVAILABLE',
  ExpiredToken: 'CREDENTIALS_EXPIRED',
  ExpiredTokenException: 'CREDENTIALS_EXPIRED',
  TokenRefreshRequired: 'CREDENTIALS_EXPIRED',
  RequestExpired: 'CREDENTIALS_EXPIRED',
  RequestTimeTooSkewed: 'CLOCK_SKEW',
  // S3 asks callers to retry this one: a conflicting operation was in progress.
  OperationAborted: 'SERVICE_UNAVAILABLE',
  BadDigest: 'CHECKSUM_MISMATCH',
  InvalidDigest: 'CHECKSUM_MISMATCH',
  XAmzContentChecksumMismatch: 'CHECKSUM_MISMATCH',
  NoSuchUpload: 'UPLOAD_NOT_FOUND',
  InvalidPart: 'PART_MISMATCH',
  InvalidPartOrder: 'PART_MISMATCH',
  AccessDenied: 'ACCESS_DENIED',
  AllAccessDisabled: 'ACCESS_DENIED',
  InvalidAccessKeyId: 'ACCESS_DENIED',
  SignatureDoesNotMatch: 'ACCESS_DENIED',
  InvalidToken: 'ACCESS_DENIED',
  AccountProblem: 'ACCESS_DENIED',
  KMS_AccessDenied: 'ACCESS_DENIED',
  NoSuchBucket: 'BUCKET_NOT_FOUND',
  InvalidBucketName: 'BUCKET_NOT_FOUND',
  InvalidArgument: 'INVALID_REQUEST',
  InvalidRequest: 'INVALID_REQUEST',
  EntityTooSmall: 'INVALID_REQUEST',
  EntityTooLarge: 'INVALID_REQUEST',
  MalformedXML: 'INVALID_REQUEST',
  KeyTooLongError: 'INVALID_REQUEST',
  // A 501, but retrying cannot help: the endpoint lacks a feature the request uses.
  NotImplemented: 'INVALID_REQUEST',
};

// Socket and DNS failures: the network, not the request, is at fault.
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

const ADVICE: Partial<Record<ErrorCode, string>> = {
  ACCESS_DENIED: 'Check that your credentials may write to this bucket and key (and use its KMS key).',
  BUCKET_NOT_FOUND: 'Check the bucket name, region and endpoint, or ask IT whether the bucket exists.',
  CREDENTIALS_MISSING:
    'Set AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) and run `dockside resume`.',
  INVALID_REQUEST: 'The server refused the request as invalid; check the endpoint, bucket and key.',
};

/** Maps anything thrown by the store, the network or the file system to a typed DocksideError. */
export function classifyError(error: unknown): DocksideError {
  if (error instanceof DocksideError) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as S3Like;
  const status = e.$metadata?.httpStatusCode;
  // The SDK names an error 'UnknownError' when the answer had no code, and gives that as the
  // message when the error body had no <Message> (Ceph RGW sends none): neither says anything.
  const name = e.name === SDK_PLACEHOLDER ? '' : (e.name ?? '');
  const code = e.code ?? '';
  const message = e.message === SDK_PLACEHOLDER ? '' : (e.message ?? '');
  const detail = describeDetail(name, message, status);

  const s3Code = S3_CODES[name] ?? S3_CODES[code];
  if (s3Code) return make(s3Code, describe(s3Code, detail, status), error);
  // A HEAD refused for a skewed clock has no body to name the error; the SDK tells us it just
  // corrected its clock offset from the response, so the next attempt will be signed right.
  if (e.$metadata?.clockSkewCorrected) return make('CLOCK_SKEW', `The request was refused, probably for a skewed clock (now corrected): ${detail}`, error);
  if (name === 'CredentialsProviderError') {
    return make('CREDENTIALS_MISSING', describe('CREDENTIALS_MISSING', `No AWS credentials could be found (${message || name})`, undefined), error);
  }
  // A certificate this machine does not trust (a TLS-inspecting proxy, a private CA): retrying cannot help.
  if (isTlsTrustCode(code)) return make('TLS_UNTRUSTED', tlsUntrustedMessage('the S3 endpoint', code), error);
  // Socket errors first: the SDK names resets 'TimeoutError' too, with code ECONNRESET.
  if (NETWORK_CODES.has(code)) return make('NETWORK', `Network error: ${detail}`, error);
  // Then what the server said: a 504 is the gateway's fault, not a stalled connection.
  if (status !== undefined) {
    if (status === 407) {
      return make('PROXY_AUTH', `A proxy refused the request for want of a valid user name and password (HTTP 407): ${detail}. Check the proxy settings.`, error);
    }
    if (status === 429) return make('THROTTLED', describe('THROTTLED', detail, status), error);
    if (status >= 500) return make('SERVICE_UNAVAILABLE', describe('SERVICE_UNAVAILABLE', detail, status), error);
    if (status === 403) return make('ACCESS_DENIED', describe('ACCESS_DENIED', detail, status), error);
    if (status === 404) return make('BUCKET_NOT_FOUND', describe('BUCKET_NOT_FOUND', detail, status), error);
    return make('INVALID_REQUEST', describe('INVALID_REQUEST', detail, status), error);
  }
  // No answer at all: the connection broke or went quiet.
  if (/socket hang up|ECONNRESET|EPIPE|network/i.test(message)) return make('NETWORK', `Network error: ${detail}`, error);
  if (name === 'TimeoutError' || /timed out|timeout/i.test(message)) {
    return make('STALLED', `The connection stalled (no data moved for too long): ${detail}`, error);
  }
  // A server fault the SDK could not parse (HTML error page from a proxy, truncated XML, ...).
  if (e.$fault === 'server') return make('SERVICE_UNAVAILABLE', `The server failed: ${detail}`, error);
  return make('UNKNOWN', `Unexpected error: ${detail}`, error);
}

const SDK_PLACEHOLDER = 'UnknownError';

// What S3 error codes mean, for servers that send the code without a message.
const EXPLANATIONS: Readonly<Record<string, string>> = {
  AccessDenied: 'access denied',
  BadDigest: 'the bytes the server received do not match the checksum sent with them',
  EntityTooLarge: 'the part is larger than the server takes',
  EntityTooSmall: "a part other than the last is smaller than the server's minimum part size",
  InternalError: 'the server failed',
  InvalidDigest: 'the checksum sent with the request is not valid',
  InvalidPart: "a listed part is not on the server, or its ETag or checksum does not match the server's",
  InvalidPartOrder: 'the parts were not listed in ascending order',
  MissingContentLength: 'the server needs the request to say its Content-Length',
  NoSuchBucket: 'the bucket does not exist',
  NoSuchKey: 'the server has no such key (or, for a multipart upload, no such upload)',
  NoSuchUpload: 'the multipart upload does not exist: it was aborted, expired or completed',
  NotImplemented: 'the server does not implement a feature the request uses',
  SignatureDoesNotMatch: 'the request signature does not match: check the secret access key',
  XAmzContentSHA256Mismatch: 'the server could not verify the body as sent (an aws-chunked body, or its checksum trailer)',
};

/** "Name: message", or the code's meaning when the server sent no message. */
function describeDetail(name: string, message: string, status: number | undefined): string {
  if (name && message && message !== name) return `${name}: ${message}`;
  if (message) return message;
  if (name) return status === undefined && !EXPLANATIONS[name] ? name : `${name}: ${EXPLANATIONS[name] ?? 'the server gave no reason'}`;
  return status === undefined ? 'unknown error' : 'the server answered with neither an error code nor a message';
}

function describe(code: ErrorCode, detail: string, status: number | undefined): string {
  const where = status ? ` (HTTP ${status})` : '';
  const advice = ADVICE[code];
  return `${detail}${where}${advice ? `. ${advice}` : ''}`;
}

function make(code: ErrorCode, message: string, cause: unknown): DocksideError {
  return new DocksideError(code, message, { cause });
}

/** Tries, before an endpoint has ever answered, after which a wrong name or port is said to be one. */
export const FIRST_CONTACT_TRIES = 3;

/** Socket errors that, before an endpoint ever answered, point at its configuration. */
const FIRST_CONTACT_CODES: Readonly<Record<string, string>> = {
  ENOTFOUND: 'the name does not resolve (DNS: ENOTFOUND)',
  ECONNREFUSED: 'nothing accepts connections there (ECONNREFUSED)',
};

/**
 * For a request to an endpoint that has never answered: null when `raw` is not a wrong-name or
 * refused-connection failure; 'retry' while fewer than FIRST_CONTACT_TRIES have failed so (a
 * blip on the way); then ENDPOINT_UNREACHABLE, naming the host and what to check. Once an
 * endpoint has answered, the same failures are network faults, retried for as long as the
 * transfer runs. (EAI_AGAIN, a resolver that cannot answer now, stays a network fault: it is
 * what an offline laptop sees.)
 */
export function firstContactFailure(raw: unknown, attempt: number, endpoint: string): DocksideError | 'retry' | null {
  const socket = socketError(raw);
  const why = socket ? FIRST_CONTACT_CODES[socket.code] : undefined;
  if (!socket || why === undefined) return null;
  if (attempt + 1 < FIRST_CONTACT_TRIES) return 'retry';
  const host = socket.hostname ?? (socket.address ? `${socket.address}${socket.port ? `:${socket.port}` : ''}` : endpoint);
  return new DocksideError(
    'ENDPOINT_UNREACHABLE',
    `Could not reach ${host}: ${why}, ${FIRST_CONTACT_TRIES} times. Nothing was uploaded. Check the endpoint (${endpoint}), ` +
      'the network and any proxy; `dockside doctor` checks them. Then resume the transfer.',
    { cause: raw },
  );
}

interface SocketError {
  code: string;
  hostname?: string;
  address?: string;
  port?: number;
}

/** The socket error behind `raw`, following `cause` (the engine's errors wrap the SDK's, which wrap Node's). */
function socketError(raw: unknown): SocketError | null {
  for (let e = raw as { code?: unknown; cause?: unknown } | null, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && FIRST_CONTACT_CODES[e.code] !== undefined) return e as SocketError;
  }
  return null;
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/** Capped exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export interface RetryHooks {
  readonly clock: Clock;
  readonly backoff: BackoffPolicy;
  readonly signal: AbortSignal;
  /** Told about each transient failure before the wait; may act on it (refresh credentials). */
  readonly onRetry: (error: DocksideError, attempt: number, delayMs: number) => void;
  readonly random?: () => number;
}

/**
 * Runs `operation` until it succeeds, retrying transient failures with backoff for as long as
 * the signal is not aborted. Permanent failures and aborts are thrown.
 */
export async function withRetry<T>(operation: (attempt: number) => Promise<T>, hooks: RetryHooks): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    hooks.signal.throwIfAborted();
    try {
      return await operation(attempt);
    } catch (raw) {
      hooks.signal.throwIfAborted();
      const error = classifyError(raw);
      if (!error.retryable) throw error;
      const delay = backoffDelay(attempt, hooks.backoff, hooks.random);
      hooks.onRetry(error, attempt + 1, delay);
      await hooks.clock.sleep(delay, hooks.signal);
    }
  }
}
