/**
 * Smoothed speed and time left. Samples are taken at each progress tick; the speed is an
 * exponentially weighted moving average over roughly the last `windowMs`, so a single slow part
 * or a retry does not make the ETA jump around.
 */
export class ThroughputMeter {
  private lastAt: number | null = null;
  private lastBytes = 0;
  private rate = 0;
  private warm = false;

  constructor(private readonly windowMs = 5_000) {}

  /** Records that `bytesDone` bytes were done at time `now` (ms); returns the smoothed bytes/s. */
  sample(now: number, bytesDone: number): number {
    if (this.lastAt === null) {
      this.lastAt = now;
      this.lastBytes = bytesDone;
      return 0;
    }
    const dt = now - this.lastAt;
    if (dt <= 0) return this.rate;
    // Bytes can go backwards when an in-flight part is abandoned for a retry; that is not speed.
    const delta = Math.max(0, bytesDone - this.lastBytes);
    const instant = (delta / dt) * 1000;
    const alpha = 1 - Math.exp(-dt / this.windowMs);
    this.rate = this.warm ? this.rate + alpha * (instant - this.rate) : instant;
    this.warm = true;
    this.lastAt = now;
    this.lastBytes = bytesDone;
    return this.rate;
  }

  /** Forget history (after a pause) so the speed is measured afresh. */
  reset(): void {
    this.lastAt = null;
    this.rate = 0;
    this.warm = false;
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  /** Seconds until `remaining` more bytes are done at the current speed; null while unknown. */
  eta(remaining: number): number | null {
    if (remaining <= 0) return 0;
    if (!this.warm || this.rate < 1) return null;
    return remaining / this.rate;
  }
}
