/**
 * The one place that decides how a transfer talks to S3, shared by the composition roots (CLI,
 * desktop app, harness): a standalone transfer signs with the user's AWS credentials; a backend
 * transfer signs every part with credentials the backend vends for that upload alone, refreshed
 * before they expire, and learns the object's fate from the backend's view.
 */
import type { TransferTarget } from '../../shared/transfer-model.js';
import { BackendClient } from './backend-client.js';
import { BackendObjectStore } from './backend-object-store.js';
import { RefreshingCredentialProvider } from './credentials.js';
import type { CredentialProvider, ObjectStore } from './ports.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js';

/** How to reach S3 and the backend through a proxy or with extra CAs (built by src/main/net). */
export interface StoreNetwork {
  readonly agents?: S3ObjectStoreOptions['agents'];
  readonly fetch?: typeof fetch;
}

export interface ObjectStoreFactoryOptions {
  /** Parts in flight per transfer; the store keeps twice as many sockets. */
  readonly concurrency: number;
  readonly stallTimeoutMs?: number;
  /** The user's own AWS credentials, asked for only when a standalone transfer needs them. */
  readonly standaloneCredentials: () => CredentialProvider;
  /** The sign-in token for a backend; throws a BACKEND_AUTH DocksideError when signed out. */
  readonly backendToken: (backendUrl: string) => string;
  /** Absent (or empty): the SDK's own agents and the global fetch, as without a proxy. */
  readonly network?: StoreNetwork;
}

export type ObjectStoreFactory = (target: TransferTarget) => ObjectStore;

export function objectStoreFactory(options: ObjectStoreFactoryOptions): ObjectStoreFactory {
  let standalone: CredentialProvider | undefined;
  const s3Store = (target: TransferTarget, credentials: CredentialProvider) =>
    new S3ObjectStore({
      target,
      credentials,
      maxSockets: options.concurrency * 2,
      ...(options.network?.agents ? { agents: options.network.agents } : {}),
      ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    });
  return (target) => {
    if (!target.backend) return s3Store(target, (standalone ??= options.standaloneCredentials()));
    const { url, uploadId } = target.backend;
    // The token is looked up per request: signing in again mid-transfer takes effect at once.
    const client = new BackendClient({ url, token: () => options.backendToken(url), ...(options.network?.fetch ? { fetch: options.network.fetch } : {}) });
    const credentials = new RefreshingCredentialProvider(() => client.credentials(uploadId));
    return new BackendObjectStore(s3Store(target, credentials), client, uploadId);
  };
}
