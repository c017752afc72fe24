/** The port through which the API obtains temporary credentials scoped to one upload. */

export interface VendRequest {
  readonly uploadId: string;
  /** The signed-in caller's owner key (domain/owner.ts), recorded with the credentials for audit. */
  readonly owner: string;
  readonly bucket: string;
  readonly key: string;
}

export interface VendedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface CredentialVendor {
  /** Credentials that may write exactly `key` in `bucket`, always for the same principal per upload. */
  vend(request: VendRequest): Promise<VendedCredentials>;
}

export class CredentialVendError extends Error {
  override readonly name = 'CredentialVendError';
  readonly code = 'CREDENTIALS_UNAVAILABLE' as const;
  constructor(
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
