import { describe, expect, it } from 'vitest';
import { ThroughputMeter } from '../../../src/main/engine/throughput-meter.js';

const MiB = 1024 * 1024;

/** Feeds the meter `seconds` of traffic at `rate` bytes/s, one sample every `stepMs`; returns the new [now, bytes]. */
function feed(meter: ThroughputMeter, from: [number, number], rate: number, seconds: number, stepMs = 250): [number, number] {
  let [now, bytes] = from;
  const steps = Math.round((seconds * 1000) / stepMs);
  for (let i = 0; i < steps; i++) {
    now += stepMs;
    bytes += (rate * stepMs) / 1000;
    meter.sample(now, bytes);
  }
  return [now, bytes];
}

describe('ThroughputMeter', () => {
  it.each([1000, 3 * MiB, 250 * MiB])('measures a constant %i bytes/s exactly', (rate) => {
    const meter = new ThroughputMeter();
    expect(meter.sample(10_000, 0)).toBe(0);
    feed(meter, [10_000, 0], rate, 20);
    expect(meter.bytesPerSecond).toBeCloseTo(rate, 6);
  });

  it('converges to a new constant rate after a change', () => {
    const meter = new ThroughputMeter(5_000);
    meter.sample(0, 0);
    let at = feed(meter, [0, 0], 10 * MiB, 10);
    at = feed(meter, at, 2 * MiB, 60);
    expect(meter.bytesPerSecond / (2 * MiB)).toBeCloseTo(1, 3);
    feed(meter, at, 8 * MiB, 60, 1000);
    expect(meter.bytesPerSecond / (8 * MiB)).toBeCloseTo(1, 3);
  });

  it('smooths over about one window: after windowMs, 1 - 1/e of a step change is seen', () => {
    const meter = new ThroughputMeter(5_000);
    meter.sample(0, 0);
    const at = feed(meter, [0, 0], 1000, 10, 100);
    expect(meter.bytesPerSecond).toBeCloseTo(1000, 6);
    feed(meter, at, 2000, 5, 100);
    expect(meter.bytesPerSecond).toBeCloseTo(2000 - 1000 * Math.exp(-1), 6);
  });

  it('does not care how often it is sampled', () => {
    const a = new ThroughputMeter();
    const b = new ThroughputMeter();
    a.sample(0, 0);
    b.sample(0, 0);
    feed(a, feed(a, [0, 0], 1000, 5, 50), 3000, 5, 50);
    feed(b, feed(b, [0, 0], 1000, 5, 500), 3000, 5, 500);
    expect(a.bytesPerSecond).toBeCloseTo(b.bytesPerSecond, 6);
  });

  it('estimates time left as remaining / rate', () => {
    const meter = new ThroughputMeter();
    meter.sample(0, 0);
    feed(meter, [0, 0], 4 * MiB, 10);
    expect(meter.eta(400 * MiB)).toBeCloseTo(100, 6);
    expect(meter.eta(MiB)).toBeCloseTo(0.25, 6);
    expect(meter.eta(0)).toBe(0);
    expect(meter.eta(-5)).toBe(0);
  });

  it('knows no speed or time left before warm-up', () => {
    const meter = new ThroughputMeter();
    expect(meter.bytesPerSecond).toBe(0);
    expect(meter.eta(MiB)).toBeNull();
    expect(meter.sample(1000, 5 * MiB)).toBe(0); // the first sample is only a starting point
    expect(meter.eta(MiB)).toBeNull();
    expect(meter.sample(1000, 6 * MiB)).toBe(0); // no time has passed: still nothing to measure
    expect(meter.eta(MiB)).toBeNull();
    expect(meter.sample(2000, 7 * MiB)).toBe(2 * MiB); // 2 MiB in 1 s since the starting point
    expect(meter.eta(4 * MiB)).toBeCloseTo(2, 6);
  });

  it('gives no eta while nothing moves (rate below 1 byte/s)', () => {
    const meter = new ThroughputMeter();
    meter.sample(0, 100);
    meter.sample(1000, 100);
    expect(meter.bytesPerSecond).toBe(0);
    expect(meter.eta(MiB)).toBeNull();
  });

  it('forgets everything on reset()', () => {
    const meter = new ThroughputMeter();
    meter.sample(0, 0);
    const at = feed(meter, [0, 0], 10 * MiB, 10);
    expect(meter.bytesPerSecond).toBeGreaterThan(0);
    meter.reset();
    expect(meter.bytesPerSecond).toBe(0);
    expect(meter.eta(MiB)).toBeNull();
    // A paused hour later: the first sample restarts the measurement...
    const resumeAt = at[0] + 3_600_000;
    expect(meter.sample(resumeAt, at[1])).toBe(0);
    expect(meter.eta(MiB)).toBeNull();
    // ... and the next measures the new speed alone, not blended with the old one or the pause.
    expect(meter.sample(resumeAt + 1000, at[1] + MiB)).toBe(MiB);
  });

  it('never reports negative speed when bytes go backwards (a part is retried)', () => {
    const meter = new ThroughputMeter();
    meter.sample(0, 0);
    meter.sample(1000, 10 * MiB);
    const before = meter.bytesPerSecond;
    // An in-flight 8 MiB part is abandoned: bytesDone drops.
    const after = meter.sample(1500, 2 * MiB);
    expect(after).toBeGreaterThanOrEqual(0);
    expect(after).toBeLessThan(before); // half a second with no progress counts as slow
    expect(meter.eta(MiB)).not.toBeLessThan(0);
    // Progress from the lower value is counted again from there.
    meter.sample(2500, 3 * MiB);
    expect(meter.bytesPerSecond).toBeGreaterThan(0);
  });

  it('stays non-negative over a long stretch of drops to zero', () => {
    const meter = new ThroughputMeter(1000);
    meter.sample(0, 50 * MiB);
    for (let i = 1; i <= 100; i++) {
      const rate = meter.sample(i * 100, i % 10 === 0 ? 0 : (i % 10) * MiB);
      expect(rate).toBeGreaterThanOrEqual(0);
      const eta = meter.eta(MiB);
      if (eta !== null) expect(eta).toBeGreaterThan(0);
    }
  });

  it('ignores samples that do not move forward in time', () => {
    const meter = new ThroughputMeter();
    meter.sample(0, 0);
    meter.sample(1000, MiB);
    expect(meter.sample(1000, 50 * MiB)).toBe(MiB);
    expect(meter.sample(500, 60 * MiB)).toBe(MiB);
    expect(meter.bytesPerSecond).toBe(MiB);
  });
});
