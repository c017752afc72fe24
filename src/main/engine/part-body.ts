/**
 * The body of one UploadPart: the part's bytes (already read from disk and checksummed) handed
 * to the HTTP client in chunks, paced by the rate limiter and counted as they go, so progress
 * moves smoothly inside large parts and a bandwidth cap holds.
 */
import { Readable } from 'node:stream';
import type { RateLimiter } from './rate-limiter.js';

export function partBody(
  bytes: Buffer,
  limiter: RateLimiter,
  onBytes: (count: number) => void,
  signal: AbortSignal,
): Readable {
  let offset = 0;
  let reading = false;
  return new Readable({
    highWaterMark: 256 * 1024,
    read() {
      if (reading) return;
      reading = true;
      void (async () => {
        try {
          // Push until the stream asks us to stop or the part is done.
          for (;;) {
            if (offset >= bytes.length) {
              this.push(null);
              return;
            }
            const size = Math.min(limiter.chunkSize(), bytes.length - offset);
            await limiter.take(size, signal);
            const chunk = bytes.subarray(offset, offset + size);
            offset += size;
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
