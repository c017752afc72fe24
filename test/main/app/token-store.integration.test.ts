import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenStore } from '../../../src/main/app/token-store.js';

vi.mock('electron', () => ({}));

/** A reversible stand-in for safeStorage: XOR with a key, so the file never holds the token. */
function fakeSafeStorage(options: { available?: boolean; backend?: string; key?: number } = {}) {
  const key = options.key ?? 0x5a;
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ key));
  return {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => (options.backend ?? 'gnome_libsecret') as 'gnome_libsecret',
    encryptString: (text: string) => Buffer.concat([Buffer.from('v10'), xor(Buffer.from(text))]),
    decryptString: (data: Buffer) => {
      if (data.subarray(0, 3).toString() !== 'v10') throw new Error('bad');
      const text = xor(data.subarray(3)).toString();
      if (!/^[\x20-\x7e]*$/.test(text)) throw new Error('wrong key');
      return text;
    },
  };
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-token-'));
  file = join(dir, 'sign-in.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const signIn = { backendUrl: 'https://dockside.firm.example', token: 'eyJhbGciOiJFUzI1NiJ9.payload.sig' };

describe('TokenStore', () => {
  it('saves the token encrypted, readable only by the user, and reads it back after a restart', () => {
    expect(new TokenStore(fakeSafeStorage(), file, 'linux').set(signIn)).toBe(true);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(signIn.token);
    expect(text).not.toContain('payload');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new TokenStore(fakeSafeStorage(), file, 'linux').get()).toEqual(signIn);
  });

  it('keeps the token in memory only where Linux has no secret store', () => {
    const store = new TokenStore(fakeSafeStorage({ backend: 'basic_text' }), file, 'linux');
    expect(store.set(signIn)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(store.get()).toEqual(signIn);
    expect(new TokenStore(fakeSafeStorage({ backend: 'basic_text' }), file, 'linux').get()).toBeNull();
  });

  it('keeps it in memory only when encryption is unavailable', () => {
    const store = new TokenStore(fakeSafeStorage({ available: false }), file, 'darwin');
    expect(store.set(signIn)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('treats a file it cannot decrypt or parse as signed out', () => {
    new TokenStore(fakeSafeStorage(), file, 'darwin').set(signIn);
    expect(new TokenStore(fakeSafeStorage({ key: 0x33 }), file, 'darwin').get()).toBeNull();
    writeFileSync(file, '{"version":1,"backendUrl":"nope","token":"x"}');
    expect(new TokenStore(fakeSafeStorage(), file, 'darwin').get()).toBeNull();
    writeFileSync(file, 'not json');
    expect(new TokenStore(fakeSafeStorage(), file, 'darwin').get()).toBeNull();
  });

  it('clear forgets it everywhere', () => {
    const store = new TokenStore(fakeSafeStorage(), file, 'win32');
    store.set(signIn);
    store.clear();
    expect(store.get()).toBeNull();
    expect(existsSync(file)).toBe(false);
  });
});
