import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CRC32_IMPLEMENTATION, Crc32Checksum, crc32Combine, crc32FromBase64, crc32Of, crc32OfParts, crc32ToBase64, isCrc32Base64 } from '../../../src/main/engine/crc32.js';

describe('crc32', () => {
  it('matches the IEEE check value', () => {
    expect(crc32Of(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('tells a base64 CRC32 from anything else an endpoint might answer', () => {
    expect(isCrc32Base64('y/Q5Jg==')).toBe(true);
    expect(isCrc32Base64(crc32ToBase64(0))).toBe(true);
    for (const bad of ['', 'y/Q5Jg', 'y/Q5Jg=', 'y/Q5Jg==x', 'y/Q5JgAA', 'AAAAAAAAAAA=', 'y/Q5Jg== ', '"y/Q5Jg=="']) expect(isCrc32Base64(bad), bad).toBe(false);
  });

  it('round-trips the base64 form S3 uses', () => {
    expect(crc32ToBase64(0xcbf43926)).toBe('y/Q5Jg==');
    expect(crc32FromBase64('y/Q5Jg==')).toBe(0xcbf43926);
    expect(() => crc32FromBase64('AAAA')).toThrow(RangeError);
  });

  it.each([
    [0, 0],
    [0, 1],
    [1, 0],
    [7, 13],
    [1000, 65_537],
    [4096, 1],
  ])('combines a %i-byte and a %i-byte buffer like a CRC of their concatenation', (lenA, lenB) => {
    const a = randomBytes(lenA);
    const b = randomBytes(lenB);
    expect(crc32Combine(crc32Of(a), crc32Of(b), b.length)).toBe(crc32Of(Buffer.concat([a, b])));
  });

  it('derives the whole-object CRC from many parts, including a short last part', () => {
    const parts = [randomBytes(1024), randomBytes(1024), randomBytes(1024), randomBytes(17)];
    const whole = crc32OfParts(parts.map((p) => ({ crc: crc32Of(p), size: p.length })));
    expect(whole).toBe(crc32Of(Buffer.concat(parts)));
  });

  it('handles lengths beyond 2^32 bytes (parts of a 5 TiB object) without overflow', () => {
    // CRC(A + zeros(n)) computed two ways for n > 2^32 is too big to materialise, so check the
    // operator's algebra instead: appending 2^32+5 zero bytes in one step or in two steps agrees.
    const crcA = crc32Of(Buffer.from('dockside'));
    const big = 2 ** 32 + 5;
    const oneStep = crc32Combine(crcA, 0, big);
    const zerosCrc = (n: number) => crc32Combine(0, 0, n); // CRC of n zero bytes starting from 0 is 0
    const twoSteps = crc32Combine(crc32Combine(crcA, zerosCrc(2 ** 32), 2 ** 32), zerosCrc(5), 5);
    expect(oneStep).toBe(twoSteps);
  });

  it('uses the native CRC32 where its prebuilt binary exists, and it agrees with zlib byte for byte', () => {
    // @node-rs/crc32 ships binaries for these (and more); elsewhere zlib is the fallback.
    if (['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`)) {
      expect(CRC32_IMPLEMENTATION).toBe('native');
    }
    for (const size of [0, 1, 7, 63, 64, 65, 4096, 256 * 1024 + 3]) {
      const data = randomBytes(size);
      const seed = randomBytes(4).readUInt32BE(0);
      expect(crc32Of(data), `size ${size}`).toBe(zlibCrc32(data) >>> 0);
      // Continuing over no bytes leaves the CRC as it was (zlib itself would answer 0).
      expect(crc32Of(data, seed), `size ${size}, continued`).toBe(size === 0 ? seed : zlibCrc32(data, seed) >>> 0);
      // Not only Buffers: a Uint8Array view into a larger ArrayBuffer.
      const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      expect(crc32Of(view)).toBe(zlibCrc32(data) >>> 0);
    }
  });

  it("serves the AWS SDK's Checksum interface: update in pieces, a 4-byte big-endian digest, reset", async () => {
    const data = randomBytes(100_000);
    const sum = new Crc32Checksum();
    sum.update(data.subarray(0, 12_345));
    sum.update(new Uint8Array(data.buffer, data.byteOffset + 12_345, data.length - 12_345));
    const digest = await sum.digest();
    expect(Buffer.from(digest).readUInt32BE(0)).toBe(crc32Of(data));
    sum.reset();
    expect(Buffer.from(await sum.digest()).readUInt32BE(0)).toBe(0);
    sum.update(Buffer.from('123456789'));
    expect(Buffer.from(await sum.digest()).toString('base64')).toBe('y/Q5Jg==');
  });
});
