import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonFileSettingsStore, MemoryUserSettingsStore, settingsFile } from '../../../src/main/settings/index.js';
import { userSettingsStoreContract } from './user-settings-store.contract.js';

const root = mkdtempSync(join(tmpdir(), 'dockside-settings-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshFile = () => join(root, `home-${++n}`, 'settings.json');

userSettingsStoreContract('JsonFileSettingsStore', async () => new JsonFileSettingsStore(freshFile()));
userSettingsStoreContract('MemoryUserSettingsStore', async () => new MemoryUserSettingsStore());

describe('JsonFileSettingsStore', () => {
  it('lives in settings.json in the data folder', () => {
    expect(settingsFile('/data/Dockside')).toBe(join('/data/Dockside', 'settings.json'));
  });

  it('writes the file readable by the user only, atomically (no temporary file left)', async () => {
    const file = freshFile();
    await new JsonFileSettingsStore(file).write({ concurrency: 3 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ concurrency: 3 });
    expect(readdirSync(join(file, '..'))).toEqual(['settings.json']);
  });

  it('reports a damaged file clearly and never overwrites it', async () => {
    for (const [content, problem] of [
      ['{ "concurrency": 3', 'is not valid JSON'],
      ['[]', 'is not a JSON object'],
      ['{ "concurrency": "lots" }', '"concurrency" must be a whole number from 1 to 32'],
    ]) {
      const file = freshFile();
      const store = new JsonFileSettingsStore(file);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, content!);
      const error = await store.read().catch((e: unknown) => e as { code: string; message: string });
      expect(error).toMatchObject({ code: 'SETTINGS_INVALID' });
      expect((error as Error).message).toContain(file);
      expect((error as Error).message).toContain(problem);
      await expect(store.write({ concurrency: 4 })).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
      expect(readFileSync(file, 'utf8')).toBe(content);
    }
  });

  it('keeps keys a newer version wrote', async () => {
    const file = freshFile();
    const store = new JsonFileSettingsStore(file);
    await store.write({ concurrency: 3 });
    writeFileSync(file, JSON.stringify({ concurrency: 3, theme: 'dark' }));
    expect(statSync(file).isFile()).toBe(true);
    expect(await store.read()).toEqual({ concurrency: 3 });
    await store.write({ concurrency: 5 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ theme: 'dark', concurrency: 5 });
  });
});
