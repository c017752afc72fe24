/**
 * Which multipart uploads in the dock the cleanup job aborts. Age comes from the upload id (a
 * ULID) in the key, never from S3's `Initiated` (moto reports a fixed 2010 date, and the id's time
 * is when the backend created the upload, which is what the limit is about).
 */
import { uploadIdFromDockKey } from './dock-key-id.js';
import { ulidTime } from './ulid.js';

export type CleanupDecision =
  | { readonly kind: 'foreign' }
  | { readonly kind: 'young'; readonly uploadId: string; readonly ageMs: number }
  | { readonly kind: 'expired'; readonly uploadId: string; readonly ageMs: number };

/** Decides for one in-progress multipart upload on `key`. */
export function cleanupDecision(key: string, nowMs: number, maxAgeMs: number): CleanupDecision {
  const uploadId = uploadIdFromDockKey(key);
  if (uploadId === null) return { kind: 'foreign' };
  const ageMs = nowMs - ulidTime(uploadId);
  // Strictly older: an upload exactly at the limit gets one more round.
  return ageMs > maxAgeMs ? { kind: 'expired', uploadId, ageMs } : { kind: 'young', uploadId, ageMs };
}
