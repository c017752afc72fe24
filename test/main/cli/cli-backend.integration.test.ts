// The CLI's commands for the companion backend, run as users run them (a child process) against a
// local fake backend: signing in and out, `status`, and the argument errors of `upload` when the
// backend chooses where files go. The upload itself through the real backend is tested elsewhere.
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sendJson, startLocalHttp, type LocalHttp } from '../../support/local-http.js';
import { journalExists, runCli, tempDir, writeRandomFile } from './run-cli.js';

const TOKEN = 'cli-token-5d1e8b2a-secret';
const POSIX = process.platform !== 'win32';

let scratch: { path: string; remove: () => void };
beforeAll(() => {
  scratch = tempDir('cli-backend');
});
afterAll(() => scratch.remove());

/** A fresh DOCKSIDE_HOME (empty, not created yet) and a 1 KiB file next to it. */
function fixture(): { home: string; file: string } {
  const dir = join(scratch.path, Math.random().toString(36).slice(2, 10));
  mkdirSync(dir);
  const file = join(dir, 'scan.bin');
  writeRandomFile(file, 1024);
  return { home: join(dir, 'home'), file };
}

/** A backend that lists no uploads for TOKEN and answers 401 to anything else. */
async function fakeBackend(): Promise<LocalHttp> {
  const server = await startLocalHttp();
  server.handle((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      sendJson(res, 401, { error: { code: 'INVALID_TOKEN', message: 'The bearer token is not recognised.' } });
    } else if (req.method === 'GET' && /^\/v1\/uploads(\?|$)/.test(req.url)) {
      sendJson(res, 200, { uploads: [], nextCursor: null });
    } else {
      sendJson(res, 500, { error: { code: 'INTERNAL', message: `the test backend has no ${req.method} ${req.url}` } });
    }
  });
  return server;
}

const signedIn = (backend: LocalHttp) => ({ DOCKSIDE_BACKEND_URL: backend.url, DOCKSIDE_TOKEN: TOKEN });

describe.concurrent('argument errors (exit 2, nothing asked of the backend, nothing journaled)', () => {
  it('status without signing in says how to', async ({ expect }) => {
    const { home } = fixture();
    const result = await runCli(['status'], { home });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/Not signed in to a Dockside backend\. Run `dockside login --backend URL` first\./);
  });

  it('status of something that is neither a transfer nor an upload id', async ({ expect }) => {
    const backend = await fakeBackend();
    try {
      const { home } = fixture();
      const result = await runCli(['status', 'not-an-id'], { home, env: signedIn(backend) });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/not-an-id: no such transfer in the journal, and not a backend upload id/);
      expect(backend.requests).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it('upload with neither a bucket nor a login names both ways', async ({ expect }) => {
    const { home, file } = fixture();
    const result = await runCli(['upload', file], { home });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/dockside login --backend URL/);
    expect(result.stderr).toMatch(/--bucket \(or set DOCKSIDE_BUCKET\)/);
    expect(journalExists(home)).toBe(false);
  });

  it('login --backend with something that is not a URL names --backend', async ({ expect }) => {
    const { home } = fixture();
    const result = await runCli(['login', '--backend', 'dockside.example.com', '--token', TOKEN], { home });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/--backend dockside\.example\.com: not a URL\. Use the form https:\/\/dockside\.example\.com\./);
    expect(existsSync(join(home, 'login.json'))).toBe(false);
  });

  it('upload --key when signed in: the backend chooses keys', async ({ expect }) => {
    const backend = await fakeBackend();
    try {
      const { home, file } = fixture();
      const result = await runCli(['upload', file, '--key', 'x'], { home, env: signedIn(backend) });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('--key applies to uploads straight to S3 (with --bucket); the backend chooses where files go.');
      expect(backend.requests).toEqual([]);
      expect(journalExists(home)).toBe(false);
    } finally {
      await backend.close();
    }
  });
});

describe.concurrent('login, status and logout', () => {
  it('login checks the token, saves it readable by the user only; status then uses it; logout forgets it', async ({ expect }) => {
    const backend = await fakeBackend();
    try {
      const { home } = fixture();
      const login = await runCli(['login', '--backend', `${backend.url}/`, '--token', TOKEN], { home });
      expect(login.code, login.stderr).toBe(0);
      expect(login.stdout).toContain(`Signed in to ${backend.url}.`);
      expect(`${login.stdout}${login.stderr}`).not.toContain(TOKEN);
      expect(backend.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([`GET /v1/uploads?limit=1 Bearer ${TOKEN}`]);

      const saved = join(home, 'login.json');
      expect(JSON.parse(readFileSync(saved, 'utf8'))).toEqual({ url: backend.url, token: TOKEN });
      if (POSIX) expect(statSync(saved).mode & 0o777).toBe(0o600);

      // No environment now: the saved login is what status uses.
      const status = await runCli(['status'], { home });
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toBe('No uploads yet.\n');
      expect(backend.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`);

      const logout = await runCli(['logout'], { home });
      expect(logout.code, logout.stderr).toBe(0);
      expect(logout.stdout).toBe('Signed out.\n');
      expect(existsSync(saved)).toBe(false);
    } finally {
      await backend.close();
    }
  });

  it('login with a token the backend refuses fails and saves nothing', async ({ expect }) => {
    const backend = await fakeBackend();
    try {
      const { home } = fixture();
      const wrong = 'wrong-token-0000-secret';
      const result = await runCli(['login', '--backend', backend.url, '--token', wrong], { home });
      expect(result.code, result.stderr).not.toBe(0);
      expect(result.stderr).toMatch(/HTTP 401: The bearer token is not recognised\./);
      expect(`${result.stdout}${result.stderr}`).not.toContain(wrong);
      expect(backend.requests).toHaveLength(1);
      expect(existsSync(join(home, 'login.json'))).toBe(false);
    } finally {
      await backend.close();
    }
  });
});
