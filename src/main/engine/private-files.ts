/**
 * The data folder holds file paths, bucket names and the transfer log of one user: no other local
 * user may read it. Every folder Dockside creates for it is 0700 and every file 0600, whatever the
 * umask. A file an older version left group- or world-readable is narrowed to 0600 when Dockside
 * next opens it (when it is ours). A folder that already exists is left as it is: DOCKSIDE_HOME
 * (or --home) may name the user's home or a shared folder, whose mode is not ours to change; with
 * its files 0600, such a folder shows other users only their names.
 *
 * On Windows the mode bits mean nothing: the data folder is under %APPDATA%, whose ACL grants the
 * user, SYSTEM and Administrators only, and files created there inherit it.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync, type Stats } from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Whether mode bits are enforced here (not on Windows). */
const POSIX = process.platform !== 'win32';

/** Creates `dir` (and missing parents) as 0700 when missing; an existing folder is left as it is. */
export function ensurePrivateDir(dir: string): void {
  // The mode applies to every folder created, and only to those (umask permitting: 0700 survives any).
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * Creates the empty file `path` as 0600 when it does not exist (so a program that opens it later,
 * SQLite for one, finds it private; SQLite gives its -wal and -shm files the database's mode), or
 * narrows it to 0600 when it is ours and wider.
 */
export function ensurePrivateFile(path: string): void {
  // 'a': create if missing, never truncate; the mode applies only when it is created.
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  narrow(path, PRIVATE_FILE_MODE);
}

/** Narrows the file `path` to 0600 when it exists, is ours and grants more; a missing file is fine. */
export function narrowIfPresent(path: string): void {
  try {
    narrow(path, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function narrow(path: string, mode: number): void {
  if (!POSIX) return;
  const stats = statSync(path);
  if (isOurs(stats) && (stats.mode & 0o777 & ~mode) !== 0) chmodSync(path, stats.mode & 0o777 & mode);
}

function isOurs(stats: Stats): boolean {
  return typeof process.getuid !== 'function' || stats.uid === process.getuid();
}
