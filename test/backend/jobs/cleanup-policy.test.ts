import { describe, expect, it } from 'vitest';
import { cleanupDecision } from '../../../backend/src/domain/cleanup-policy.js';
import { uploadIdFromDockKey } from '../../../backend/src/domain/dock-key-id.js';
import { redeliveryDelaySeconds } from '../../../backend/src/domain/redelivery-delay.js';
import { createUlidGenerator } from '../../../backend/src/domain/ulid.js';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 0, 10, 12);
const idAt = (ms: number): string => createUlidGenerator({ now: () => ms })();

describe('uploadIdFromDockKey', () => {
  it.each([
    ['uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/report.pdf', '01ARZ3NDEKTSV4RRFFQ69G5FAV'],
    ['uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/', null],
    ['uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/a/b', null],
    ['uploads/01arz3ndektsv4rrffq69g5fav/x', null],
    ['uploads/not-a-ulid/x', null],
    ['other/01ARZ3NDEKTSV4RRFFQ69G5FAV/x', null],
    ['uploads/81ARZ3NDEKTSV4RRFFQ69G5FAV/x', null],
  ])('%s -> %s', (key, id) => {
    expect(uploadIdFromDockKey(key)).toBe(id);
  });
});

describe('cleanupDecision', () => {
  const max = 72 * HOUR;
  it('expires only uploads whose id is strictly older than the limit', () => {
    const old = idAt(now - max - 1);
    expect(cleanupDecision(`uploads/${old}/f`, now, max)).toEqual({ kind: 'expired', uploadId: old, ageMs: max + 1 });
    const edge = idAt(now - max);
    expect(cleanupDecision(`uploads/${edge}/f`, now, max)).toMatchObject({ kind: 'young', ageMs: max });
    const young = idAt(now - HOUR);
    expect(cleanupDecision(`uploads/${young}/f`, now, max)).toMatchObject({ kind: 'young', uploadId: young });
  });

  it('leaves keys outside our layout alone', () => {
    expect(cleanupDecision('backups/x.tar', now, max)).toEqual({ kind: 'foreign' });
    expect(cleanupDecision('uploads/x/y', now, max)).toEqual({ kind: 'foreign' });
  });
});

describe('redeliveryDelaySeconds', () => {
  it('doubles from the base per delivery and stops at the cap (inside the 5-minute FIFO dedup window)', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => redeliveryDelaySeconds(n, 5, 60))).toEqual([5, 10, 20, 40, 60, 60, 60]);
    expect(redeliveryDelaySeconds(0, 5, 60)).toBe(5);
    expect(redeliveryDelaySeconds(3, 0, 0)).toBe(0);
  });
});
