// The desktop composition root on a real journal and settings, without a backend: policy applied
// and locked, a malformed policy failing closed, settings changes reaching the engine, signed-out
// behaviour. (Uploads through a backend are covered by the browser test.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SignIn } from '../../../src/main/desktop/auth-bridge.js';
import { openDesktopServices, type DesktopServices } from '../../../src/main/desktop/desktop-services.js';
import { toIpcError } from '../../../src/main/desktop/dispatch.js';
import { MemoryUserSettingsStore, type PolicyEnvironment } from '../../../src/main/settings/index.js';
import { startGrantingBackend, startLocalHttp } from '../../support/local-http.js';
import { S3_MAX_OBJECT_BYTES, sparseDir } from '../../support/sparse-file.js';

let dir: string;
let services: DesktopServices | null = null;
/** What the stand-in file dialog returns. */
let picked: string[] = [];

/** Adds `paths` as the window does: the dialog's grants, then transfers:add with them. */
async function addByPicker(s: DesktopServices, paths: string[]) {
  picked = paths;
  return s.handlers['transfers:add']({ grants: await s.handlers['dialog:pickFiles'](undefined) });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-desktop-'));
});
afterEach(async () => {
  await services?.close();
  services = null;
  rmSync(dir, { recursive: true, force: true });
});

/** Linux, with the policy file at `policy` (absent when undefined; a function is read each time). */
function policyAt(policy: string | undefined | (() => string | undefined)): Partial<PolicyEnvironment> {
  const text = typeof policy === 'function' ? policy : () => policy;
  return {
    platform: 'linux',
    env: {},
    userName: 'ann',
    readFile: async (path) => (path === '/etc/dockside/policy.json' ? (text() ?? null) : null),
    exists: async (path) => path === '/etc/dockside/policy.json' && text() !== undefined,
  };
}

async function open(policy: string | undefined | (() => string | undefined), onSettingsChanged = vi.fn(), builtInBackendUrl: string | null = null, signIn: SignIn | null = null) {
  const emit = vi.fn();
  services = await openDesktopServices({
    home: join(dir, 'home'),
    signIns: { get: () => signIn, set: () => true, clear: () => undefined },
    settingsStore: new MemoryUserSettingsStore(),
    policyEnvironment: policyAt(policy),
    emit,
    pickFiles: async () => picked,
    chooseDiagnosticsFile: async (name) => join(dir, name),
    appVersion: '1.2.3',
    validate: true,
    onSettingsChanged,
    builtInBackendUrl,
    log: () => undefined,
  });
  return { services, emit, onSettingsChanged };
}

