// Sparse files larger than S3's largest object (48.8 TiB) for tests of the size limits. ext4 holds
// no file above 16 TiB, so they live on tmpfs (/dev/shm on Linux) or wherever
// DOCKSIDE_TEST_SPARSE_DIR says (an XFS or tmpfs folder): real files the code under test stats.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** S3's largest object: 10,000 parts of 5 GiB (53,687,091,200,000 bytes), written out as the spec says. */
export const S3_MAX_OBJECT_BYTES = 10_000 * 5 * 1024 ** 3;

export interface SparseDir {
  readonly path: string;
  /** A sparse file of `size` bytes (no block written); throws, saying what to set, if the file system cannot hold it. */
  file(name: string, size: number): string;
  remove(): void;
}

/** A fresh folder on a file system that holds sparse files of any size S3 could take. */
export function sparseDir(prefix: string): SparseDir {
  const root = process.env.DOCKSIDE_TEST_SPARSE_DIR ?? '/dev/shm';
  const path = mkdtempSync(join(root, `dockside-${prefix}-`));
  return {
    path,
    file(name, size) {
      const file = join(path, name);
      const fd = openSync(file, 'w');
      try {
        ftruncateSync(fd, size);
      } catch (error) {
        throw new Error(`${root} cannot hold a sparse file of ${size} bytes (${String(error)}); set DOCKSIDE_TEST_SPARSE_DIR to a tmpfs or XFS folder`);
      } finally {
        closeSync(fd);
      }
      if (statSync(file).size !== size) throw new Error(`${file} is ${statSync(file).size} bytes, not ${size}`);
      return file;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
