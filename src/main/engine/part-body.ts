/**
 * One part's bytes, read from the open file in small chunks as the UploadPart body, paced by the
 * rate limiter and counted as they go. Parts are never held whole: buffering each part in flight
 * would cost (parts in flight x part size) of RAM — 128 MiB at 8 x 16 MiB, and gigabytes for the
 * 5 GiB parts of a 48.8 TiB file (bench/huge-parts.ts measured the same peak RSS, about 100 MiB,
 * with 5 GiB parts as with 16 MiB ones).
 *
 * Normally a part is read once: the SDK sends the body aws-chunked, with the CRC32 it computes of
 * the bytes as they stream as a trailer; S3 checks the trailer against what it received and
 * answers it, and that answer is the CRC32 journaled for the part. For an endpoint without
 * aws-chunked trailers (some S3-compatible stores), crc32OfRange reads the part once more
 * beforehand so the CRC32 can go in a header; if the file changes between the two reads, the body
 * no longer matches the header and S3 refuses the part (BadDigest). Either way a changed file is
 * never stored under the old checksum, and the runner's identity check reports the change.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ChunkPool } from './chunk-pool.js';
import { crc32Of } from './crc32.js';
import type { OpenFile } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';

/** Size of each read: large enough that syscalls are cheap, small enough to keep RSS flat. */
export const READ_CHUNK_BYTES = 256 * 1024;

/**
 * The buffers part bodies read into, shared by every transfer in the process and reused once
 * written (chunk-pool.ts). Enough are kept for 8 parts in flight with a few chunks queued each;
 * more parts in flight allocate the rest as needed.
 */
export const PART_CHUNKS = new ChunkPool(READ_CHUNK_BYTES, 64);

/** CRC32 of `length` bytes at `offset`, read through `scratch` (reused, any size > 0). */
export async function crc32OfRange(file: OpenFile, offset: number, length: number, scratch: Buffer): Promise<number> {
  return (await digestRange(file, offset, length, scratch, false)).crc32;
}

/** CRC32 and, when asked, MD5 (base64) of `length` bytes at `offset`, in one read through `scratch`. */
export async function digestRange(file: OpenFile, offset: number, length: number, scratch: Buffer, withMd5: boolean): Promise<{ crc32: number; md5?: string }> {
  let crc = 0;
  const md5 = withMd5 ? createHash('md5') : null;
  for (let done = 0; done < length; ) {
    const size = Math.min(scratch.length, length - done);
    await file.readExactly(scratch, size, offset + done);
    const bytes = scratch.subarray(0, size);
    crc = crc32Of(bytes, crc);
    md5?.update(bytes);
    done += size;
  }
  return md5 ? { crc32: crc, md5: md5.digest('base64') } : { crc32: crc };
}

/**
 * A stream of `length` bytes of `file` from `offset`, paced by `limiter`, in chunks of exactly
 * READ_CHUNK_BYTES (the last one shorter). The fixed size is what lets the store announce the
 * aws-chunked body's length in advance (see aws-chunked-length.ts): its framing follows the
 * chunks. A rate limit paces the reads in the limiter's smaller steps, not the chunk size.
 */
export class FilePartBody extends Readable {
  /** The size of every chunk but the last. */
  static readonly CHUNK_BYTES = READ_CHUNK_BYTES;
  private done = 0;
  private reading = false;

  constructor(
    private readonly file: OpenFile,
    private readonly offset: number,
    private readonly length: number,
    private readonly limiter: RateLimiter,
    private readonly onBytes: (count: number) => void,
    private readonly signal: AbortSignal,
  ) {
    super({ highWaterMark: READ_CHUNK_BYTES });
  }

  /** Whether every byte of the part has been read. */
  get complete(): boolean {
    return this.done === this.length;
  }

  override _read(): void {
    if (this.reading) return;
    this.reading = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    try {
      // Push until the stream asks us to stop or the part is done.
      for (;;) {
        if (this.done >= this.length) {
          this.push(null);
          return;
        }
        const size = Math.min(READ_CHUNK_BYTES, this.length - this.done);
        for (let allowed = 0; allowed < size; ) {
          const step = Math.min(this.limiter.chunkSize(), size - allowed);
          await this.limiter.take(step, this.signal);
          allowed += step;
        }
        // A buffer of the pool, given back once the request has written it (never before).
        const chunk = PART_CHUNKS.acquire(size);
        await this.file.readExactly(chunk, size, this.offset + this.done);
        this.done += size;
        this.onBytes(size);
        if (!this.push(chunk)) return;
      }
    } catch (error) {
      // A pause or cancel aborts the request itself; the HTTP client may no longer listen to
      // this stream, so end it quietly rather than raise an error nobody handles.
      if (this.signal.aborted) this.destroy();
      else this.destroy(error as Error);
    } finally {
      this.reading = false;
    }
  }
}
