/** Errors every UploadStore implementation throws for the same situations (see the contract suite). */
export type UploadStoreErrorCode = 'ALREADY_EXISTS' | 'INVALID_CURSOR';

export class UploadStoreError extends Error {
  override readonly name = 'UploadStoreError';
  readonly retryable = false;
  constructor(
    readonly code: UploadStoreErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}
