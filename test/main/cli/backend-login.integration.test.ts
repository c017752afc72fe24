// Where the CLI finds the backend and its sign-in token: the environment first, then the file
// `dockside login` saved (0600, replaced atomically). Each test has its own temporary home.
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loginFile, readLogin, removeLogin, resolveBackendLogin, saveLogin, tokenFor } from '../../../src/main/cli/backend-login.js';
import { DocksideError } from '../../../src/shared/errors.js';
import { tempDir } from '../../support/engine-harness.js';

const SAVED = { url: 'https://dockside.example.com', token: 'saved-token-123' };
const POSIX = process.platform !== 'win32';

/** A fresh home, with SAVED already saved in it unless `saved` is false. */
function home(saved = true): string {
  const dir = tempDir('dockside-login-');
  if (saved) saveLogin(SAVED, dir);
  return dir;
}

function invalidInput(action: () => unknown): DocksideError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(DocksideError);
    expect((error as DocksideError).code).toBe('INVALID_INPUT');
    return error as DocksideError;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('resolveBackendLogin', () => {
  it('is null with nothing saved and nothing in the environment (standalone mode)', () => {
    expect(resolveBackendLogin(home(false), {})).toBeNull();
  });

  it('is the saved login when the environment says nothing', () => {
    expect(resolveBackendLogin(home(), {})).toEqual(SAVED);
  });

  it('prefers DOCKSIDE_BACKEND_URL with DOCKSIDE_TOKEN over the saved login, without reading the file', () => {
    const dir = home();
    writeFileSync(loginFile(dir), 'damaged');
    const env = { DOCKSIDE_BACKEND_URL: 'https://other.example.com/', DOCKSIDE_TOKEN: 'env-token' };
    expect(resolveBackendLogin(dir, env)).toEqual({ url: 'https://other.example.com', token: 'env-token' });
  });

  it('uses the saved token with a URL alone only when it was saved for that URL', () => {
    const dir = home();
    expect(resolveBackendLogin(dir, { DOCKSIDE_BACKEND_URL: 'https://dockside.example.com/' })).toEqual(SAVED);
    expect(resolveBackendLogin(dir, { DOCKSIDE_BACKEND_URL: 'https://evil.example.com' })).toBeNull();
    expect(resolveBackendLogin(home(false), { DOCKSIDE_BACKEND_URL: 'https://dockside.example.com' })).toBeNull();
  });

  it('uses a token alone with the saved URL, and nothing without one', () => {
    expect(resolveBackendLogin(home(), { DOCKSIDE_TOKEN: 'env-token' })).toEqual({ url: SAVED.url, token: 'env-token' });
    expect(resolveBackendLogin(home(false), { DOCKSIDE_TOKEN: 'env-token' })).toBeNull();
  });

  it('treats empty variables as unset', () => {
    expect(resolveBackendLogin(home(), { DOCKSIDE_BACKEND_URL: '', DOCKSIDE_TOKEN: '' })).toEqual(SAVED);
  });
});

describe('tokenFor', () => {
  it("gives a transfer's backend the token of the login for that backend only", () => {
    const dir = home();
    expect(tokenFor('https://dockside.example.com/', dir, {})).toBe(SAVED.token);
    expect(tokenFor('https://elsewhere.example.com', dir, {})).toBeNull();
    expect(tokenFor(SAVED.url, home(false), {})).toBeNull();
    const env = { DOCKSIDE_BACKEND_URL: 'https://other.example.com', DOCKSIDE_TOKEN: 'env-token' };
    expect(tokenFor('https://other.example.com', dir, env)).toBe('env-token');
    // The environment names another backend: the saved token is not handed to this one either.
    expect(tokenFor(SAVED.url, dir, env)).toBeNull();
  });
});

describe('saveLogin', () => {
  it('writes the URL (without a trailing slash) and the token, readable by the user only, creating the folder', () => {
    const dir = join(home(false), 'not', 'yet');
    const file = saveLogin({ url: 'https://dockside.example.com///', token: 'tok' }, dir);
    expect(file).toBe(join(dir, 'login.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url: 'https://dockside.example.com', token: 'tok' });
    expect(readLogin(dir)).toEqual({ url: 'https://dockside.example.com', token: 'tok' });
    if (POSIX) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o077).toBe(0);
    }
  });

  it('replaces an earlier file by renaming a new one over it (never half-written), leaving no temporary file', () => {
    const dir = home();
    const file = loginFile(dir);
    if (POSIX) chmodSync(file, 0o644);
    const before = statSync(file).ino;
    saveLogin({ url: 'https://next.example.com', token: 'next-token' }, dir);
    expect(readLogin(dir)).toEqual({ url: 'https://next.example.com', token: 'next-token' });
    expect(statSync(file).ino).not.toBe(before);
    if (POSIX) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['login.json']);
  });

  it.skipIf(!POSIX)('keeps the token private even when a stale temporary file was world-readable', () => {
    const dir = home(false);
    const stale = `${loginFile(dir)}.${process.pid}.tmp`;
    writeFileSync(stale, 'left over', { mode: 0o644 });
    chmodSync(stale, 0o644);
    saveLogin(SAVED, dir);
    expect(statSync(loginFile(dir)).mode & 0o777).toBe(0o600);
  });
});

describe('readLogin', () => {
  it('is null when nothing was saved', () => {
    expect(readLogin(home(false))).toBeNull();
  });

  it.each([
    ['not JSON', '{"url": "https://dockside.example.com", "tok'],
    ['no token', JSON.stringify({ url: 'https://dockside.example.com' })],
    ['an empty token', JSON.stringify({ url: 'https://dockside.example.com', token: '' })],
    ['a URL that is not one', JSON.stringify({ url: 'dockside', token: 'leaky-secret' })],
    ['JSON of another shape', '["https://dockside.example.com", "leaky-secret"]'],
  ])('refuses a damaged file (%s) with INVALID_INPUT naming it, without quoting it', (_what, text) => {
    const dir = home(false);
    writeFileSync(loginFile(dir), text);
    const error = invalidInput(() => readLogin(dir));
    expect(error.message).toContain(loginFile(dir));
    expect(error.message).toMatch(/damaged.*dockside login.*dockside logout/);
    expect(error.message).not.toContain('leaky-secret');
    // Every command that looks for a login says the same.
    expect(invalidInput(() => resolveBackendLogin(dir, {})).message).toBe(error.message);
  });

  it('refuses a login file that cannot be read with INVALID_INPUT naming it', () => {
    const dir = home(false);
    mkdirSync(loginFile(dir));
    expect(invalidInput(() => readLogin(dir)).message).toContain(`${loginFile(dir)} cannot be read`);
  });
});

describe('removeLogin', () => {
  it('removes the saved login, and says when there was none', () => {
    const dir = home();
    expect(removeLogin(dir)).toBe(true);
    expect(readLogin(dir)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    expect(removeLogin(dir)).toBe(false);
  });
});
