// Which parts the resume sample re-reads: the first, the last, and max(8, 1 %) more at random.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleParts } from '../../../src/main/engine/resume-sample.js';

const range = (n: number, from = 1) => Array.from({ length: n }, (_, i) => from + i);

describe('sampleParts', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [10, 10],
    [11, 10],
    [100, 10],
    [900, 11],
    [2_384, 26], // a 40 GB file in 16 MiB parts, all sent: 2 + ceil(23.84)
    [10_000, 102],
  ])('of %i journaled parts re-reads %i', (journaled, expected) => {
    expect(sampleParts(range(journaled))).toHaveLength(expected);
  });

  it('always has the first and the last journaled part, distinct parts, ascending, all journaled', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 3_000 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (parts, r) => {
        const chosen = sampleParts(parts, () => r);
        const sorted = [...parts].sort((a, b) => a - b);
        expect(chosen[0]).toBe(sorted[0]);
        expect(chosen.at(-1)).toBe(sorted.at(-1));
        expect(new Set(chosen).size).toBe(chosen.length);
        expect([...chosen].sort((a, b) => a - b)).toEqual(chosen);
        for (const n of chosen) expect(parts).toContain(n);
      }),
    );
  });

  it('picks the random ones with the random source it is given', () => {
    expect(sampleParts(range(20), () => 0)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 20]);
  });
});
