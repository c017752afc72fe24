/**
 * The length on the wire of an UploadPart body the AWS SDK sends aws-chunked with a checksum
 * trailer, so the request can say `Content-Length` instead of `Transfer-Encoding: chunked`.
 *
 * Why: the SDK sends such bodies HTTP-chunked (its flexible-checksums middleware drops the
 * Content-Length), which frames every chunk twice. Node then writes each chunk with a string
 * size line beside it, and for such mixed writes it copies the chunk's bytes once more before
 * encrypting them; measured with perf on a 4 GiB upload, that copy alone was 4 % of the process's
 * CPU. S3 documents Content-Length for aws-chunked bodies (the whole encoded length), and some
 * S3-compatible stores refuse chunked requests (411 Length Required).
 *
 * The SDK (Node) frames each chunk the body emits as `<size hex>\r\n<bytes>\r\n`, then ends with
 * `0\r\n<trailer>:<value>\r\n\r\n`. The length follows from the payload's size only when the
 * body's chunk sizes are known in advance, which FilePartBody guarantees (UploadPartRequest.bodyChunkBytes).
 * test/main/engine/part-wire.integration.test.ts checks the formula against the bytes the SDK sends.
 */

/** Base64 of a 4-byte CRC32. */
const CRC32_BASE64_LENGTH = 8;
export const CRC32_TRAILER = 'x-amz-checksum-crc32';

/** Bytes on the wire for `payloadBytes` sent in chunks of `chunkBytes` (the last shorter) with a CRC32 trailer. */
export function awsChunkedLength(payloadBytes: number, chunkBytes: number): number {
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0) throw new RangeError(`payload size ${payloadBytes} is not a byte count`);
  if (!Number.isSafeInteger(chunkBytes) || chunkBytes <= 0) throw new RangeError(`chunk size ${chunkBytes} is not a positive byte count`);
  const frame = (n: number) => n.toString(16).length + 2 + n + 2;
  const full = Math.floor(payloadBytes / chunkBytes);
  const rest = payloadBytes % chunkBytes;
  const chunks = full * frame(chunkBytes) + (rest > 0 ? frame(rest) : 0);
  return chunks + '0\r\n'.length + CRC32_TRAILER.length + 1 + CRC32_BASE64_LENGTH + '\r\n'.length + '\r\n'.length;
}

/**
 * Rewrites a request the SDK made aws-chunked with a CRC32 trailer to carry its Content-Length
 * (for a body in chunks of `chunkBytes`); leaves any other request as it is. Returns whether it did.
 */
export function announceAwsChunkedLength(request: unknown, chunkBytes: number): boolean {
  if (typeof request !== 'object' || request === null) return false;
  const headers = (request as { headers?: unknown }).headers;
  if (typeof headers !== 'object' || headers === null) return false;
  const h = headers as Record<string, string | undefined>;
  const decoded = h['x-amz-decoded-content-length'];
  if (h['transfer-encoding'] !== 'chunked' || h['x-amz-trailer'] !== CRC32_TRAILER || decoded === undefined || !/^\d+$/.test(decoded)) return false;
  h['content-length'] = String(awsChunkedLength(Number(decoded), chunkBytes));
  delete h['transfer-encoding'];
  return true;
}
