// Until eslint.config.js bans them (a no-restricted-imports rule with importNames), this keeps raw
// ipcMain / ipcRenderer / contextBridge inside the two typed wrappers, as in GitHub Desktop.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return /\.(ts|tsx|mts|cts)$/.test(entry.name) ? [path] : [];
  });
}

/** Names imported from 'electron' by a file (static imports and requires alike). */
function electronImports(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"]electron['"]/g)) {
    for (const part of match[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]!.trim();
      if (name && !part.trim().startsWith('type ')) names.push(name);
    }
  }
  if (/import\s+\*\s+as\s+\w+\s+from\s+['"]electron['"]|import\s+\w+\s+from\s+['"]electron['"]|require\(\s*['"]electron['"]\s*\)/.test(text)) names.push('*');
  return names;
}

describe('the IPC boundary', () => {
  const files = sources(join(root, 'src'));
  const owners: Record<string, string> = {
    ipcMain: 'src/main/app/ipc-main.ts',
    ipcRenderer: 'src/main/app/preload.ts',
    contextBridge: 'src/main/app/preload.ts',
  };

  it.each(Object.entries(owners))('only %s’s wrapper (%s) imports it', (name, owner) => {
    const importers = files.filter((file) => electronImports(readFileSync(file, 'utf8')).includes(name)).map((file) => relative(root, file));
    expect(importers).toEqual([owner]);
  });

  it('nothing imports electron as a whole namespace', () => {
    expect(files.filter((file) => electronImports(readFileSync(file, 'utf8')).includes('*')).map((f) => relative(root, f))).toEqual([]);
  });
});
