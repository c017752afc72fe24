// The root package's postinstall: links node_modules/.bin/node to the Node that ran this install.
// npm puts node_modules/.bin first on PATH for every `npm run` script, so the scripts, the tests
// and what they spawn by name run on the Node better-sqlite3 was just built for, even when the
// shell's own `node` (and the `npm` that starts them) is another one, such as a system Node 20.
// Not on Windows, where npm's shims call node.exe by path; there, use Node 24 itself.
import { lstatSync, mkdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const link = join(root, 'node_modules', '.bin', 'node');

if (process.platform !== 'win32' && process.env.npm_lifecycle_event === 'postinstall') {
  let current = null;
  try {
    current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : 'not-a-link';
  } catch {
    // no link yet
  }
  if (current !== process.execPath) {
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    if (current !== null) unlinkSync(link);
    symlinkSync(process.execPath, link);
  }
  process.stdout.write(`npm run scripts here run on Node ${process.versions.node} (${process.execPath}).\n`);
}
