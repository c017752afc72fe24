/**
 * A file's identity: what the platform says about it that a user cannot forge, so that a file
 * changed between two looks at it is never taken for the same one.
 *
 * Size and modification time alone are not enough: `touch -r`, `cp -p`, `rsync -a` and unzip put
 * the modification time back after writing other bytes. The change time (ctime) cannot be set by
 * any of them: the kernel moves it on every write, truncate, chmod, chown or link. Device and inode
 * tell whether the path still names the same file (a replaced file or a re-pointed symlink has
 * another inode). Times are kept in nanoseconds, as the platform gives them.
 *
 * What each field is on each platform (libuv's stat):
 *   - Linux: st_size, st_mtim, st_ctim, st_dev, st_ino.
 *   - macOS: st_size, st_mtimespec, st_ctimespec (status change), st_dev, st_ino.
 *   - Windows (NTFS, ReFS): size; LastWriteTime; ChangeTime (moves on writes and attribute changes,
 *     unlike CreationTime); the volume serial number; the 64-bit file index (FileId).
 */
import type { BigIntStats } from 'node:fs';

export interface FileIdentity {
  readonly size: number;
  /** Modification time in whole milliseconds (journaled on its own, shown to people). */
  readonly mtimeMs: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly dev: bigint;
  readonly ino: bigint;
}

/**
 * An identity as journaled. Transfers journaled before change times were kept (format 1:
 * `size:mtimeMs:dev:ino`) have no ctime and millisecond times; what they lack is not compared,
 * and the sampled re-read at resume is what catches a rewrite for them.
 */
export interface JournaledIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly mtimeNs?: bigint;
  readonly ctimeNs?: bigint;
  readonly dev?: bigint;
  readonly ino?: bigint;
}

const FORMAT_2 = 'v2';

/** The identity of a file from its stat (taken with `{ bigint: true }`). */
export function identityOf(stats: BigIntStats): FileIdentity {
  return {
    size: Number(stats.size),
    mtimeMs: Number(stats.mtimeNs / 1_000_000n),
    mtimeNs: stats.mtimeNs,
    ctimeNs: stats.ctimeNs,
    dev: stats.dev,
    ino: stats.ino,
  };
}

/** The journal's form of an identity: `v2:size:mtimeNs:ctimeNs:dev:ino`. */
export function identityKey(identity: FileIdentity): string {
  return [FORMAT_2, identity.size, identity.mtimeNs, identity.ctimeNs, identity.dev, identity.ino].join(':');
}

/** Reads a journaled identity; the record's own size and mtime columns fill in what the key lacks. */
export function parseIdentityKey(key: string, record: { fileSize: number; fileMtimeMs: number }): JournaledIdentity {
  const base = { size: record.fileSize, mtimeMs: record.fileMtimeMs };
  const fields = key.split(':');
  if (fields[0] === FORMAT_2 && fields.length === 6) {
    const [, , mtimeNs, ctimeNs, dev, ino] = fields.map(bigintOrNull);
    if (mtimeNs !== null && ctimeNs !== null && dev !== null && ino !== null) return { ...base, mtimeNs: mtimeNs!, ctimeNs: ctimeNs!, dev: dev!, ino: ino! };
    return base;
  }
  // Format 1: size:mtimeMs:dev:ino.
  const dev = fields.length === 4 ? bigintOrNull(fields[2]!) : null;
  const ino = fields.length === 4 ? bigintOrNull(fields[3]!) : null;
  return dev !== null && ino !== null ? { ...base, dev, ino } : base;
}

/**
 * Why `current` is not the file journaled as `journaled`, in words a person can act on, or null
 * when every field the journal has is the same.
 */
export function identityChange(journaled: JournaledIdentity, current: FileIdentity): string | null {
  if ((journaled.dev !== undefined && journaled.dev !== current.dev) || (journaled.ino !== undefined && journaled.ino !== current.ino)) {
    return 'the path now names another file (it was replaced, renamed over, or a link now points elsewhere)';
  }
  if (current.size !== journaled.size) return `its size changed from ${journaled.size} to ${current.size} bytes`;
  const mtimeChanged = journaled.mtimeNs !== undefined ? journaled.mtimeNs !== current.mtimeNs : journaled.mtimeMs !== current.mtimeMs;
  if (mtimeChanged) return `it was modified at ${isoOf(current.mtimeNs)} (it had been at ${isoOfMs(journaled.mtimeMs)})`;
  if (journaled.ctimeNs !== undefined && journaled.ctimeNs !== current.ctimeNs) {
    return (
      `it was changed at ${isoOf(current.ctimeNs)} although its size and modification time are as before: ` +
      'its contents may have been rewritten with the old modification time put back (as `cp -p`, `rsync -a`, `touch -r` or an unzip do), ' +
      'or its permissions or links changed'
    );
  }
  return null;
}

function bigintOrNull(text: string | undefined): bigint | null {
  return text !== undefined && /^-?\d+$/.test(text) ? BigInt(text) : null;
}

function isoOf(ns: bigint): string {
  return isoOfMs(Number(ns / 1_000_000n));
}

function isoOfMs(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
