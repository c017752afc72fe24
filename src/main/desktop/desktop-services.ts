/**
 * The desktop app's composition root, without Electron: the journal, the engine with stores
 * built by the shared factory (every backend transfer signs with credentials vended for it), the
 * sign-in, settings, history and diagnostics, and every request handler of the IPC contract over
 * them. The Electron glue (src/main/app) and the browser harness (src/harness) each add what only
 * they can do (an OS file picker, a save dialog) and carry the messages.
 */
import { DocksideError } from '../../shared/errors.js';
import type { Settings } from '../../shared/ipc-contract.js';
import { planParts } from '../../shared/part-planner.js';
import type { TransferRecord } from '../../shared/transfer-model.js';
import {
  awsDefaultCredentials,
  BackendClient,
  backendTargetFor,
  journalPath,
  NodeFileSource,
  objectStoreFactory,
  TransferManager,
} from '../engine/index.js';
import { SqliteJournal } from '../journal/index.js';
import { buildNetwork, type Network } from '../net/index.js';
import {
  changeSettings,
  checkPolicy,
  loadSettings,
  settingValues,
  signInRefusal,
  signInWrites,
  toContractSettings,
  uploadWrites,
  type LoadedPolicy,
  type LoadedSettings,
  type PolicyEnvironment,
  type PolicyRefusal,
  type SettingValues,
  type UserSettingsStore,
} from '../settings/index.js';
import { exportDiagnostics } from '../support/diagnostics.js';
import { applyLogRetention } from '../support/log-retention.js';
import { AuthBridge, checkBackendUrl, type SignInStore } from './auth-bridge.js';
import type { HandlerMap } from './dispatch.js';
import type { EventSink } from './event-sink.js';
import { expandPaths } from './expand-paths.js';
import { FileGrants } from './file-grants.js';
import { loadHistory } from './history.js';
import { AvailabilityWatcher } from './availability-watcher.js';
import { TransferBridge } from './transfer-bridge.js';
import type { UploadView } from '../../shared/backend-api.js';

export interface DesktopServicesOptions {
  /** The data folder (journal, settings). */
  readonly home: string;
  readonly signIns: SignInStore;
  /** The user's own settings (electron-store in the app, a JSON file in the harness). */
  readonly settingsStore: UserSettingsStore;
  /** Where machine-wide policy is read (tests point it at fixtures). */
  readonly policyEnvironment?: Partial<PolicyEnvironment>;
  readonly emit: EventSink;
  /** The OS file picker (Electron's dialog; the harness's pick folder): its paths stay in main, the window gets grants. */
  readonly pickFiles: () => Promise<string[]>;
  /** Where to save a diagnostics bundle (a save dialog); null when the user cancelled. */
  readonly chooseDiagnosticsFile: (suggestedName: string) => Promise<string | null>;
  readonly appVersion: string;
  /** The backend baked into this build (scripts/write-build-config.ts): the default below the user and policy. */
  readonly builtInBackendUrl?: string | null;
  /** Called with the effective values once opened and after every change (start at login, say). */
  readonly onSettingsChanged?: (values: SettingValues) => void;
  /** Development and tests: validate every response and event against the contract. */
  readonly validate: boolean;
  /** Trust the OS certificate store as well. */
  readonly systemCa?: boolean;
  /** Stall timeout of part uploads (tests shorten it). */
  readonly stallTimeoutMs?: number;
  readonly log: (message: string, error?: unknown) => void;
}

export interface DesktopServices {
  readonly journal: SqliteJournal;
  readonly manager: TransferManager;
  readonly transfers: TransferBridge;
  readonly auth: AuthBridge;
  /** Every request channel of the contract. */
  readonly handlers: HandlerMap;
  readonly addPaths: (paths: readonly string[]) => Promise<TransferRecord[]>;
  /** Why uploads are refused (a malformed policy or settings file), or null. */
  readonly policyError: () => unknown;
  /** The effective setting values last loaded (defaults while the policy is unusable). */
  readonly currentSettings: () => SettingValues;
  /** Calls `listener` when the backend settles an upload completed in this run. */
  readonly onUploadSettled: (listener: (record: TransferRecord, upload: UploadView) => void) => () => void;
  /** Stops the events, pauses every transfer (resumable) and closes the journal. */
  close(): Promise<void>;
}

/**
 * Opens the journal and the engine. A malformed machine-wide policy fails closed: the services
 * open (the log and history stay readable) but nothing uploads or resumes, and every such request
 * answers with the policy's error, which names the file or key to fix.
 */
