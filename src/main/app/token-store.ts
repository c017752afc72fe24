/**
 * Keeps the backend sign-in token with Electron's `safeStorage` (Keychain on macOS, DPAPI on
 * Windows, libsecret / KWallet on Linux), in a file only the user can read. Where the OS offers no
 * secret store (Linux's `basic_text`: the "encryption" is a fixed key), the token is kept in
 * memory for this run only rather than written in effect as plain text; `persisted` says which.
 * The token goes to the backend client in main and never to the renderer.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { SafeStorage } from 'electron';
import { z } from 'zod';

import type { SignIn, SignInStore } from '../desktop/auth-bridge.js';

const fileSchema = z.strictObject({ version: z.literal(1), backendUrl: z.string().url(), token: z.string().min(1) });

export class TokenStore implements SignInStore {
  private memory: SignIn | null = null;

  constructor(
    private readonly safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>,
    private readonly file: string,
    private readonly platform: NodeJS.Platform,
  ) {}

  /** True when tokens survive a restart (a real OS secret store is available). */
  get persistent(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    return this.platform !== 'linux' || this.safeStorage.getSelectedStorageBackend() !== 'basic_text';
  }

  /** The saved sign-in, or null (none, unreadable, or from another user's keyring). */
  get(): SignIn | null {
    if (this.memory) return this.memory;
    if (!this.persistent) return null;
    let raw: string;
    try {
      raw = readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
    const parsed = fileSchema.safeParse(safeJson(raw));
    if (!parsed.success) return null;
    try {
      this.memory = { backendUrl: parsed.data.backendUrl, token: this.safeStorage.decryptString(Buffer.from(parsed.data.token, 'base64')) };
      return this.memory;
    } catch {
      // Encrypted under another key (a copied profile, a reset keyring): sign in again.
      return null;
    }
  }

  /** Saves a sign-in; returns whether it was written to disk (false: this run only). */
  set(signIn: SignIn): boolean {
    this.memory = signIn;
    if (!this.persistent) {
      this.removeFile();
      return false;
    }
    const body = JSON.stringify({ version: 1, backendUrl: signIn.backendUrl, token: this.safeStorage.encryptString(signIn.token).toString('base64') });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, body, { mode: 0o600 });
    renameSync(temp, this.file);
    return true;
  }

  /** Forgets the sign-in, on disk and in memory. */
  clear(): void {
    this.memory = null;
    this.removeFile();
  }

  private removeFile(): void {
    rmSync(this.file, { force: true });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
