import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandPaths } from '../../../src/main/desktop/expand-paths.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-expand-'));
  mkdirSync(join(dir, 'matter/sub/deeper'), { recursive: true });
  writeFileSync(join(dir, 'matter/b.pdf'), 'b');
  writeFileSync(join(dir, 'matter/a.pdf'), 'a');
  writeFileSync(join(dir, 'matter/.DS_Store'), '');
  writeFileSync(join(dir, 'matter/sub/Thumbs.db'), '');
  writeFileSync(join(dir, 'matter/sub/deeper/c.bin'), 'c');
  mkdirSync(join(dir, 'matter/empty'));
  symlinkSync(join(dir, 'matter'), join(dir, 'matter/sub/loop'));
  symlinkSync(join(dir, 'matter/a.pdf'), join(dir, 'link.pdf'));
  writeFileSync(join(dir, 'single.iso'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('expandPaths', () => {
  it('expands folders depth first in name order, skipping clutter, empty folders and symlinks', async () => {
    expect(await expandPaths([join(dir, 'matter'), join(dir, 'single.iso')])).toEqual([
      join(dir, 'matter/a.pdf'),
      join(dir, 'matter/b.pdf'),
      join(dir, 'matter/sub/deeper/c.bin'),
      join(dir, 'single.iso'),
    ]);
  });

  it('lists a file given twice once', async () => {
    expect(await expandPaths([join(dir, 'single.iso'), join(dir, 'single.iso'), join(dir, 'matter/a.pdf')])).toEqual([join(dir, 'single.iso'), join(dir, 'matter/a.pdf')]);
  });

  it.each([
    ['a missing path', () => [join(dir, 'nope')], 'FILE_NOT_FOUND'],
    ['a relative path', () => ['matter'], 'INVALID_INPUT'],
  ])('refuses %s', async (_name, paths, code) => {
    await expect(expandPaths(paths())).rejects.toMatchObject({ code });
  });

  it('follows a link the user named, not links inside folders', async () => {
    expect(await expandPaths([join(dir, 'link.pdf')])).toEqual([join(dir, 'link.pdf')]);
  });

  it('refuses more files than the limit', async () => {
    await expect(expandPaths([join(dir, 'matter')], 2)).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('more than 2 files') });
  });
});
