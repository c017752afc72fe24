// The app's electron-store settings pass the same contract as the CLI's file store.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { userSettingsStoreContract } from '../settings/user-settings-store.contract.js';

// electron-store asks Electron for the app's name and folders only when no `cwd` is given.
vi.mock('electron', () => {
  const electron = { app: { getPath: () => tmpdir(), getName: () => 'Dockside', getVersion: () => '0.0.0', on: () => undefined }, ipcMain: { on: () => undefined, handle: () => undefined }, shell: {} };
  return { ...electron, default: electron };
});
const { ElectronUserSettingsStore } = await import('../../../src/main/app/electron-settings-store.js');

const root = mkdtempSync(join(tmpdir(), 'dockside-electron-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(root, `home-${++n}`);

userSettingsStoreContract('ElectronUserSettingsStore', async () => new ElectronUserSettingsStore(fresh()));

describe('ElectronUserSettingsStore', () => {
  it.skipIf(process.platform === 'win32')('writes settings.json 0600 whatever the umask (electron-store would use 0666)', async () => {
    const umask = process.umask(0o022);
    try {
      const store = new ElectronUserSettingsStore(fresh());
      await store.write({ concurrency: 3 });
      expect((statSync(store.location).mode & 0o777).toString(8)).toBe('600');
    } finally {
      process.umask(umask);
    }
  });

  it('keeps keys a newer version wrote, and reports a damaged file without overwriting it', async () => {
    const home = fresh();
    const store = new ElectronUserSettingsStore(home);
    await store.write({ concurrency: 3 });
    const file = store.location;
    writeFileSync(file, JSON.stringify({ settings: { concurrency: 3, fromTheFuture: 'x' } }));
    await store.write({ concurrency: 4 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ settings: { concurrency: 4, fromTheFuture: 'x' } });
    writeFileSync(file, JSON.stringify({ settings: { concurrency: 'many' } }));
    await expect(new ElectronUserSettingsStore(home).read()).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ settings: { concurrency: 'many' } });
  });
});
