import { describe, expect, it, vi } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { REQUESTS } from '../../../src/shared/ipc-contract.js';
import type { SignIn } from '../../../src/main/desktop/auth-bridge.js';
import { handlers } from './fake-ipc-main.js';

vi.mock('electron', async () => ({ ipcMain: (await import('./fake-ipc-main.js')).ipcMain }));
const { windowsSink, handleAll } = await import('../../../src/main/app/ipc-main.js');

const { AuthBridge } = await import('../../../src/main/desktop/auth-bridge.js');
const { appOrigin } = await import('../../../src/main/app/app-origin.js');

const TOKEN = 'eyJ-very-secret-token';

function setup(verify: (s: SignIn) => Promise<{ user: string | null }> = async () => ({ user: 'ann@firm.example' })) {
  let saved: SignIn | null = null;
  const store = { get: () => saved, set: vi.fn((s: SignIn) => ((saved = s), true)), clear: vi.fn(() => (saved = null)) };
  const window = { isDestroyed: () => false, send: vi.fn() };
  const bridge = new AuthBridge({ store, verify: vi.fn(verify), allow: async () => undefined, emit: windowsSink(() => [window as never]) });
  return { bridge, store, window, h: bridge.handlers() };
}

describe('auth handlers', () => {
  it('signs in once the backend accepts the token, tells the window, and never returns the token', async () => {
    const { h, store, window } = setup();
    const status = await h['auth:signIn']({ backendUrl: 'https://dockside.firm.example/', token: TOKEN });
    expect(status).toEqual({ signedIn: true, backendUrl: 'https://dockside.firm.example', user: 'ann@firm.example' });
    expect(store.set).toHaveBeenCalledWith({ backendUrl: 'https://dockside.firm.example', token: TOKEN });
    expect(window.send).toHaveBeenCalledWith('auth:changed', status);
    expect(REQUESTS['auth:signIn'].response.safeParse(status).success).toBe(true);
    expect(JSON.stringify([status, window.send.mock.calls, h['auth:status'](undefined)])).not.toContain(TOKEN);
  });

  it('saves nothing when the backend refuses the token', async () => {
    const { h, store, window } = setup(async () => {
      throw new DocksideError('BACKEND_AUTH', 'The backend refused the sign-in token.');
    });
    await expect(h['auth:signIn']({ backendUrl: 'https://b.example', token: TOKEN })).rejects.toMatchObject({ code: 'BACKEND_AUTH' });
    expect(store.set).not.toHaveBeenCalled();
    expect(window.send).not.toHaveBeenCalled();
    expect(h['auth:status'](undefined)).toEqual({ signedIn: false, backendUrl: null, user: null });
  });

  it('signs out everywhere', async () => {
    const { h, store, window } = setup();
    await h['auth:signIn']({ backendUrl: 'https://b.example', token: TOKEN });
    expect(h['auth:signOut'](undefined)).toEqual({ signedIn: false, backendUrl: null, user: null });
    expect(store.clear).toHaveBeenCalled();
    expect(window.send).toHaveBeenLastCalledWith('auth:changed', { signedIn: false, backendUrl: null, user: null });
  });

  it.each(['javascript:alert(1)//', 'file:///etc/passwd', 'http://backend.example', 'https://user:pw@backend.example', 'https://b.example/?token=x'])(
    'refuses to send the token to %s',
    async (backendUrl) => {
      const { h, store } = setup();
      await expect(Promise.resolve().then(() => h['auth:signIn']({ backendUrl, token: TOKEN }))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(store.set).not.toHaveBeenCalled();
    },
  );

  it('accepts https anywhere and http on loopback', async () => {
    const { h } = setup();
    await expect(h['auth:signIn']({ backendUrl: 'http://127.0.0.1:8080/', token: TOKEN })).resolves.toMatchObject({ backendUrl: 'http://127.0.0.1:8080' });
    await expect(h['auth:signIn']({ backendUrl: 'https://dockside.firm.example/base/', token: TOKEN })).resolves.toMatchObject({ backendUrl: 'https://dockside.firm.example/base' });
  });

  it('registers through the checked IPC layer (a bad URL never reaches verify, and the token is not echoed)', async () => {
    const { bridge } = setup();
    const PAGE = 'file:///app/index.html';
    const off = handleAll(bridge.handlers(), { policy: { origin: appOrigin(PAGE), isOurWebContents: () => true }, validateResponses: true });
    const event = { sender: {}, senderFrame: { parent: null, url: PAGE } };
    const result = await handlers.get('auth:signIn')!(event, { backendUrl: 'javascript:alert(1)//', token: TOKEN });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
    off();
    expect(handlers.size).toBe(0);
  });
});
