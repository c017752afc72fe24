/**
 * The main window and the hardening of everything that shows web content, after Electron's
 * security guide: isolated, sandboxed, no Node in the page, a strict Content-Security-Policy,
 * no navigation away from our page, no new windows, no permissions. The options and handlers
 * are plain functions over the session and webContents they act on, so tests drive them with
 * fakes.
 */
import type { BrowserWindowConstructorOptions, HandlerDetails, Session, WebContents, WindowOpenHandlerResponse } from 'electron';
import { isAppUrl, type AppOrigin } from './app-origin.js';

/** The BrowserWindow options of the main window; `preload` is the bundled preload's absolute path. */
export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return {
    width: 1120,
    height: 760,
    minWidth: 720,
    minHeight: 480,
    title: 'Dockside',
    // Shown on 'ready-to-show', so the window never flashes an empty frame.
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      // Dropping a file on the window must reach the drop zone, not navigate to file://.
      navigateOnDragDrop: false,
      safeDialogs: true,
    },
  };
}

/**
 * The Content-Security-Policy of our page: our own scripts only, no inline script, no eval, no
 * plugins, no frames, no forms. All data comes over IPC, so `connect-src` needs nothing but the
 * dev server (and its HMR socket) in development. Development also allows inline styles, which
 * Vite's dev server injects; the packaged app does not.
 */
export function contentSecurityPolicy(origin: AppOrigin): string {
  const dev = origin.devServerOrigin;
  const directives = [
    "default-src 'none'",
    "script-src 'self'",
    dev ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    dev ? `connect-src 'self' ${dev.replace(/^http:/, 'ws:')}` : "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self'",
  ];
  return directives.join('; ');
}

/**
 * Sets the CSP header on every response for our page, replacing any the server sent (in any
 * letter case). Other responses pass unchanged. Electron documents that header delivery does
 * not work for file:// pages, so the packaged index.html must carry the same policy in a <meta>
 * tag (or the app should serve its page through a custom `app://` scheme with protocol.handle,
 * which also takes the page off file:// and its reach into the file system).
 */
export function installContentSecurityPolicy(session: Pick<Session, 'webRequest'>, origin: AppOrigin): void {
  const policy = contentSecurityPolicy(origin);
  session.webRequest.onHeadersReceived((details, callback) => {
    if (!isAppUrl(details.url, origin)) {
      callback({});
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') headers[name] = value;
    }
    headers['Content-Security-Policy'] = [policy];
    callback({ responseHeaders: headers });
  });
}

/** Denies every permission request and check (camera, notifications API, geolocation, HID, …). */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** True for links we may hand to the OS browser: http(s) only, no credentials in the URL. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

export interface NavigationGuardOptions {
  readonly origin: AppOrigin;
  /** `shell.openExternal`, injected. */
  readonly openExternal: (url: string) => Promise<void>;
  readonly onBlocked?: (what: string, url: string) => void;
}

type Preventable = { preventDefault(): void; readonly url: string };

/**
 * Keeps a webContents on our page: navigations and redirects elsewhere are cancelled, new
 * windows are denied (an http(s) link opens in the user's browser instead), <webview> cannot be
 * attached. main.ts applies it to every webContents Electron creates.
 */
export function guardWebContents(contents: Pick<WebContents, 'on' | 'setWindowOpenHandler'>, options: NavigationGuardOptions): void {
  const stayOnPage = (what: string) => (event: Preventable) => {
    if (isAppUrl(event.url, options.origin)) return;
    event.preventDefault();
    options.onBlocked?.(what, event.url);
  };
  // will-frame-navigate covers every frame; will-navigate is kept for the main frame as well.
  contents.on('will-navigate', stayOnPage('navigation') as never);
  contents.on('will-frame-navigate', stayOnPage('navigation') as never);
  contents.on('will-redirect', stayOnPage('redirect') as never);
  contents.on('will-attach-webview', ((event: { preventDefault(): void }) => {
    event.preventDefault();
    options.onBlocked?.('webview', '');
  }) as never);
  contents.setWindowOpenHandler((details: HandlerDetails): WindowOpenHandlerResponse => {
    if (isSafeExternalUrl(details.url)) {
      options.openExternal(details.url).catch((error: unknown) => options.onBlocked?.(`open external (${String(error)})`, details.url));
    } else {
      options.onBlocked?.('new window', details.url);
    }
    return { action: 'deny' };
  });
}
