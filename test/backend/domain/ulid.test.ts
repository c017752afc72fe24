import { describe, expect, it } from 'vitest';
import { createUlidGenerator, isUlid, ulidTime, UlidError } from '../../../backend/src/domain/ulid.js';
import { uploadIdSchema } from '../../../src/shared/backend-api.js';

const fixedRandom = (byte: number) => (b: Uint8Array) => void b.fill(byte);

describe('ULIDs', () => {
  it.each([
    // [ms, random byte, expected] — values checked against the spec's encoding by hand.
    [0, 0x00, '00000000000000000000000000'],
    [1, 0x00, '00000000010000000000000000'],
    [2 ** 48 - 1, 0xff, '7ZZZZZZZZZZZZZZZZZZZZZZZZZ'],
    [1_469_918_176_385, 0x00, '01ARYZ6S410000000000000000'],
  ])('encodes time %d with random bytes 0x%s as %s', (ms, byte, expected) => {
    const next = createUlidGenerator({ now: () => ms, random: fixedRandom(byte) });
    expect(next()).toBe(expected);
  });

  it('reads the time back out of an id', () => {
    const next = createUlidGenerator({ now: () => 1_700_000_123_456 });
    expect(ulidTime(next())).toBe(1_700_000_123_456);
  });

  it('is monotonic within one millisecond and when the clock steps back', () => {
    let t = 1_700_000_000_000;
    const next = createUlidGenerator({ now: () => t, random: fixedRandom(0xfe) });
    const a = next();
    const b = next();
    t -= 5; // clock stepped back
    const c = next();
    expect(a < b && b < c).toBe(true);
    expect(ulidTime(c)).toBe(1_700_000_000_000);
  });

  it('refuses to wrap the random part within one millisecond', () => {
    const next = createUlidGenerator({ now: () => 5, random: fixedRandom(0xff) });
    next();
    expect(() => next()).toThrow(UlidError);
  });

  it('refuses times outside 48 bits', () => {
    expect(() => createUlidGenerator({ now: () => 2 ** 48 })()).toThrow(UlidError);
    expect(() => createUlidGenerator({ now: () => -1 })()).toThrow(UlidError);
  });

  it('makes ids the wire schema accepts, unique and sorted by creation', () => {
    const next = createUlidGenerator();
    const ids = Array.from({ length: 2000 }, () => next());
    for (const id of ids) {
      expect(isUlid(id)).toBe(true);
      expect(uploadIdSchema.safeParse(id).success).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it.each(['', '01ARYZ6S41', '01arYZ6S410000000000000000', '8ZZZZZZZZZZZZZZZZZZZZZZZZZ', '01ARYZ6S41000000000000000U'])('rejects %j as a ULID', (value) => {
    expect(isUlid(value)).toBe(false);
    expect(() => ulidTime(value)).toThrow(UlidError);
  });
});
