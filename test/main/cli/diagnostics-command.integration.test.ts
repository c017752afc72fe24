// `dockside diagnostics export` in-process: writes the bundle where asked (or a dated name in the
// current folder), prints its path, never overwrites without --force, leaks the saved token nowhere.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzip } from '../../support/unzip.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { journalPath } from '../../../src/main/engine/index.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { runCli } from '../../../src/main/cli/main.js';
import { defaultFileName } from '../../../src/main/cli/commands/diagnostics.js';

let dir: string;
let home: string;
const cwd = process.cwd();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-diag-cli-'));
  home = join(dir, 'home');
  const journal = new SqliteJournal(journalPath(home));
  journal.appendLog({ transferId: null, level: 'info', type: 'app.started', message: 'Dockside started.' });
  journal.close();
  writeFileSync(join(home, 'login.json'), JSON.stringify({ url: 'https://dockside.example.com', token: 'saved-token-value-42' }));
});

afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

async function dockside(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    return { code: await runCli(['--home', home, ...args]), out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('dockside diagnostics export', () => {
  it('writes FILE, prints its path, and refuses to overwrite it without --force', async () => {
    const file = join(dir, 'for-support.zip');
    const first = await dockside('diagnostics', 'export', file);
    expect(first).toMatchObject({ code: 0, out: `${file}\n` });
    const zip = readFileSync(file);
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    const files = await unzip(file);
    expect(JSON.parse(files.get('for-support/settings.json')!)).toMatchObject({ program: 'dockside CLI', backendUrl: { value: 'https://dockside.example.com', source: 'dockside login' } });
    expect(files.get('for-support/log.txt')).toContain('Dockside started.');
    expect([...files.values()].join('\n')).not.toContain('saved-token-value-42');

    const again = await dockside('diagnostics', 'export', file);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists.*--force/);
    expect((await dockside('diagnostics', 'export', file, '--force')).code).toBe(0);
  });

  it('uses a dated name in the current folder, or inside a given folder', async () => {
    const here = join(dir, 'cwd');
    mkdirSync(here);
    process.chdir(here);
    const { code, out } = await dockside('diagnostics', 'export');
    expect(code).toBe(0);
    expect(out.trim()).toMatch(new RegExp(`^${here.replace(/[/\\]/g, '.')}.dockside-diagnostics-\\d{8}T\\d{6}Z\\.zip$`));

    const folder = join(dir, 'out');
    mkdirSync(folder);
    const inFolder = await dockside('diagnostics', 'export', folder);
    expect(inFolder.out.trim().startsWith(join(folder, 'dockside-diagnostics-'))).toBe(true);
  });

  it('names the default file by UTC time', () => {
    expect(defaultFileName(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('dockside-diagnostics-20250102T030405Z.zip');
  });
});
