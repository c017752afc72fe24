/**
 * Where the CLI finds the companion backend and the sign-in token: DOCKSIDE_BACKEND_URL and
 * DOCKSIDE_TOKEN when set (scripts, CI), else what `dockside login` saved in the data folder.
 * The file is written readable by the user only (0600) and holds nothing else; the journal
 * records only the backend's URL, never the token.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DocksideError } from '../../shared/errors.js';
import { dataDir } from '../engine/index.js';

export interface BackendLogin {
  readonly url: string;
  readonly token: string;
}

const loginFileSchema = z.object({ url: z.string().url(), token: z.string().min(1) });

export function loginFile(home?: string): string {
  return join(home ?? dataDir(), 'login.json');
}

/** The backend to use, or null when none is configured (standalone mode). */
export function resolveBackendLogin(home?: string, env: NodeJS.ProcessEnv = process.env): BackendLogin | null {
  const envUrl = env.DOCKSIDE_BACKEND_URL;
  const envToken = env.DOCKSIDE_TOKEN;
  if (envUrl && envToken) return { url: normaliseUrl(envUrl), token: envToken };
  const saved = readLogin(home);
  if (envUrl && !envToken) {
    // A URL alone uses the saved token only when it was saved for that very backend.
    return saved && saved.url === normaliseUrl(envUrl) ? saved : null;
  }
  if (envToken && !envUrl) return saved ? { url: saved.url, token: envToken } : null;
  return saved;
}

/** The token to use for `url` (a transfer's backend), or null when not signed in to it. */
export function tokenFor(url: string, home?: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const login = resolveBackendLogin(home, env);
  return login && login.url === normaliseUrl(url) ? login.token : null;
}

export function readLogin(home?: string): BackendLogin | null {
  let text: string;
  try {
    text = readFileSync(loginFile(home), 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw new DocksideError('INVALID_INPUT', `${loginFile(home)} cannot be read (${(error as Error).message}).`);
  }
  let parsed: z.ZodSafeParseResult<BackendLogin>;
  try {
    parsed = loginFileSchema.safeParse(JSON.parse(text));
  } catch {
    parsed = { success: false } as z.ZodSafeParseResult<BackendLogin>;
  }
  if (!parsed.success) {
    throw new DocksideError('INVALID_INPUT', `${loginFile(home)} is damaged. Run \`dockside login\` again (or \`dockside logout\` to remove it).`);
  }
  return { url: normaliseUrl(parsed.data.url), token: parsed.data.token };
}

/** Saves the login atomically, readable by the user only. */
export function saveLogin(login: BackendLogin, home?: string): string {
  const file = loginFile(home);
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ url: normaliseUrl(login.url), token: login.token })}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}

export function removeLogin(home?: string): boolean {
  const file = loginFile(home);
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return false;
    throw error;
  }
}

export function normaliseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}
