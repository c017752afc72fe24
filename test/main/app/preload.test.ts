import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { dispatchRequest, type HandlerMap } from '../../../src/main/desktop/dispatch.js';
import { FileGrants } from '../../../src/main/desktop/file-grants.js';
import { apiEventName, apiMethodName, EVENTS, PAGE_CHANNELS, PRELOAD_CHANNELS, REQUESTS, type RequestChannel } from '../../../src/shared/ipc-contract.js';

const fake = vi.hoisted(() => {
  type Listener = (event: unknown, payload: unknown) => void;
  const listeners = new Map<string, Set<Listener>>();
  const exposed = new Map<string, unknown>();
  const ipcRenderer = {
    invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null })),
    on: vi.fn((channel: string, listener: Listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    }),
    removeListener: vi.fn((channel: string, listener: Listener) => listeners.get(channel)?.delete(listener)),
    // Present on the real one: the test proves it never reaches the page.
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  const contextBridge = { exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.set(key, api)) };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: ipcRenderer, senderId: 0 }, payload);
  };
  // Electron gives a path only for a File that came from the OS (a drop, a file input); a File the
  // page made has none ('' from webUtils). The test marks which Files "came from the OS".
  const osPaths = new WeakMap<object, string>();
  const webUtils = { getPathForFile: vi.fn((file: object) => osPaths.get(file) ?? '') };
  return { listeners, exposed, ipcRenderer, contextBridge, emit, webUtils, osPaths };
});
vi.mock('electron', () => ({ ipcRenderer: fake.ipcRenderer, contextBridge: fake.contextBridge, webUtils: fake.webUtils }));

await import('../../../src/main/app/preload.js');
const api = fake.exposed.get('dockside') as Record<string, (...args: unknown[]) => unknown>;
const files = fake.exposed.get('docksideFiles') as { grantDropped: (files: unknown) => Promise<string[]> };

beforeEach(() => {
  // A block, not an arrow's value: a function returned from beforeEach is run as its teardown.
  fake.ipcRenderer.invoke.mockClear();
});

describe('the preload', () => {
  it('exposes exactly one method per request channel and one subscription per event channel, nothing else', () => {
    // Two names only: the IPC API, and the drop bridge (File objects in, grants out: never a path).
    expect([...fake.exposed.keys()].sort()).toEqual(['dockside', 'docksideFiles']);
    expect(Object.keys(files)).toEqual(['grantDropped']);
    expect(Object.isFrozen(files)).toBe(true);
    // The page's channels only: the preload's own (a dropped file's path) has no method.
    expect(PAGE_CHANNELS).toEqual(Object.keys(REQUESTS).filter((c) => !(PRELOAD_CHANNELS as readonly string[]).includes(c)));
    expect(Object.keys(api)).not.toContain(apiMethodName('files:grantDropped'));
    const expected = [...PAGE_CHANNELS.map((c) => apiMethodName(c)), ...Object.keys(EVENTS).map((c) => apiEventName(c as never))];
    expect(Object.keys(api).sort()).toEqual([...expected].sort());
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
    // Neither ipcRenderer nor any of its methods is reachable from the page.
    expect(Object.values(api)).not.toContain(fake.ipcRenderer);
    expect(Object.values(api)).not.toContain(fake.ipcRenderer.send);
    expect(Object.values(api)).not.toContain(fake.ipcRenderer.invoke);
  });

  it('invokes the method’s own channel with one argument and resolves with the value', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { ok: true } });
    await expect(api.transfersPause!({ id: 'abc' }, 'extra', 'args')).resolves.toEqual({ ok: true });
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith('transfers:pause', { id: 'abc' });
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: [] });
    await api.transfersList!();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith('transfers:list');
  });

  it('rejects with the IpcError main sent (a plain object with code and message)', async () => {
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'TRANSFER_NOT_FOUND', message: 'No transfer abc.' } });
    const reason = await (api.transfersResume!({ id: 'abc' }) as Promise<unknown>).catch((e: unknown) => e);
    expect(reason).toEqual({ code: 'TRANSFER_NOT_FOUND', message: 'No transfer abc.' });
  });

  it('turns a failed invoke or a reply outside the envelope into an IpcError', async () => {
    fake.ipcRenderer.invoke.mockRejectedValueOnce(new Error("Error invoking remote method 'x': No handler registered"));
    await expect(api.settingsGet!()).rejects.toEqual({ code: 'IPC_FAILED', message: expect.any(String) });
    fake.ipcRenderer.invoke.mockResolvedValueOnce({ something: 'else' });
    await expect(api.settingsGet!()).rejects.toEqual({ code: 'IPC_FAILED', message: expect.any(String) });
  });

  it('delivers only the payload to subscribers and unsubscribes', () => {
    const seen: unknown[][] = [];
    const off = api.onTransfersChanged!((...args: unknown[]) => seen.push(args)) as () => void;
    fake.emit('transfers:changed', []);
    expect(seen).toEqual([[[]]]);
    off();
    fake.emit('transfers:changed', [1]);
    expect(seen).toHaveLength(1);
    expect(fake.listeners.get('transfers:changed')?.size).toBe(0);
  });

  it('refuses a subscription without a function', () => {
    expect(() => api.onAuthChanged!('not a function')).toThrow(TypeError);
  });
});

