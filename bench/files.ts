/** Test files, generated once and cached in bench/.cache: random data, and sparse ones for memory checks. */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const CACHE = resolve(import.meta.dirname, '.cache');
const MiB = 1024 * 1024;

/** A file of `sizeMiB` random MiB (kept between runs). */
export function randomFile(sizeMiB: number): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `random-${sizeMiB}MiB.bin`);
  if (existsSync(path) && statSync(path).size === sizeMiB * MiB) return path;
  const fd = openSync(path, 'w');
  try {
    const block = 16 * MiB;
    for (let written = 0; written < sizeMiB * MiB; written += block) {
      writeSync(fd, randomBytes(Math.min(block, sizeMiB * MiB - written)));
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** A sparse file of `sizeMiB` MiB: no disk used, reads return zeros. */
export function sparseFile(sizeMiB: number): string {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, `sparse-${sizeMiB}MiB.bin`);
  if (existsSync(path) && statSync(path).size === sizeMiB * MiB) return path;
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, sizeMiB * MiB);
  } finally {
    closeSync(fd);
  }
  return path;
}
