/** The CLI's composition root: wires the journal, file source and S3 store into the engine. */
import type { TransferTarget } from '../../shared/transfer-model.js';
import { DocksideError } from '../../shared/errors.js';
import {
  awsDefaultCredentials,
  BackendClient,
  BackendObjectStore,
  dataDir,
  journalPath,
  NodeFileSource,
  RefreshingCredentialProvider,
  S3ObjectStore,
  TransferManager,
  type CredentialProvider,
  type ObjectStore,
} from '../engine/index.js';
import { SqliteJournal } from '../journal/index.js';
import { tokenFor } from './backend-login.js';

export interface EngineSettings {
  readonly home?: string;
  readonly concurrency?: number;
  readonly maxActiveTransfers?: number;
  readonly bandwidthLimit?: number | null;
  readonly stallTimeoutMs?: number;
  readonly credentials?: CredentialProvider;
}

export interface Engine {
  readonly journal: SqliteJournal;
  readonly manager: TransferManager;
  close(): Promise<void>;
}

/** Opens the journal only (for read-only commands such as ls and log). */
export function openJournal(home?: string): SqliteJournal {
  return new SqliteJournal(journalPath(home ?? dataDir()));
}

/** Opens the journal and builds a TransferManager on it. */
export function openEngine(settings: EngineSettings = {}): Engine {
  const journal = openJournal(settings.home);
  // Standalone transfers sign with the user's AWS credentials, resolved only when one needs them.
  let standalone: CredentialProvider | undefined = settings.credentials;
  const concurrency = settings.concurrency ?? 4;
  const s3Store = (target: TransferTarget, credentials: CredentialProvider) =>
    new S3ObjectStore({
      target,
      credentials,
      maxSockets: concurrency * 2,
      ...(settings.stallTimeoutMs !== undefined ? { stallTimeoutMs: settings.stallTimeoutMs } : {}),
    });
  const storeFor = (target: TransferTarget): ObjectStore => {
    if (!target.backend) return s3Store(target, (standalone ??= awsDefaultCredentials()));
    // A backend transfer signs every part with credentials the backend vends for this upload
    // alone, refreshed before they expire; a failing backend is retried like any network fault.
    const { url, uploadId } = target.backend;
    const client = new BackendClient({ url, token: () => backendToken(url, settings.home) });
    const credentials = new RefreshingCredentialProvider(() => client.credentials(uploadId));
    return new BackendObjectStore(s3Store(target, credentials), client, uploadId);
  };
  const manager = new TransferManager({
    journal,
    files: new NodeFileSource(),
    storeFor,
    concurrency,
    maxActiveTransfers: settings.maxActiveTransfers ?? 2,
    bandwidthLimit: settings.bandwidthLimit ?? null,
  });
  return {
    journal,
    manager,
    close: async () => {
      await manager.close();
      journal.close();
    },
  };
}

function backendToken(url: string, home: string | undefined): string {
  const token = tokenFor(url, home);
  if (token === null) {
    throw new DocksideError('BACKEND_AUTH', `Not signed in to the Dockside backend at ${url}. Run \`dockside login --backend ${url}\` (or set DOCKSIDE_TOKEN), then \`dockside resume\`.`);
  }
  return token;
}
