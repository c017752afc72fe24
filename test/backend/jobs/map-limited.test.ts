import { describe, expect, it } from 'vitest';
import { mapLimited } from '../../../backend/src/domain/map-limited.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimited', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimited([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick(n);
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('stops starting calls after a failure and rejects with the first error', async () => {
    const started: number[] = [];
    await expect(
      mapLimited([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('two');
        return n;
      }),
    ).rejects.toThrow('two');
    expect(started).toEqual([1, 2]);
  });

  it('stops starting calls when the signal aborts', async () => {
    const ac = new AbortController();
    const started: number[] = [];
    await expect(
      mapLimited(
        [1, 2, 3],
        1,
        async (n) => {
          started.push(n);
          ac.abort(new Error('stop'));
          return n;
        },
        ac.signal,
      ),
    ).rejects.toThrow('stop');
    expect(started).toEqual([1]);
  });
});
