/** Transfer ids: time-sortable, short enough to type (`dockside log 01J...`), unique. */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lowercase

/** A new id: 10 chars of milliseconds since the epoch, then 6 random chars. */
export function newTransferId(now = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = Array.from(randomBytes(6), (b) => ALPHABET[b % 32]).join('');
  return time + random;
}
