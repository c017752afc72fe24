/**
 * auth:status / auth:signIn / auth:signOut and the `auth:changed` event. The token comes in from
 * the renderer once, is checked with the backend and kept in the TokenStore; no response or
 * event carries it back.
 */
import type { WebContents } from 'electron';
import { DocksideError } from '../../shared/errors.js';
import type { AuthStatus } from '../../shared/ipc-contract.js';
import { handle, send, type HandleOptions, type RequestHandler } from './ipc-main.js';
import type { SignIn, TokenStore } from './token-store.js';

export interface AuthBridgeOptions {
  readonly store: Pick<TokenStore, 'get' | 'set' | 'clear'>;
  /**
   * Asks the backend whether the token is good and who it belongs to; throws a DocksideError
   * (BACKEND_AUTH, NETWORK, …) when not. Injected: the composition root wires the BackendClient.
   */
  readonly verify: (signIn: SignIn) => Promise<{ user: string | null }>;
  readonly targets: () => readonly WebContents[];
}

type AuthChannel = 'auth:status' | 'auth:signIn' | 'auth:signOut';
export type AuthHandlers = { [C in AuthChannel]: RequestHandler<C> };

export class AuthBridge {
  private user: string | null = null;

  constructor(private readonly options: AuthBridgeOptions) {}

  /** What the window may know: whether, where and as whom; never the token. */
  status(): AuthStatus {
    const signIn = this.options.store.get();
    return { signedIn: signIn !== null, backendUrl: signIn?.backendUrl ?? null, user: signIn ? this.user : null };
  }

  handlers(): AuthHandlers {
    return {
      'auth:status': () => this.status(),
      'auth:signIn': async ({ backendUrl, token }) => {
        const signIn = { backendUrl: checkBackendUrl(backendUrl), token };
        // Nothing is saved until the backend accepts the token.
        const { user } = await this.options.verify(signIn);
        this.options.store.set(signIn);
        this.user = user;
        return this.changed();
      },
      'auth:signOut': () => {
        this.options.store.clear();
        this.user = null;
        return this.changed();
      },
    };
  }

  register(options: HandleOptions): () => void {
    const h = this.handlers();
    const offs = [handle('auth:status', h['auth:status'], options), handle('auth:signIn', h['auth:signIn'], options), handle('auth:signOut', h['auth:signOut'], options)];
    return () => offs.forEach((off) => off());
  }

  private changed(): AuthStatus {
    const status = this.status();
    for (const contents of this.options.targets()) send(contents, 'auth:changed', status);
    return status;
  }
}

/**
 * The contract's `z.string().url()` accepts any scheme (`javascript:`, `file:`); the token may
 * only go to https, or to plain http on loopback (the local stack). Returns the URL without a
 * trailing slash.
 */
export function checkBackendUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DocksideError('INVALID_INPUT', 'The backend address is not a URL.');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && loopback))) {
    throw new DocksideError('INVALID_INPUT', 'The backend address must start with https:// (plain http only on this computer).');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new DocksideError('INVALID_INPUT', 'The backend address must not carry a user name, password, query or fragment.');
  }
  return url.href.replace(/\/+$/, '');
}