export async function openDesktopServices(options: DesktopServicesOptions): Promise<DesktopServices> {
  const journal = new SqliteJournal(journalPath(options.home));
  let settings: LoadedSettings | null = null;
  let policyError: unknown = null;
  try {
    settings = await loadSettings(options.settingsStore, options.policyEnvironment);
  } catch (error) {
    policyError = error;
    options.log('Settings or policy cannot be used; uploads are refused until it is fixed', error);
  }
  const current = async (): Promise<LoadedSettings> => {
    // Read afresh each time: IT may change the policy while the app runs.
    const loaded = await loadSettings(options.settingsStore, options.policyEnvironment);
    settings = loaded;
    policyError = null;
    return loaded;
  };
  const usable = async (): Promise<LoadedSettings> => {
    try {
      return await current();
    } catch (error) {
      policyError = error;
      throw error;
    }
  };
  const fallback = await fallbackSettings(options.settingsStore);
  const initial = settingValues((settings ?? fallback).effective);
  applyLogRetention(journal, initial.logRetentionDays);
  // Proxy and extra CAs from policy or settings (the environment's proxy otherwise), for S3 and the backend alike.
  const network: Network = buildNetwork({ proxy: initial.proxy, caCertificates: initial.caCertificates, ...(options.systemCa ? { systemCa: true } : {}) });
  const viaNetwork = network.fetch ? { fetch: network.fetch } : {};
  const backendToken = (url: string) => {
    const signIn = options.signIns.get();
    if (!signIn || signIn.backendUrl !== url) {
      throw new DocksideError('BACKEND_AUTH', `Dockside is not signed in to ${url}. Sign in again in Settings; the transfer then carries on where it stopped.`);
    }
    return signIn.token;
  };
  const manager = new TransferManager({
    journal,
    files: new NodeFileSource(),
    storeFor: objectStoreFactory({
      concurrency: initial.concurrency,
      standaloneCredentials: awsDefaultCredentials,
      backendToken,
      network,
      ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    }),
    concurrency: initial.concurrency,
    maxActiveTransfers: initial.maxActiveTransfers,
    bandwidthLimit: initial.bandwidthLimit,
    verifyFile: initial.verifyFile,
    // Every start (the window, the tray, wake, launch) passes IT's policy gate with the policy last
    // read; while the policy is unusable nothing starts (fail closed).
    mayStart: (record) => {
      if (policyError !== null || settings === null) throw policyError;
      checkTransferAllowed(settings.policy, record.target.backend?.url ?? null);
    },
  });

  const client = (): BackendClient | null => {
    const signIn = options.signIns.get();
    return signIn ? new BackendClient({ url: signIn.backendUrl, token: () => backendToken(signIn.backendUrl), ...viaNetwork }) : null;
  };

  const files = new NodeFileSource();
  const addPaths = async (paths: readonly string[]): Promise<TransferRecord[]> => {
    // The verifyFile setting at the time of adding is kept with each transfer (as --verify-file is).
    const loaded = await usable();
    const verifyFile = loaded.effective.verifyFile.value;
    const signIn = options.signIns.get();
    const backend = client();
    if (!signIn || !backend) throw new DocksideError('BACKEND_AUTH', 'Sign in first (Settings): uploads go through your firm\'s Dockside backend.');
    // A sign-in made before IT locked the backend does not carry uploads elsewhere.
    checkTransferAllowed(loaded.policy, signIn.backendUrl);
    const records: TransferRecord[] = [];
    for (const filePath of await expandPaths(paths)) {
      const { size } = await files.identify(filePath);
      // A file S3 cannot take (above 48.8 TiB) is refused here, before the backend is asked for an upload.
      planParts(size);
      const target = await backendTargetFor({ client: backend, filePath, size, transfers: manager.list() });
      records.push(await manager.add({ filePath, target, ...(verifyFile ? { verifyFile: true } : {}) }));
    }
    return records;
  };

  // What the user chose, held here; the window gets grants (file-grants.ts).
  const grants = new FileGrants();
  const transfers = new TransferBridge({ engine: manager, journal, addPaths, grants, emit: options.emit, validateEvents: options.validate });
  const auth = new AuthBridge({
    store: options.signIns,
    emit: options.emit,
    allow: async (backendUrl) => checkPolicy((await usable()).policy, signInWrites(backendUrl), signInRefusal),
    verify: async ({ backendUrl, token }) => {
      // One cheap authenticated call: a bad token or a wrong address fails here, before saving.
      await new BackendClient({ url: checkBackendUrl(backendUrl), token, ...viaNetwork }).listUploads({ limit: 1 });
      return { user: null };
    },
  });

  const applyEngineSettings = (loaded: LoadedSettings) => {
    const values = settingValues(loaded.effective);
    manager.setConcurrency(values.concurrency);
    manager.setMaxActiveTransfers(values.maxActiveTransfers);
    manager.setBandwidthLimit(values.bandwidthLimit);
    manager.setVerifyFile(values.verifyFile);
    options.onSettingsChanged?.(values);
  };
  options.onSettingsChanged?.(initial);
  const settledListeners = new Set<(record: TransferRecord, upload: UploadView) => void>();
  const watcher = new AvailabilityWatcher({
    client,
    engine: manager,
    onSettled: (record, upload) => {
      for (const listener of settledListeners) listener(record, upload);
    },
  });
  const transferHandlers = transfers.handlers();

  // A backend baked into the build is what "default" means for this installation.
  const withBuiltIn = (contract: Settings): Settings =>
    contract.backendUrl.source === 'default' && options.builtInBackendUrl ? { ...contract, backendUrl: { ...contract.backendUrl, value: options.builtInBackendUrl } } : contract;
  const handlers: HandlerMap = {
    ...transferHandlers,
    // Starting or resuming uploads checks the policy first (fail closed).
    'transfers:resume': async (request) => (await usable(), transferHandlers['transfers:resume'](request)),
    'transfers:retry': async (request) => (await usable(), transferHandlers['transfers:retry'](request)),
    'transfers:resumeAll': async (request) => (await usable(), transferHandlers['transfers:resumeAll'](request)),
    ...auth.handlers(),
    'history:list': () => loadHistory(client(), manager.list()),
    'diagnostics:export': async () => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
      const outFile = await options.chooseDiagnosticsFile(`dockside-diagnostics-${stamp}.zip`);
      if (outFile === null) return null;
      const signIn = options.signIns.get();
      const result = await exportDiagnostics({
        journal,
        home: options.home,
        settings: settings?.effective ?? { error: describe(policyError) },
        appVersion: options.appVersion,
        outFile,
        ...(signIn ? { secrets: [signIn.token] } : {}),
      });
      return { path: result.path };
    },
    'settings:get': async () => withBuiltIn(toContractSettings((await usable()).effective)),
    'settings:set': async (patch) => {
      const next = await changeSettings(options.settingsStore, (await usable()).policy, patch);
      settings = next;
      applyEngineSettings(next);
      return withBuiltIn(toContractSettings(next.effective));
    },
    'dialog:pickFiles': async () => grants.issue(await options.pickFiles()),
    // Electron's preload only (the harness refuses this channel: there the page is the sender).
    'files:grantDropped': ({ paths }) => grants.issue(paths),
  };

  return {
    journal,
    manager,
    policyError: () => policyError,
    currentSettings: () => settingValues((settings ?? fallback).effective),
    onUploadSettled: (listener) => {
      settledListeners.add(listener);
      return () => settledListeners.delete(listener);
    },
    transfers,
    auth,
    handlers,
    addPaths,
    close: async () => {
      transfers.stop();
      watcher.dispose();
      try {
        await manager.close();
      } finally {
        journal.close();
        await network.close();
      }
    },
  };
}

/** Defaults (and no policy) for sizing the engine while the policy is unusable: nothing uploads anyway. */
async function fallbackSettings(store: UserSettingsStore): Promise<LoadedSettings> {
  const { NO_POLICY, resolveSettings } = await import('../settings/index.js');
  return { policy: NO_POLICY, user: {}, effective: resolveSettings(NO_POLICY, {}, store.location), userLocation: store.location };
}

/** The policy gate for an upload through `backendUrl` (null: straight to S3), in the window's words. */
function checkTransferAllowed(policy: LoadedPolicy, backendUrl: string | null): void {
  checkPolicy(policy, uploadWrites(backendUrl), (refusals: readonly PolicyRefusal[]) => {
    const refusal = refusals[0]!;
    if (refusal.kind === 'lock' && refusal.setting === 'backendUrl') {
      return `This upload would go through ${String(refusal.value)}, but your IT department set the Dockside backend to ${String(refusal.required)} (policy in ${refusal.origin}). Sign in to that one in Settings (and cancel uploads to the other).`;
    }
    return `Uploads straight to S3 are turned off by your IT department (policy in ${refusal.origin}).`;
  });
}

function describe(error: unknown): string {
  return error instanceof DocksideError ? error.message : 'unknown';
}
