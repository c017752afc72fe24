import { describe, expect, it, vi } from 'vitest';
import { appOrigin } from '../../../src/main/app/app-origin.js';
import {
  contentSecurityPolicy,
  denyAllPermissions,
  guardWebContents,
  installContentSecurityPolicy,
  isSafeExternalUrl,
  mainWindowOptions,
} from '../../../src/main/app/window.js';

// window.ts imports only types from electron; the mock proves nothing real is loaded.
vi.mock('electron', () => ({}));

const PAGE = 'file:///opt/Dockside/resources/app/dist/renderer/index.html';
const packaged = appOrigin(PAGE);
const dev = appOrigin(PAGE, 'http://127.0.0.1:5173');

describe('main window options', () => {
  it('isolates and sandboxes the page with no Node, no webview and web security on', () => {
    const options = mainWindowOptions('/opt/Dockside/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/opt/Dockside/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(options.show).toBe(false);
  });
});

describe('Content-Security-Policy', () => {
  it('allows only our own scripts, no inline or eval, no objects, frames or forms', () => {
    const policy = contentSecurityPolicy(packaged);
    const directives = Object.fromEntries(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives['default-src']).toBe("'none'");
    expect(directives['script-src']).toBe("'self'");
    expect(directives['style-src']).toBe("'self'");
    expect(directives['connect-src']).toBe("'self'");
    expect(directives['object-src']).toBe("'none'");
    expect(directives['frame-ancestors']).toBe("'none'");
    expect(directives['form-action']).toBe("'none'");
    expect(policy).not.toMatch(/unsafe-eval|\*/);
    expect(policy).not.toMatch(/unsafe-inline/);
  });

  it('in development opens only the dev server’s HMR socket and inline styles', () => {
    const policy = contentSecurityPolicy(dev);
    expect(policy).toContain("connect-src 'self' ws://127.0.0.1:5173");
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toMatch(/unsafe-eval/);
  });

  it('is set on responses for our page, replacing the server’s, and leaves other responses alone', () => {
    let listener: ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (r: unknown) => void) => void) | undefined;
    const session = { webRequest: { onHeadersReceived: vi.fn((l: typeof listener) => (listener = l)) } };
    installContentSecurityPolicy(session as never, dev);
    const callback = vi.fn();
    listener!({ url: 'http://127.0.0.1:5173/', responseHeaders: { 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] } }, callback);
    expect(callback).toHaveBeenLastCalledWith({ responseHeaders: { 'Content-Type': ['text/html'], 'Content-Security-Policy': [contentSecurityPolicy(dev)] } });
    listener!({ url: `${PAGE}#/settings` }, callback);
    expect(callback).toHaveBeenLastCalledWith({ responseHeaders: { 'Content-Security-Policy': [contentSecurityPolicy(dev)] } });
    listener!({ url: 'https://backend.example/v1/uploads', responseHeaders: { a: ['b'] } }, callback);
    expect(callback).toHaveBeenLastCalledWith({});
  });
});

describe('permissions', () => {
  it('denies every request and check', () => {
    const session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn() };
    denyAllPermissions(session as never);
    const request = session.setPermissionRequestHandler.mock.calls[0]![0] as (c: unknown, p: string, cb: (ok: boolean) => void) => void;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fileSystem']) {
      const callback = vi.fn();
      request({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect((session.setPermissionCheckHandler.mock.calls[0]![0] as () => boolean)()).toBe(false);
    expect((session.setDevicePermissionHandler.mock.calls[0]![0] as () => boolean)()).toBe(false);
  });
});

describe('navigation and new windows', () => {
  function fakeContents() {
    const listeners = new Map<string, (event: unknown) => void>();
    let openHandler: ((details: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: vi.fn((name: string, listener: (event: unknown) => void) => listeners.set(name, listener)),
      setWindowOpenHandler: vi.fn((handler: typeof openHandler) => (openHandler = handler)),
    };
    const fire = (name: string, url: string) => {
      const event = { url, preventDefault: vi.fn() };
      listeners.get(name)!(event);
      return event.preventDefault.mock.calls.length > 0;
    };
    return { contents, fire, open: (url: string) => openHandler!({ url }) };
  }

  it.each(['will-navigate', 'will-frame-navigate', 'will-redirect'])('%s: stays on our page, cancels anything else', (name) => {
    const { contents, fire } = fakeContents();
    const onBlocked = vi.fn();
    guardWebContents(contents as never, { origin: dev, openExternal: vi.fn(async () => undefined), onBlocked });
    expect(fire(name, `${PAGE}#/history`)).toBe(false);
    expect(fire(name, 'http://127.0.0.1:5173/index.html')).toBe(false);
    expect(fire(name, 'https://evil.example/')).toBe(true);
    expect(fire(name, 'file:///etc/passwd')).toBe(true);
    expect(fire(name, 'javascript:alert(1)')).toBe(true);
    expect(onBlocked).toHaveBeenCalledTimes(3);
  });

  it('refuses to attach a webview', () => {
    const { contents, fire } = fakeContents();
    guardWebContents(contents as never, { origin: packaged, openExternal: vi.fn(async () => undefined) });
    expect(fire('will-attach-webview', '')).toBe(true);
  });

  it('denies every new window and opens only http(s) links in the browser', () => {
    const { contents, open } = fakeContents();
    const openExternal = vi.fn(async () => undefined);
    guardWebContents(contents as never, { origin: packaged, openExternal });
    for (const url of ['https://docs.example/help', 'http://intranet/help', 'file:///etc/passwd', 'smb://server/share', 'javascript:alert(1)', 'https://user:pw@evil.example/', PAGE]) {
      expect(open(url)).toEqual({ action: 'deny' });
    }
    expect(openExternal.mock.calls).toEqual([['https://docs.example/help'], ['http://intranet/help']]);
  });

  it.each([
    ['https://example.com/', true],
    ['http://example.com/', true],
    ['file:///etc/passwd', false],
    ['ms-msdt:/id', false],
    ['not a url', false],
    ['https://a:b@example.com/', false],
  ])('isSafeExternalUrl(%s) = %s', (url, safe) => {
    expect(isSafeExternalUrl(url)).toBe(safe);
  });
});
