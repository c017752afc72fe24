/**
 * Error codes shared by every side. Each error carries a `code` a program can switch on,
 * `retryable` (the only thing retry logic looks at) and a message a person can act on.
 */

export const ERROR_CODES = {
  // Network and service faults: retried for as long as the transfer is active.
  NETWORK: { retryable: true },
  TIMEOUT: { retryable: true },
  STALLED: { retryable: true },
  THROTTLED: { retryable: true },
  SERVICE_UNAVAILABLE: { retryable: true },
  CREDENTIALS_EXPIRED: { retryable: true },
  CLOCK_SKEW: { retryable: true },
  // S3 received bytes that do not match the part's CRC32: read the part again and re-send it.
  CHECKSUM_MISMATCH: { retryable: true },
  // A transfer that never reached its endpoint could not: the name does not resolve or nothing
  // listens there. A configuration problem (the endpoint, the network, a proxy), not a blip.
  ENDPOINT_UNREACHABLE: { retryable: false },
  // The multipart upload is gone on the server; the engine starts a new one.
  UPLOAD_NOT_FOUND: { retryable: false },
  // Permanent: the transfer stops and keeps what is needed to resume after the fix.
  ACCESS_DENIED: { retryable: false },
  BUCKET_NOT_FOUND: { retryable: false },
  INVALID_REQUEST: { retryable: false },
  // A part S3 has does not match what was journaled (CompleteMultipartUpload said InvalidPart).
  PART_MISMATCH: { retryable: false },
  CREDENTIALS_MISSING: { retryable: false },
  // The companion backend refused the sign-in token (missing, wrong or expired): sign in again.
  BACKEND_AUTH: { retryable: false },
  // The companion backend refused the request (bad input, wrong state, not yours).
  BACKEND_REFUSED: { retryable: false },
  // The companion backend ended the upload: cancelled there (aborted), or its file rejected
  // (failed). Nothing more can be sent for it; upload the file again.
  UPLOAD_CANCELLED: { retryable: false },
  FILE_NOT_FOUND: { retryable: false },
  FILE_UNREADABLE: { retryable: false },
  FILE_CHANGED: { retryable: false },
  FILE_TOO_LARGE: { retryable: false },
  // A file grant the window sent is not one main holds (never issued, used already, expired): the
  // same answer whatever it is, so a page learns nothing about files the user did not choose.
  FILE_NOT_CHOSEN: { retryable: false },
  INTEGRITY: { retryable: false },
  JOURNAL: { retryable: false },
  JOURNAL_FROM_FUTURE: { retryable: false },
  TRANSFER_NOT_FOUND: { retryable: false },
  TRANSFER_BUSY: { retryable: false },
  INVALID_STATE: { retryable: false },
  INVALID_INPUT: { retryable: false },
  UNKNOWN: { retryable: false },
  // The machine-wide policy (IT's settings) cannot be read or is not valid: nothing uploads until IT fixes it.
  POLICY_INVALID: { retryable: false },
  // The user tried to change a setting IT locked, or to go above a ceiling IT set.
  POLICY_LOCKED: { retryable: false },
  // The user's own settings file is damaged; it is left as it is for the user to fix or move aside.
  SETTINGS_INVALID: { retryable: false },
  // The diagnostics bundle could not be written (no room, no permission, the journal unreadable).
  DIAGNOSTICS: { retryable: false },
  // A proxy asked for a user name and password it did not get or did not accept (HTTP 407).
  PROXY_AUTH: { retryable: false },
  // The server's TLS certificate is not trusted here: add the firm's root CA (or fix the clock).
  TLS_UNTRUSTED: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Serialisable form of an error, safe to log, journal and send to a UI. */
export interface ErrorInfo {
  readonly code: ErrorCode;
  readonly message: string;
  readonly retryable: boolean;
}

/** Base class of Dockside's typed errors. */
export class DocksideError extends Error {
  override readonly name: string = 'DocksideError';
  readonly retryable: boolean;
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
  }

  /** The serialisable form (no cause, no stack). */
  toInfo(): ErrorInfo {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** Exhaustiveness check for switches over unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
