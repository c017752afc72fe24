/**
 * ULIDs (https://github.com/ulid/spec): 48 bits of milliseconds since the epoch, then 80 random
 * bits, as 26 Crockford base32 characters. Upload ids are ULIDs because the id is also the
 * time-ordered part of the dock key, and the cleanup job judges an upload's age from it (moto, and
 * S3 after a copy, cannot be trusted for the multipart upload's own `Initiated` date).
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_BYTES = 10;
const MAX_TIME = 2 ** 48 - 1;

export class UlidError extends Error {
  override readonly name = 'UlidError';
  readonly code = 'INVALID_ULID' as const;
  readonly retryable = false;
}

export interface UlidGeneratorOptions {
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
  /** Fills the buffer with random bytes; injected by tests. */
  readonly random?: (bytes: Uint8Array) => void;
}

function encodeTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIME) {
    throw new UlidError(`ULID time must be an integer between 0 and 2^48-1 ms, got ${ms}`);
  }
  let out = '';
  let t = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[t % 32]! + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** 80 bits → 16 characters, 5 bits at a time, most significant first. */
function encodeRandom(bytes: Uint8Array): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(value & 31n)]! + out;
    value >>= 5n;
  }
  return out;
}

/** Adds one to the 80-bit big-endian number in place; false when it wrapped (all ones before). */
function increment(bytes: Uint8Array): boolean {
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      bytes[i]! += 1;
      return true;
    }
    bytes[i] = 0;
  }
  return false;
}

/**
 * Returns a ULID generator. Within one millisecond (or when the clock steps back) it is monotonic:
 * the random part is the previous one plus one, so ids made by one process sort in the order they
 * were made, as the spec's monotonic factory does.
 */
export function createUlidGenerator(options: UlidGeneratorOptions = {}): () => string {
  const now = options.now ?? Date.now;
  const random = options.random ?? ((b: Uint8Array) => void randomFillSync(b));
  let lastTime = -1;
  const lastRandom = new Uint8Array(RANDOM_BYTES);
  return () => {
    const t = now();
    if (t <= lastTime) {
      if (!increment(lastRandom)) throw new UlidError('ULID random part overflowed within one millisecond');
      return encodeTime(lastTime) + encodeRandom(lastRandom);
    }
    lastTime = t;
    random(lastRandom);
    return encodeTime(t) + encodeRandom(lastRandom);
  };
}

/** A ULID from the process-wide monotonic generator. */
export const newUlid: () => string = createUlidGenerator();

const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** True for a canonical (upper-case) ULID. */
export function isUlid(value: string): boolean {
  return ULID_PATTERN.test(value);
}

/** The creation time (epoch ms) a ULID carries. */
export function ulidTime(id: string): number {
  if (!isUlid(id)) throw new UlidError(`not a ULID: ${JSON.stringify(id.slice(0, 40))}`);
  let ms = 0;
  for (let i = 0; i < TIME_CHARS; i++) ms = ms * 32 + ALPHABET.indexOf(id[i]!);
  return ms;
}
