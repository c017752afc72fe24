/**
 * The harness keeps its sign-in in a file readable by the user only. Development tooling against
 * the local stack: the app proper keeps it with Electron's safeStorage (src/main/app/token-store.ts).
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { SignIn, SignInStore } from '../../main/desktop/auth-bridge.js';

const fileSchema = z.strictObject({ backendUrl: z.string().url(), token: z.string().min(1) });

export class FileSignInStore implements SignInStore {
  constructor(private readonly file: string) {}

  get(): SignIn | null {
    try {
      const parsed = fileSchema.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  set(signIn: SignIn): boolean {
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(signIn), { mode: 0o600 });
    renameSync(temp, this.file);
    return true;
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }
}
