/** The CLI's composition root: wires the journal, file source and S3 store into the engine. */
import { DocksideError } from '../../shared/errors.js';
import {
  awsDefaultCredentials,
  dataDir,
  journalPath,
  NodeFileSource,
  objectStoreFactory,
  TransferManager,
  type CredentialProvider,
} from '../engine/index.js';
import { SqliteJournal } from '../journal/index.js';
import { applyLogRetention } from '../support/log-retention.js';
import type { Network } from '../net/index.js';
import { tokenFor } from './backend-login.js';
import { cliNetworkSettings, networkFromSettings } from './cli-network.js';

export { networkFromSettings, type NetworkFromSettings } from './cli-network.js';

export interface EngineSettings {
  readonly home?: string;
  readonly concurrency?: number;
  readonly maxActiveTransfers?: number;
  readonly bandwidthLimit?: number | null;
  readonly stallTimeoutMs?: number;
  readonly credentials?: CredentialProvider;
  /** Proxy and extra CAs for S3 and the backend; default: from the environment (networkFromSettings). */
  readonly network?: Network;
  /** Days of transfer log to keep (unfinished transfers' entries are always kept); null keeps all; default 90. */
  readonly logRetentionDays?: number | null;
  /** Re-read every file before completing it (--verify-file, or the setting). */
  readonly verifyFile?: boolean;
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
  applyLogRetention(journal, settings.logRetentionDays);
  const concurrency = settings.concurrency ?? 4;
  const network = settings.network ?? networkFromSettings(cliNetworkSettings());
  const storeFor = objectStoreFactory({
    concurrency,
    ...(settings.stallTimeoutMs !== undefined ? { stallTimeoutMs: settings.stallTimeoutMs } : {}),
    standaloneCredentials: () => settings.credentials ?? awsDefaultCredentials(),
    backendToken: (url) => backendToken(url, settings.home),
    network,
  });
  const manager = new TransferManager({
    journal,
    files: new NodeFileSource(),
    storeFor,
    concurrency,
    maxActiveTransfers: settings.maxActiveTransfers ?? 2,
    bandwidthLimit: settings.bandwidthLimit ?? null,
    verifyFile: settings.verifyFile ?? false,
  });
  return {
    journal,
    manager,
    close: async () => {
      await manager.close();
      journal.close();
      // A network the caller gave is the caller's to close.
      if (!settings.network) await network.close();
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
