/**
 * One part's bytes, read from the open file in small chunks: first to checksum the part, then
 * again as the UploadPart body, paced by the rate limiter and counted as they go.
 *
 * Why two passes instead of holding the part in memory: S3 needs the part's CRC32 in a header,
 * before the body; buffering each part in flight cost (parts in flight x part size) of RAM —
 * 128 MiB at 8 x 16 MiB, and gigabytes for the 500 MiB parts of a 5 TiB file. Reading twice costs
 * a second pass over bytes that are still in the page cache. If the file changes between the two
 * passes, the body no longer matches the CRC header and S3 refuses the part (BadDigest), so a
 * changed file can never be stored under the old checksum; the runner's identity check then
 * reports the change.
 */
import { Readable } from 'node:stream';
import { crc32Of } from './crc32.js';
import type { OpenFile } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';

/** Size of each read: large enough that syscalls are cheap, small enough to keep RSS flat. */
export const READ_CHUNK_BYTES = 256 * 1024;

/** CRC32 of `length` bytes at `offset`, read through `scratch` (reused, any size > 0). */
export async function crc32OfRange(file: OpenFile, offset: number, length: number, scratch: Buffer): Promise<number> {
  let crc = 0;
  for (let done = 0; done < length; ) {
    const size = Math.min(scratch.length, length - done);
    await file.readExactly(scratch, size, offset + done);
    crc = crc32Of(scratch.subarray(0, size), crc);
    done += size;
  }
  return crc;
}

/** A stream of `length` bytes of `file` from `offset`, paced by `limiter`. */
export function filePartBody(
  file: OpenFile,
  offset: number,
  length: number,
  limiter: RateLimiter,
  onBytes: (count: number) => void,
  signal: AbortSignal,
): Readable {
  let done = 0;
  let reading = false;
  return new Readable({
    highWaterMark: READ_CHUNK_BYTES,
    read() {
      if (reading) return;
      reading = true;
      void (async () => {
        try {
          // Push until the stream asks us to stop or the part is done.
          for (;;) {
            if (done >= length) {
              this.push(null);
              return;
            }
            const size = Math.min(limiter.chunkSize(), READ_CHUNK_BYTES, length - done);
            await limiter.take(size, signal);
            // A fresh buffer per chunk: the socket may still hold the previous one.
            const chunk = Buffer.allocUnsafe(size);
            await file.readExactly(chunk, size, offset + done);
            done += size;
            onBytes(size);
            if (!this.push(chunk)) return;
          }
        } catch (error) {
          // A pause or cancel aborts the request itself; the HTTP client may no longer listen to
          // this stream, so end it quietly rather than raise an error nobody handles.
          if (signal.aborted) this.destroy();
          else this.destroy(error as Error);
        } finally {
          reading = false;
        }
      })();
    },
  });
}
