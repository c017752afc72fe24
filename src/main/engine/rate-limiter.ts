/**
 * A token bucket shared by every part of every transfer, so `--limit-rate` caps the total
 * upload rate. Bytes per second may change while running (the app's bandwidth setting).
 */
import type { Clock } from './ports.js';

export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  /** `bytesPerSecond` null means unlimited. Burst: a quarter second of traffic, at least 64 KiB. */
  constructor(
    private bytesPerSecond: number | null,
    private readonly clock: Clock,
  ) {
    this.last = clock.now();
    this.tokens = this.burst();
  }

  get limit(): number | null {
    return this.bytesPerSecond;
  }

  setLimit(bytesPerSecond: number | null): void {
    this.refill();
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = Math.min(this.tokens, this.burst());
  }

  /** The largest chunk worth asking for at once. */
  chunkSize(): number {
    return this.bytesPerSecond === null ? 1024 * 1024 : Math.max(16 * 1024, Math.min(256 * 1024, Math.floor(this.burst() / 2)));
  }

  /** Waits until `bytes` may be sent. Callers are served first come, first served. */
  take(bytes: number, signal?: AbortSignal): Promise<void> {
    if (this.bytesPerSecond === null) return Promise.resolve();
    const turn = this.queue.then(() => this.wait(bytes, signal));
    // Keep the chain alive when one waiter aborts, so the others still get their turn.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(bytes: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const rate = this.bytesPerSecond;
      if (rate === null) return;
      this.refill();
      // A request larger than the bucket may go once the bucket is full, else it would wait forever.
      const need = Math.min(bytes, this.burst());
      if (this.tokens >= need) {
        this.tokens -= bytes;
        return;
      }
      await this.clock.sleep(Math.max(1, Math.ceil(((need - this.tokens) / rate) * 1000)), signal);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    if (this.bytesPerSecond !== null) {
      this.tokens = Math.min(this.burst(), this.tokens + ((now - this.last) / 1000) * this.bytesPerSecond);
    }
    this.last = now;
  }

  private burst(): number {
    return this.bytesPerSecond === null ? Number.POSITIVE_INFINITY : Math.max(64 * 1024, this.bytesPerSecond / 4);
  }
}