describe('openDesktopServices', () => {
  it('shows policy values locked with the reason, refuses to change them, and applies user changes to the engine', async () => {
    const { services: s, onSettingsChanged } = await open(JSON.stringify({ maxConcurrency: 6, backendUrl: 'https://dockside.firm.example' }));
    const settings = await s.handlers['settings:get'](undefined);
    expect(settings.backendUrl).toMatchObject({ value: 'https://dockside.firm.example', source: 'policy' });
    expect(settings.backendUrl.lockedReason).toMatch(/IT|policy/i);
    expect(onSettingsChanged).toHaveBeenCalledWith(expect.objectContaining({ backendUrl: 'https://dockside.firm.example' }));
    await expect(s.handlers['settings:set']({ backendUrl: 'https://elsewhere.example' })).rejects.toMatchObject({ code: 'POLICY_LOCKED' });
    await expect(s.handlers['settings:set']({ concurrency: 8 })).rejects.toMatchObject({ code: expect.stringMatching(/POLICY_LOCKED|INVALID_INPUT/) });
    const setConcurrency = vi.spyOn(s.manager, 'setConcurrency');
    const saved = await s.handlers['settings:set']({ concurrency: 5, startAtLogin: true });
    expect(saved.concurrency).toMatchObject({ value: 5, source: 'user' });
    expect(setConcurrency).toHaveBeenCalledWith(5);
    expect(onSettingsChanged).toHaveBeenLastCalledWith(expect.objectContaining({ concurrency: 5, startAtLogin: true }));
  });

  it('verifyFile: settings:get shows it, settings:set turns it on for the engine, and a file added afterwards is journaled with it', async () => {
    const backend = await startGrantingBackend();
    try {
      const { services: s, onSettingsChanged } = await open(undefined, vi.fn(), null, { backendUrl: backend.url, token: 't' });
      expect((await s.handlers['settings:get'](undefined)).verifyFile).toEqual({ value: false, source: 'default', lockedReason: null });
      writeFileSync(join(dir, 'before.bin'), 'before');
      writeFileSync(join(dir, 'after.bin'), 'after');
      const [before] = await s.addPaths([join(dir, 'before.bin')]);
      expect(s.journal.getTransfer(before!.id)).toMatchObject({ verifyFile: false });

      const setVerifyFile = vi.spyOn(s.manager, 'setVerifyFile');
      const saved = await s.handlers['settings:set']({ verifyFile: true });
      expect(saved.verifyFile).toEqual({ value: true, source: 'user', lockedReason: null });
      expect(setVerifyFile).toHaveBeenCalledWith(true);
      expect(onSettingsChanged).toHaveBeenLastCalledWith(expect.objectContaining({ verifyFile: true }));
      expect((await s.handlers['settings:get'](undefined)).verifyFile).toMatchObject({ value: true, source: 'user' });
      const [after] = await s.addPaths([join(dir, 'after.bin')]);
      expect(s.journal.getTransfer(after!.id)).toMatchObject({ verifyFile: true });
      // The one added before keeps what it was added with.
      expect(s.journal.getTransfer(before!.id)).toMatchObject({ verifyFile: false });
    } finally {
      await backend.close();
    }
  });

  it('verifyFile set by policy: shown locked with the reason, a change refused, every file added journaled with it', async () => {
    const backend = await startGrantingBackend();
    try {
      const { services: s } = await open(JSON.stringify({ verifyFile: true }), vi.fn(), null, { backendUrl: backend.url, token: 't' });
      expect((await s.handlers['settings:get'](undefined)).verifyFile).toEqual({
        value: true,
        source: 'policy',
        lockedReason: 'Set by your IT department (/etc/dockside/policy.json).',
      });
      await expect(s.handlers['settings:set']({ verifyFile: false })).rejects.toMatchObject({
        code: 'POLICY_LOCKED',
        message: 'Settings not changed: verifyFile is set by your IT department (/etc/dockside/policy.json) and cannot be changed here.',
      });
      writeFileSync(join(dir, 'a.bin'), 'a');
      const [record] = await s.addPaths([join(dir, 'a.bin')]);
      expect(s.journal.getTransfer(record!.id)).toMatchObject({ verifyFile: true });
    } finally {
      await backend.close();
    }
  });

  it('fails closed on a malformed policy: the log stays readable, nothing uploads, the error names the file', async () => {
    const { services: s } = await open('{ "maxConcurrency": "lots" ');
    expect(s.policyError()).toMatchObject({ code: 'POLICY_INVALID' });
    await expect(s.handlers['settings:get'](undefined)).rejects.toMatchObject({ code: 'POLICY_INVALID', message: expect.stringContaining('/etc/dockside/policy.json') });
    writeFileSync(join(dir, 'a.bin'), 'x');
    await expect(addByPicker(s, [join(dir, 'a.bin')])).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    expect(s.manager.list()).toEqual([]);
    expect(await s.handlers['log:query']({ limit: 10 })).toEqual(expect.any(Array));
  });

  it('a backend baked into the build is the default; the user and the policy still come first', async () => {
    let { services: s } = await open(undefined, vi.fn(), 'https://baked.firm.example');
    expect((await s.handlers['settings:get'](undefined)).backendUrl).toEqual({ value: 'https://baked.firm.example', source: 'default', lockedReason: null });
    expect((await s.handlers['settings:set']({ backendUrl: 'https://mine.example' })).backendUrl).toMatchObject({ value: 'https://mine.example', source: 'user' });
    await s.close();
    services = null;
    ({ services: s } = await open(JSON.stringify({ backendUrl: 'https://it.firm.example' }), vi.fn(), 'https://baked.firm.example'));
    expect((await s.handlers['settings:get'](undefined)).backendUrl).toMatchObject({ value: 'https://it.firm.example', source: 'policy' });
  });

  it('signed out: no history, and adding files says to sign in first', async () => {
    const { services: s } = await open(undefined);
    await expect(s.handlers['history:list'](undefined)).resolves.toEqual([]);
    writeFileSync(join(dir, 'a.bin'), 'x');
    await expect(addByPicker(s, [join(dir, 'a.bin')])).rejects.toMatchObject({ code: 'BACKEND_AUTH', message: expect.stringMatching(/sign in/i) });
    expect(await s.handlers['auth:status'](undefined)).toEqual({ signedIn: false, backendUrl: null, user: null });
  });

  it('signed in before IT locked another backend: adding files is refused by the policy gate, nothing journaled, the backend not asked', async () => {
    const backend = await startGrantingBackend();
    try {
      const { services: s } = await open(JSON.stringify({ backendUrl: 'https://it.firm.example' }), vi.fn(), null, { backendUrl: backend.url, token: 't' });
      writeFileSync(join(dir, 'a.bin'), 'a');
      await expect(addByPicker(s, [join(dir, 'a.bin')])).rejects.toMatchObject({
        code: 'POLICY_LOCKED',
        message: expect.stringContaining('your IT department set the Dockside backend to https://it.firm.example (policy in /etc/dockside/policy.json)'),
      });
      expect(backend.requests).toEqual([]);
      expect(s.manager.list()).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it('a transfer journaled through a backend IT no longer allows does not start, whoever starts it (window, tray, launch)', async () => {
    const backend = await startGrantingBackend();
    let policy: string | undefined;
    try {
      const { services: s } = await open(() => policy, vi.fn(), null, { backendUrl: backend.url, token: 't' });
      writeFileSync(join(dir, 'a.bin'), 'a');
      const [record] = await s.addPaths([join(dir, 'a.bin')]);
      policy = JSON.stringify({ backendUrl: 'https://it.firm.example' });
      await expect(Promise.resolve().then(() => s.handlers['transfers:resume']({ id: record!.id }))).rejects.toMatchObject({ code: 'POLICY_LOCKED' });
      // The engine's own start (what the tray, waking up and launch call) asks the same gate.
      expect(() => s.manager.start(record!.id)).toThrow(expect.objectContaining({ code: 'POLICY_LOCKED' }));
      expect(s.manager.get(record!.id)).toMatchObject({ state: 'queued' });
    } finally {
      await backend.close();
    }
  });

  it('signed in: a file above 48.8 TiB is refused as FILE_TOO_LARGE before the backend is asked for an upload', async () => {
    const backend = await startLocalHttp();
    const sparse = sparseDir('desktop-too-large');
    try {
      const big = sparse.file('too-big.bin', S3_MAX_OBJECT_BYTES + 1);
      const { services: s } = await open(undefined, vi.fn(), null, { backendUrl: backend.url, token: 't' });
      const error: unknown = await addByPicker(s, [big]).then(
        () => null,
        (e: unknown) => e,
      );
      // What the window is sent: the code and the planner's message, not "Something went wrong".
      expect(toIpcError(error)).toEqual({
        code: 'FILE_TOO_LARGE',
        message: `The file is ${S3_MAX_OBJECT_BYTES + 1} bytes (48.8 TiB); an S3 object can be at most ${S3_MAX_OBJECT_BYTES} bytes (48.8 TiB). Split the file before uploading it.`,
      });
      expect(backend.requests).toEqual([]);
      expect(await s.handlers['transfers:list'](undefined)).toEqual([]);
    } finally {
      await backend.close();
      sparse.remove();
    }
  });
});
