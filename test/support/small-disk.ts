// A small real file system for tests of a disk that fills up or turns read-only: a tmpfs mounted
// on a fresh folder (root only; CI runs as root). Root has no reserved blocks on a tmpfs, so
// "full" is full for processes running as root too.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether this process may mount file systems (the tests that need one are skipped otherwise). */
export const canMount = process.getuid?.() === 0;

function mount(args: readonly string[]): void {
  const result = spawnSync('mount', [...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mount ${args.join(' ')} failed: ${result.stderr}`);
}

/** Mounts a tmpfs of `size` (such as '2m') on a fresh folder; `unmount` removes both. */
export function mountSmallDisk(size: string): { path: string; unmount: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'dockside-small-disk-'));
  mount(['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  return {
    path,
    unmount: () => {
      spawnSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** `dir` again at a fresh folder, read-only (a mount point in use cannot be remounted read-only itself). */
export function bindReadOnly(dir: string): { path: string; unmount: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'dockside-read-only-'));
  mount(['--bind', dir, path]);
  mount(['-o', 'remount,bind,ro', path]);
  return {
    path,
    unmount: () => {
      spawnSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Writes zeros to `path` until the file system refuses (ENOSPC); returns the bytes written. */
export function fillUp(path: string): number {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(16 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}
