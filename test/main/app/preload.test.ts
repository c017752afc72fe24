import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiEventName, apiMethodName, EVENTS, REQUESTS } from '../../../src/shared/ipc-contract.js';

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
  const webUtils = { getPathForFile: vi.fn(() => '/data/dropped.bin') };
  return { listeners, exposed, ipcRenderer, contextBridge, emit, webUtils };
});
vi.mock('electron', () => ({ ipcRenderer: fake.ipcRenderer, contextBridge: fake.contextBridge, webUtils: fake.webUtils }));

await import('../../../src/main/app/preload.js');
const api = fake.exposed.get('dockside') as Record<string, (...args: unknown[]) => unknown>;

beforeEach(() => fake.ipcRenderer.invoke.mockClear());

describe('the preload', () => {
  it('exposes exactly one method per request channel and one subscription per event channel, nothing else', () => {
    // Two names only: the IPC API, and the renderer-local path of a dropped file (webUtils, no IPC).
    expect([...fake.exposed.keys()].sort()).toEqual(['dockside', 'docksideFiles']);
    const files = fake.exposed.get('docksideFiles') as Record<string, unknown>;
    expect(Object.keys(files)).toEqual(['pathForFile']);
    expect(Object.isFrozen(files)).toBe(true);
    expect((files.pathForFile as (f: unknown) => string)({ name: 'dropped.bin' })).toBe('/data/dropped.bin');
    const expected = [...Object.keys(REQUESTS).map((c) => apiMethodName(c as never)), ...Object.keys(EVENTS).map((c) => apiEventName(c as never))];
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