describe('the preload and main: the page names no path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-preload-'));
  const real = join(dir, 'dropped.bin');
  writeFileSync(real, 'dropped by the user');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Main's side as desktop-services wires it: grants for the preload's drop channel, transfers:add redeems them. */
  function wireMain() {
    const grants = new FileGrants();
    const added: string[] = [];
    const handlers: Partial<HandlerMap> = {
      'files:grantDropped': ({ paths }) => grants.issue(paths),
      'transfers:add': ({ grants: ids }) => (added.push(...grants.redeem(ids)), []),
    };
    fake.ipcRenderer.invoke.mockImplementation(async (channel: unknown, ...args: unknown[]) =>
      dispatchRequest(channel as RequestChannel, handlers[channel as RequestChannel] as never, args, { validateResponses: true }),
    );
    return { added };
  }

  /** A File as a drop from the OS gives it: with a path only the preload can read. */
  function osFile(path: string): File {
    const file = new File(['dropped by the user'], 'dropped.bin');
    fake.osPaths.set(file, path);
    return file;
  }

  it('a dropped file reaches main by its path, read in the preload; the page holds only a grant', async () => {
    const { added } = wireMain();
    const granted = await files.grantDropped([osFile(real)]);
    expect(granted).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/)]);
    expect(JSON.stringify(granted)).not.toContain(dir);
    await api.transfersAdd!({ grants: granted });
    expect(added).toEqual([real]);
  });

  it('a File the page made (no path) gets no grant, and nothing is sent to main', async () => {
    const { added } = wireMain();
    await expect(files.grantDropped([new File(['x'], '/etc/shadow'), new File(['x'], 'id_rsa')])).resolves.toEqual([]);
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled();
    expect(added).toEqual([]);
  });

  it('a string (or a look-alike object) is refused by the drop bridge, and by transfers:add in main', async () => {
    const { added } = wireMain();
    for (const notFiles of ['/etc/shadow', ['/etc/shadow'], [{ name: 'shadow', path: '/etc/shadow' }], undefined]) {
      await expect(files.grantDropped(notFiles)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
    expect(fake.ipcRenderer.invoke).not.toHaveBeenCalled();
    // A path handed straight to transfers:add, in the old shape or as a grant: the schema refuses both.
    await expect(api.transfersAdd!({ paths: ['/etc/shadow'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(api.transfersAdd!({ grants: ['/etc/shadow'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(added).toEqual([]);
  });

  it('an id main did not issue is refused (FILE_NOT_CHOSEN), whatever it is', async () => {
    const { added } = wireMain();
    const errors = await Promise.all(['0'.repeat(32), 'deadbeef'.repeat(4)].map((id) => (api.transfersAdd!({ grants: [id] }) as Promise<unknown>).catch((e: unknown) => e)));
    expect(errors[0]).toMatchObject({ code: 'FILE_NOT_CHOSEN' });
    expect(errors[1]).toEqual(errors[0]);
    expect(added).toEqual([]);
  });
});
