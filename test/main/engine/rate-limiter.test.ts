import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/main/engine/rate-limiter.js';
import type { Clock } from '../../../src/main/engine/ports.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A fake clock whose sleep advances the fake time; it refuses to run away (a deadlock would spin). */
function fakeClock(start = 1_000_000) {
  const state = { t: start, sleeps: 0 };
  const clock: Clock = {
    now: () => state.t,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      if (!(ms >= 0)) throw new Error(`bad sleep ${ms}`);
      if (++state.sleeps > 200_000) throw new Error('runaway: the limiter never let the bytes through');
      state.t += ms;
    },
  };
  return { clock, state, elapsed: () => (state.t - start) / 1000 };
}

/** Takes `total` bytes in chunks of the limiter's chunk size. */
async function takeAll(limiter: RateLimiter, total: number, signal?: AbortSignal): Promise<number> {
  let taken = 0;
  while (taken < total) {
    const chunk = Math.min(limiter.chunkSize(), total - taken);
    await limiter.take(chunk, signal);
    taken += chunk;
  }
  return taken;
}

/** The burst the limiter allows without waiting: a quarter second, at least 64 KiB. */
const burstSeconds = (rate: number) => Math.max(64 * KiB, rate / 4) / rate;

describe('RateLimiter', () => {
  it('never sleeps when unlimited', async () => {
    const { clock, state } = fakeClock();
    const limiter = new RateLimiter(null, clock);
    expect(limiter.limit).toBeNull();
    expect(limiter.chunkSize()).toBe(MiB);
    for (let i = 0; i < 100; i++) await limiter.take(64 * MiB);
    await limiter.take(Number.MAX_SAFE_INTEGER);
    expect(state.sleeps).toBe(0);
    expect(state.t).toBe(1_000_000);
  });

  it.each([1 * MiB, 123_457, 300_000, 10 * MiB, 64 * KiB, 50_000])(
    'at %i bytes/s, 10 seconds of bytes take about 10 s (less the initial burst)',
    async (rate) => {
      const { clock, elapsed } = fakeClock();
      const limiter = new RateLimiter(rate, clock);
      expect(limiter.limit).toBe(rate);
      await takeAll(limiter, 10 * rate);
      const expected = 10 - burstSeconds(rate);
      expect(elapsed()).toBeGreaterThan(expected * 0.95);
      expect(elapsed()).toBeLessThan(expected * 1.05);
      if (rate >= 256 * KiB) {
        // A quarter-second burst: within 5 % of 10 s.
        expect(elapsed()).toBeGreaterThan(9.5);
        expect(elapsed()).toBeLessThan(10.5);
      }
    },
  );

  it('holds the long-run rate: 60 s of bytes after the burst take 60 s', async () => {
    const rate = 2 * MiB;
    const { clock, elapsed } = fakeClock();
    const limiter = new RateLimiter(rate, clock);
    await limiter.take(rate / 4); // use up the burst
    expect(elapsed()).toBe(0);
    await takeAll(limiter, 60 * rate);
    expect(elapsed()).toBeGreaterThan(60 * 0.99);
    expect(elapsed()).toBeLessThan(60 * 1.01);
  });

  it('refills while idle, but only up to the burst', async () => {
    const rate = MiB;
    const { clock, state, elapsed } = fakeClock();
    const limiter = new RateLimiter(rate, clock);
    await limiter.take(rate / 4);
    state.t += 3_600_000; // an hour idle
    const before = elapsed();
    await takeAll(limiter, rate / 4); // the burst again: no wait
    expect(elapsed()).toBe(before);
    await takeAll(limiter, rate); // then the rate applies, not an hour's worth of saved tokens
    expect(elapsed() - before).toBeGreaterThan(0.95);
  });

  it('changes pace with setLimit', async () => {
    const rate = MiB;
    const { clock, elapsed } = fakeClock();
    const limiter = new RateLimiter(rate, clock);
    await takeAll(limiter, 4 * rate);
    const t1 = elapsed();
    expect(t1).toBeGreaterThan(3.75 * 0.95);
    expect(t1).toBeLessThan(3.75 * 1.05);

    limiter.setLimit(2 * rate);
    expect(limiter.limit).toBe(2 * rate);
    await takeAll(limiter, 8 * rate); // 4 s at the doubled rate
    const t2 = elapsed() - t1;
    expect(t2).toBeGreaterThan(4 * 0.95);
    expect(t2).toBeLessThan(4 * 1.05);

    limiter.setLimit(rate / 2);
    await takeAll(limiter, 2 * rate); // 4 s at half the rate (the smaller bucket is already full)
    const t3 = elapsed() - t1 - t2;
    expect(t3).toBeGreaterThan((4 - 0.25) * 0.95);
    expect(t3).toBeLessThan(4 * 1.05);

    limiter.setLimit(null);
    const t4 = elapsed();
    await takeAll(limiter, 100 * rate);
    expect(elapsed()).toBe(t4);
  });

  it('lets a waiter through at once when the limit is lifted while it waits', async () => {
    const { clock, state } = fakeClock();
    const limiter = new RateLimiter(MiB, clock);
    await limiter.take(MiB / 4);
    // A clock whose first sleep lifts the limit (as the app's bandwidth setting would).
    const sleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      limiter.setLimit(null);
      return sleep(ms, signal);
    };
    await limiter.take(MiB);
    expect(state.sleeps).toBe(1);
  });

  it('starts limiting when a limit is set on an unlimited limiter', async () => {
    const { clock, elapsed } = fakeClock();
    const limiter = new RateLimiter(null, clock);
    await limiter.take(100 * MiB);
    limiter.setLimit(MiB);
    await takeAll(limiter, 10 * MiB);
    expect(elapsed()).toBeGreaterThan(9.75 * 0.95);
    expect(elapsed()).toBeLessThan(9.75 * 1.05);
  });

  it('rejects with the reason of an already aborted signal', async () => {
    const { clock } = fakeClock();
    const limiter = new RateLimiter(MiB, clock);
    const controller = new AbortController();
    const reason = new Error('paused');
    controller.abort(reason);
    await expect(limiter.take(1, controller.signal)).rejects.toBe(reason);
  });

  it('rejects when aborted while waiting, and still serves the waiters behind it', async () => {
    const { clock, state } = fakeClock();
    const limiter = new RateLimiter(MiB, clock);
    await limiter.take(MiB / 4); // empty the bucket
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const sleep = clock.sleep;
    let first = true;
    clock.sleep = async (ms, signal) => {
      if (first) {
        first = false;
        controller.abort(reason);
      }
      return sleep(ms, signal);
    };
    const aborted = limiter.take(MiB / 8, controller.signal);
    const next = limiter.take(MiB / 8);
    await expect(aborted).rejects.toBe(reason);
    await expect(next).resolves.toBeUndefined();
    expect(state.sleeps).toBeGreaterThan(0);
  });

  it('serves waiters first come, first served', async () => {
    const { clock } = fakeClock();
    const limiter = new RateLimiter(MiB, clock);
    await limiter.take(MiB / 4);
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => limiter.take(n * 10 * KiB).then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3, 4]);
  });

  it('does not deadlock on a chunk larger than the bucket, and charges for it', async () => {
    const rate = MiB;
    const { clock, elapsed } = fakeClock();
    const limiter = new RateLimiter(rate, clock);
    await limiter.take(10 * rate); // the bucket holds a quarter second: this goes once it is full
    expect(elapsed()).toBeLessThan(0.5);
    await limiter.take(1); // ... and the next byte waits for the debt to be paid
    expect(elapsed()).toBeGreaterThan(9.75 * 0.95);
    expect(elapsed()).toBeLessThan(9.75 * 1.05);
  });

  it('does not deadlock on a huge chunk from an empty bucket', async () => {
    const { clock, elapsed } = fakeClock();
    const limiter = new RateLimiter(MiB, clock);
    await limiter.take(MiB / 4);
    await limiter.take(100 * MiB);
    // It waited for a full bucket (a quarter second), not for 100 s of tokens.
    expect(elapsed()).toBeGreaterThan(0.2);
    expect(elapsed()).toBeLessThan(0.3);
  });

  it.each<[number | null, number]>([
    [null, MiB],
    [1000, 32 * KiB], // the bucket's 64 KiB floor, halved
    [64 * KiB, 32 * KiB],
    [MiB, 128 * KiB], // a quarter second, halved
    [10 * MiB, 256 * KiB], // capped
  ])('asks for chunks that fit the bucket (limit %s -> %i)', (rate, chunk) => {
    const { clock } = fakeClock();
    expect(new RateLimiter(rate, clock).chunkSize()).toBe(chunk);
  });
});
