/** The CLI's composition root: wires the journal, file source and S3 store into the engine. */
import { awsDefaultCredentials, dataDir, journalPath, NodeFileSource, S3ObjectStore, TransferManager, type CredentialProvider } from '../engine/index.js';
import { SqliteJournal } from '../journal/index.js';

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
  const credentials = settings.credentials ?? awsDefaultCredentials();
  const concurrency = settings.concurrency ?? 4;
  const manager = new TransferManager({
    journal,
    files: new NodeFileSource(),
    storeFor: (target) =>
      new S3ObjectStore({
        target,
        credentials,
        maxSockets: concurrency * 2,
        ...(settings.stallTimeoutMs !== undefined ? { stallTimeoutMs: settings.stallTimeoutMs } : {}),
      }),
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
