/**
 * auth:status / auth:signIn / auth:signOut and the `auth:changed` event. The token comes in from
 * the renderer once, is checked with the backend and kept in the TokenStore; no response or
 * event carries it back.
 */
import { DocksideError } from '../../shared/errors.js';
import type { AuthStatus } from '../../shared/ipc-contract.js';
import type { RequestHandler } from './dispatch.js';
import type { EventSink } from './event-sink.js';

/** A backend sign-in: where, and the token (which never leaves main). */
export interface SignIn {
  readonly backendUrl: string;
  readonly token: string;
}

/** Keeps the sign-in (safeStorage in the app, a 0600 file in the harness). */
export interface SignInStore {
  get(): SignIn | null;
  /** Returns whether the sign-in was written to disk (false: kept for this run only). */
  set(signIn: SignIn): boolean;
  clear(): void;
}

export interface AuthBridgeOptions {
  readonly store: SignInStore;
  /**
   * Asks the backend whether the token is good and who it belongs to; throws a DocksideError
   * (BACKEND_AUTH, NETWORK, …) when not. Injected: the composition root wires the BackendClient.
   */
  readonly verify: (signIn: SignIn) => Promise<{ user: string | null }>;
  /**
   * Refuses (throws POLICY_LOCKED) a sign-in to a backend IT's policy does not allow: the policy
   * gate, asked before the backend is contacted or anything is saved.
   */
  readonly allow: (backendUrl: string) => Promise<void>;
  readonly emit: EventSink;
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
        // IT's lock first: the token goes nowhere IT did not choose.
        await this.options.allow(signIn.backendUrl);
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

  private changed(): AuthStatus {
    const status = this.status();
    this.options.emit('auth:changed', status);
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
