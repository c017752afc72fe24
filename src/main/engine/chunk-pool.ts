/**
 * Read buffers for part bodies, reused once the HTTP layer has finished writing them.
 *
 * Why: a fresh 256 KiB Buffer per chunk is 400 MiB/s of ArrayBuffers at full speed. V8 answers
 * that with a minor GC every ~60 ms ("external memory pressure", measured with --trace-gc), and
 * every object alive across two of them (the SDK's per-request objects live as long as their part)
 * is promoted to the old generation as garbage: the heap, and so RSS, grew for the first ~15 s of
 * every long upload (peak RSS 135 MiB at 1 GiB, 163 MiB at 16 GiB). Reused buffers allocate nothing.
 *
 * When a buffer is reused: only after the request it was written to says so. FilePartBody takes
 * its chunks from here; S3ObjectStore's agents (store-agents.ts) pass a callback with each chunk
 * a request writes and give the buffer back when the socket has taken it (for TLS, once encrypted).
 * A chunk whose request is aborted before that is never given back; it is garbage like any other
 * Buffer, and the pool allocates anew. The CRC32 of a chunk is computed before it is written, and
 * S3 checks the trailer against the bytes it received: were a buffer ever reused too early, the
 * part would be refused (BadDigest) and sent again, never stored wrong.
 */

export class ChunkPool {
  private readonly free: Buffer[] = [];
  /** The chunk handed out (possibly a shorter view) -> the pooled buffer behind it. */
  private readonly lent = new WeakMap<Uint8Array, Buffer>();
  private allocated = 0;

  constructor(
    readonly chunkBytes: number,
    /** Buffers kept for reuse at most; more may be lent at once (they are then not kept). */
    private readonly keep: number,
  ) {}

  /** A buffer of `size` bytes (at most chunkBytes) to read a chunk into; give it back with release(). */
  acquire(size: number): Buffer {
    if (size > this.chunkBytes || size <= 0) return Buffer.allocUnsafe(size);
    let buffer = this.free.pop();
    if (!buffer) {
      buffer = Buffer.allocUnsafeSlow(this.chunkBytes);
      this.allocated++;
    }
    const chunk = size === buffer.length ? buffer : buffer.subarray(0, size);
    this.lent.set(chunk, buffer);
    return chunk;
  }

  /** Whether `chunk` came from acquire() and has not been released. */
  owns(chunk: unknown): chunk is Buffer {
    return chunk instanceof Uint8Array && this.lent.has(chunk);
  }

  /** Gives `chunk` back; a second release, or one of a chunk not from here, does nothing. */
  release(chunk: Uint8Array): void {
    const buffer = this.lent.get(chunk);
    if (!buffer) return;
    this.lent.delete(chunk);
    if (this.free.length < this.keep) this.free.push(buffer);
  }

  /** Buffers allocated so far, and those waiting for reuse (for tests and diagnostics). */
  stats(): { allocated: number; free: number } {
    return { allocated: this.allocated, free: this.free.length };
  }
}

type Write = (chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;

/** Makes `req` give pooled chunks back to `pool` once it has written them (see above); call before anything is written. */
export function returnChunksOnceWritten(req: object, pool: ChunkPool): void {
  const own = req as { write: Write };
  const write = own.write;
  own.write = function (this: unknown, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    if (!pool.owns(chunk)) return write.call(req, chunk, encoding, callback);
    const done = typeof encoding === 'function' ? encoding : callback;
    return write.call(req, chunk, typeof encoding === 'function' ? undefined : encoding, (error?: Error | null) => {
      pool.release(chunk);
      if (typeof done === 'function') (done as (error?: Error | null) => void)(error);
    });
  };
}
