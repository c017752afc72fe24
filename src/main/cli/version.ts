/**
 * Dockside's version, read from the package.json above this module wherever the CLI runs from:
 * the TypeScript sources (src/main/cli, through tsx) or the bundle (dist/cli/dockside.mjs). A fixed
 * relative path would be right for only one of the two.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findVersion(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'dockside' && typeof pkg.version === 'string') return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}

export const DOCKSIDE_VERSION = findVersion(dirname(fileURLToPath(import.meta.url)));
