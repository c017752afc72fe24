/** Typed failures of ObjectStore operations that the engine acts on beyond their code. */
import { DocksideError } from '../../shared/errors.js';

/**
 * The server refused a part whose CRC32 came as an aws-chunked trailer (Ceph RGW 16.2 answers
 * 400 XAmzContentSHA256Mismatch after reading the whole body; others 411 or 501): send the CRC32
 * in a header instead. Code INVALID_REQUEST, so it is permanent for the part as sent.
 */
export class ChecksumTrailerRefusedError extends DocksideError {
  override readonly name = 'ChecksumTrailerRefusedError';
  readonly reason = 'checksum-trailer-refused' as const;
  constructor(message: string, cause: unknown) {
    super('INVALID_REQUEST', message, { cause });
  }
}

/** Whether UploadPart failed because the server does not take CRC32 trailers (see ChecksumTrailerRefusedError). */
export function isChecksumTrailerRefusal(error: unknown): error is ChecksumTrailerRefusedError {
  return error instanceof ChecksumTrailerRefusedError;
}
