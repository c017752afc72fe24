/**
 * What counts as "our page": the packaged `index.html` (a file:// URL) or, in development, the
 * Vite dev server's origin on loopback. Used by the IPC sender check, navigation guards and CSP.
 */

export interface AppOrigin {
  /** The file:// URL of our index.html (packaged and production builds). */
  readonly pageUrl: string;
  /** The dev server's origin (`http://127.0.0.1:5173`); null outside development. */
  readonly devServerOrigin: string | null;
}

/** Builds an AppOrigin, refusing anything but a file:// page and a loopback http dev server. */
export function appOrigin(pageUrl: string, devServerUrl: string | null = null): AppOrigin {
  const page = new URL(pageUrl);
  if (page.protocol !== 'file:') throw new Error(`The app page must be a file:// URL (got ${page.protocol}).`);
  let devServerOrigin: string | null = null;
  if (devServerUrl !== null) {
    const dev = new URL(devServerUrl);
    if (dev.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(dev.hostname)) {
      throw new Error(`The dev server must be http on loopback (got ${dev.origin}).`);
    }
    devServerOrigin = dev.origin;
  }
  return { pageUrl: page.href, devServerOrigin };
}

/** True when `url` is our page: the same file (any hash or query) or any path on the dev server. */
export function isAppUrl(url: string, origin: AppOrigin): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'file:') {
    const page = new URL(origin.pageUrl);
    // Only index.html itself: another local file loaded in our window is not our page.
    return parsed.host === page.host && parsed.pathname === page.pathname;
  }
  return origin.devServerOrigin !== null && parsed.origin === origin.devServerOrigin;
}
