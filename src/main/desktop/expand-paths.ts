/**
 * `transfers:add` receives files and folders (a drop or the picker); the engine takes files. This
 * expands folders to the regular files inside them, depth first, in a stable order. Symbolic
 * links inside folders are not followed (no loops, nothing outside what the user dropped), and OS clutter
 * (.DS_Store, Thumbs.db, desktop.ini) is left out.
 */
import { lstat, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { DocksideError } from '../../shared/errors.js';

const CLUTTER = new Set(['.ds_store', 'thumbs.db', 'desktop.ini', '.localized']);

/** Most files one add may produce: beyond this the user should split the drop. */
export const MAX_FILES_PER_ADD = 10_000;

/** The regular files named by `paths` or inside the folders among them, deduplicated. */
export async function expandPaths(paths: readonly string[], maxFiles = MAX_FILES_PER_ADD): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (path: string, top: boolean): Promise<void> => {
    let stats;
    try {
      // What the user named is followed if it is a link; links found inside folders are not.
      stats = top ? await stat(path) : await lstat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!top) return; // vanished while we looked: the folder's other files still count
      if (code === 'ENOENT') throw new DocksideError('FILE_NOT_FOUND', `${path} does not exist (any more).`);
      throw new DocksideError('FILE_UNREADABLE', `Dockside cannot read ${path} (${code ?? 'error'}).`);
    }
    if (stats.isFile()) {
      found.add(path);
      if (found.size > maxFiles) {
        throw new DocksideError('INVALID_INPUT', `That is more than ${maxFiles.toLocaleString('en')} files at once; add the folders a few at a time.`);
      }
      return;
    }
    if (!stats.isDirectory()) {
      if (top) throw new DocksideError('INVALID_INPUT', `${path} is not a file or a folder Dockside can upload.`);
      return;
    }
    let names: string[];
    try {
      names = await readdir(path);
    } catch (error) {
      throw new DocksideError('FILE_UNREADABLE', `Dockside cannot list the folder ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
    for (const name of names.sort()) {
      if (CLUTTER.has(name.toLowerCase())) continue;
      await visit(join(path, name), false);
    }
  };
  for (const path of paths) {
    if (!isAbsolute(path)) throw new DocksideError('INVALID_INPUT', `Not a full path: ${path}`);
    await visit(path, true);
  }
  return [...found];
}
