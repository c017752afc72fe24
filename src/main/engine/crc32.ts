/**
 * CRC32 (IEEE, as S3's x-amz-checksum-crc32) of parts, and the whole-file CRC32 derived from the
 * part CRCs without reading the file again.
 *
 * Why CRC32: Node has a native, fast implementation (zlib.crc32) with no extra dependency; S3
 * accepts it per part and as a FULL_OBJECT checksum for multipart uploads; and CRCs compose,
 * so the whole-file value follows from the per-part values (zlib's crc32_combine, below).
 */
import { crc32 } from 'node:zlib';

/** CRC32 of a buffer, continuing from `previous` when given. */
export function crc32Of(data: Uint8Array, previous = 0): number {
  return crc32(data, previous) >>> 0;
}

/** Base64 of the big-endian 4-byte CRC, the form S3 uses in x-amz-checksum-crc32. */
export function crc32ToBase64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/** Whether `value` is a base64 CRC32 as S3 writes them (4 bytes, 8 characters). */
export function isCrc32Base64(value: string): boolean {
  return /^[A-Za-z0-9+/]{6}==$/.test(value);
}

/** Inverse of crc32ToBase64. */
export function crc32FromBase64(value: string): number {
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== 4) throw new RangeError(`"${value}" is not a base64 CRC32.`);
  return bytes.readUInt32BE(0);
}

// A 32x32 matrix over GF(2), stored as 32 column vectors.
type Gf2Matrix = Uint32Array;

function times(mat: Gf2Matrix, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) {
    if (vec & 1) sum ^= mat[i]!;
  }
  return sum >>> 0;
}

function compose(a: Gf2Matrix, b: Gf2Matrix): Gf2Matrix {
  const out = new Uint32Array(32);
  for (let n = 0; n < 32; n++) out[n] = times(a, b[n]!);
  return out;
}

const operatorCache = new Map<number, Gf2Matrix>();

/** The linear operator that advances a CRC over `length` zero bytes (zlib's crc32_combine idea). */
function zeroBytesOperator(length: number): Gf2Matrix {
  const cached = operatorCache.get(length);
  if (cached) return cached;
  // Operator for one zero bit, then squared to 2, 4, 8 bits = one byte, and so on.
  let power: Gf2Matrix = new Uint32Array(32);
  power[0] = 0xedb88320;
  for (let n = 1; n < 32; n++) power[n] = (1 << (n - 1)) >>> 0;
  power = compose(power, power); // 2 bits
  power = compose(power, power); // 4 bits
  power = compose(power, power); // 8 bits: one byte
  let result: Gf2Matrix | null = null;
  for (let remaining = length; remaining > 0; remaining = Math.floor(remaining / 2)) {
    if (remaining % 2 === 1) result = result ? compose(power, result) : power;
    if (remaining > 1) power = compose(power, power);
  }
  const operator = result ?? identity();
  if (operatorCache.size > 64) operatorCache.clear();
  operatorCache.set(length, operator);
  return operator;
}

function identity(): Gf2Matrix {
  const out = new Uint32Array(32);
  for (let n = 0; n < 32; n++) out[n] = (1 << n) >>> 0;
  return out;
}

/** CRC32 of A+B from CRC32(A), CRC32(B) and B's length. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  return (times(zeroBytesOperator(lengthB), crcA) ^ crcB) >>> 0;
}

/** Whole-object CRC32 from the ordered parts' CRCs and sizes. */
export function crc32OfParts(parts: ReadonlyArray<{ readonly crc: number; readonly size: number }>): number {
  let crc = 0;
  for (const part of parts) crc = crc32Combine(crc, part.crc, part.size);
  return crc;
}
