// The contract every UserSettingsStore implementation passes (the CLI's JSON file, the
// in-memory store; the desktop app's electron-store one runs it too).
import { describe, expect, it } from 'vitest';
import type { UserSettings, UserSettingsStore } from '../../../src/main/settings/index.js';

export function userSettingsStoreContract(name: string, create: () => Promise<UserSettingsStore>): void {
  describe(`UserSettingsStore contract: ${name}`, () => {
    it('reads nothing from a new store', async () => {
      expect(await (await create()).read()).toEqual({});
    });

    it('reads back what was written, replacing the earlier values', async () => {
      const store = await create();
      const values: UserSettings = { concurrency: 6, bandwidthLimit: null, proxy: { url: 'http://p.example.com:3128', noProxy: ['localhost'] }, updates: 'notify' };
      await store.write(values);
      expect(await store.read()).toEqual(values);
      await store.write({ notifications: false });
      expect(await store.read()).toEqual({ notifications: false });
    });

    it('hands out copies: changing what was read changes nothing stored', async () => {
      const store = await create();
      await store.write({ caCertificates: ['/a.pem'] });
      const read = await store.read();
      read.caCertificates!.push('/b.pem');
      expect(await store.read()).toEqual({ caCertificates: ['/a.pem'] });
    });

    it('refuses to store values that are not valid', async () => {
      const store = await create();
      await expect(store.write({ concurrency: 99 })).rejects.toThrow();
      expect(await store.read()).toEqual({});
    });
  });
}
