/**
 * Reads the upload id back out of a dock key (`uploads/<ULID>/<name>`, see key-naming.ts). The
 * promotion and cleanup jobs start from keys that S3 hands them, so anything not in our layout
 * must be recognised and left alone rather than guessed at.
 */
import { DOCK_KEY_PREFIX } from './key-naming.js';
import { isUlid } from './ulid.js';

/** The upload id of a dock key, or null when the key is not in our layout. */
export function uploadIdFromDockKey(key: string): string | null {
  if (!key.startsWith(DOCK_KEY_PREFIX)) return null;
  const rest = key.slice(DOCK_KEY_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash !== 26) return null;
  const id = rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  if (name.length === 0 || name.includes('/') || !isUlid(id)) return null;
  return id;
}
