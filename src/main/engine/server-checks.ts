/**
 * What a server checks of the parts it takes, found out by asking rather than assumed.
 *
 * A server that echoes a checksum has not necessarily checked it (moto echoes and checks
 * nothing; Ceph RGW 16.2 checks Content-MD5 but no CRC32), so "verified" cannot be read off its
 * answers. Before the first part of the file goes to a new multipart upload, the engine sends
 * one-byte parts under the number of a part it is about to send anyway (the real part then
 * replaces the probe; a probe part left over could never be completed, its ETag is not journaled):
 *   1. with an aws-chunked CRC32 trailer, unless the endpoint is known: does it take trailers?
 *      (Learning this from a real part wastes a whole part per part in flight: 64 MiB at the
 *      defaults, gigabytes with 5 GiB parts; a probe costs one byte.)
 *   2. with a CRC32 header that does not match the byte: does it refuse it?
 *   3. only when it took the wrong CRC32: with a Content-MD5 that does not match: does it refuse?
 * One to three tiny requests per upload; the answers are journaled with the upload id.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { crc32Of, crc32ToBase64 } from './crc32.js';
import type { ObjectStore } from './ports.js';
import { classifyError } from './retry.js';
import { isChecksumTrailerRefusal } from './store-errors.js';
import type { ServerChecks } from '../../shared/transfer-model.js';

const PROBE_BYTE = Buffer.from('D');
const OTHER_BYTE = Buffer.from('E');

export interface ProbeRequest {
  readonly store: ObjectStore;
  readonly where: { readonly bucket: string; readonly key: string; readonly uploadId: string };
  /** A part number about to be sent: the real part replaces the probes. */
  readonly partNumber: number;
  /** What the journal already knows of trailers at this endpoint (null: ask). */
  readonly knownTrailers: boolean | null;
  /** Runs one request with the engine's retries for network faults (the runner's `retrying`). */
  readonly retrying: <T>(operation: () => Promise<T>, what: string) => Promise<T>;
  readonly signal: AbortSignal;
}

export interface ProbeResult {
  readonly checks: ServerChecks;
  /** What the server answered the trailer probe, when it refused it. */
  readonly trailerRefusal: string | null;
}

/** Probes the upload's server (see the module comment). */
export async function probeServerChecks(request: ProbeRequest): Promise<ProbeResult> {
  const { store, where, partNumber, signal } = request;
  const part = { ...where, partNumber, contentLength: PROBE_BYTE.length };
  /** 'took' or 'refused' for a probe; anything else it throws is a real failure. */
  const attempt = (what: string, send: () => Promise<unknown>, refused: (error: unknown) => boolean) =>
    request.retrying(async () => {
      try {
        await send();
        return 'took' as const;
      } catch (error) {
        if (refused(error)) return 'refused' as const;
        throw error;
      }
    }, what);
  const checksumRefused = (error: unknown) => classifyError(error).code === 'CHECKSUM_MISMATCH';

  let trailerRefusal: string | null = null;
  const trailers =
    request.knownTrailers ??
    (await attempt(
      'probe checksum trailers',
      // A stream, as parts are: the SDK sends a buffer's checksum in a header, not a trailer.
      () => store.uploadPart({ ...part, body: Readable.from([PROBE_BYTE]), bodyChunkBytes: PROBE_BYTE.length }, signal),
      (error) => isChecksumTrailerRefusal(error) && (trailerRefusal = error.message) !== null,
    )) === 'took';
  const crc32 =
    (await attempt(
      'probe CRC32 checks',
      () => store.uploadPart({ ...part, body: PROBE_BYTE, checksumCrc32: crc32ToBase64(crc32Of(OTHER_BYTE)) }, signal),
      checksumRefused,
    )) === 'refused';
  const contentMd5 = crc32
    ? null
    : (await attempt(
        'probe Content-MD5 checks',
        () =>
          store.uploadPart(
            { ...part, body: PROBE_BYTE, checksumCrc32: crc32ToBase64(crc32Of(PROBE_BYTE)), contentMd5: createHash('md5').update(OTHER_BYTE).digest('base64') },
            signal,
          ),
        checksumRefused,
      )) === 'refused';
  return { checks: { uploadId: where.uploadId, trailers, crc32, contentMd5 }, trailerRefusal };
}

/** What the probes mean for how parts are sent and what their acceptance proves, in one sentence. */
export function describeServerChecks(checks: ServerChecks): string {
  const how = checks.trailers ? 'each part goes once, its CRC32 in a trailer' : 'each part is read twice, its checksums in headers (the server takes no checksum trailers)';
  if (checks.crc32) return `The server checks each part's CRC32: ${how}.`;
  if (checks.contentMd5) return `The server checks no CRC32 but checks Content-MD5: each part is sent with its MD5 as well, read twice.`;
  return 'The server checks neither CRC32 nor Content-MD5, so it cannot tell whether the bytes arrived intact: only sizes will be compared. --verify-file re-reads the file before completing.';
}
