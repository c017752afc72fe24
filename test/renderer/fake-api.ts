// A fake `window.dockside` for component tests: every request method is a vitest mock answering
// from plain state the test sets, and every event channel can be fired by the test with `emit`.
import { vi, type Mock } from 'vitest';
import type {
  AuthStatus,
  DocksideApi,
  EventChannel,
  EventOf,
  HistoryEntry,
  LogEntry,
  Settings,
  TransferView,
} from '../../src/shared/ipc-contract.js';

type Listener<C extends EventChannel> = (payload: EventOf<C>) => void;

export interface FakeState {
  transfers: TransferView[];
  history: HistoryEntry[];
  log: LogEntry[];
  settings: Settings;
  auth: AuthStatus;
  picked: string[];
}

export type FakeApi = { readonly [K in keyof DocksideApi]: DocksideApi[K] & Mock<DocksideApi[K]> } & {
  readonly state: FakeState;
  /** Fires an event to every current listener, as main would. */
  emit<C extends EventChannel>(channel: C, payload: EventOf<C>): void;
  /** How many listeners are subscribed to a channel (to check unsubscribing). */
  listenerCount(channel: EventChannel): number;
};

const ok = { ok: true as const };

/** Default settings: everything the user's, nothing locked. */
export function defaultSettings(): Settings {
  const user = <T,>(value: T) => ({ value, source: 'default' as const, lockedReason: null });
  return {
    backendUrl: user<string | null>('https://dockside.example.com'),
    concurrency: user(4),
    maxActiveTransfers: user(2),
    bandwidthLimit: user<number | null>(null),
    notifications: user(true),
    startAtLogin: user(false),
    verifyFile: user(false),
  };
}

/** A fake bridge; pass initial state to override the defaults. */
export function createFakeApi(initial: Partial<FakeState> = {}): FakeApi {
  const state: FakeState = {
    transfers: [],
    history: [],
    log: [],
    settings: defaultSettings(),
    auth: { signedIn: false, backendUrl: null, user: null },
    picked: [],
    ...initial,
  };
  const listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  const subscribe =
    <C extends EventChannel>(channel: C) =>
    (listener: Listener<C>) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener as (payload: never) => void);
      return () => void set.delete(listener as (payload: never) => void);
    };

  const api = {
    transfersList: vi.fn(async () => state.transfers),
    transfersAdd: vi.fn(async () => state.transfers),
    transfersPause: vi.fn(async () => ok),
    transfersResume: vi.fn(async () => ok),
    transfersCancel: vi.fn(async () => ok),
    transfersRetry: vi.fn(async () => ok),
    transfersPauseAll: vi.fn(async () => ok),
    transfersResumeAll: vi.fn(async () => ok),
    historyList: vi.fn(async () => state.history),
    logQuery: vi.fn(async () => state.log),
    diagnosticsExport: vi.fn(async () => ({ path: '/tmp/dockside-diagnostics.zip' })),
    settingsGet: vi.fn(async () => state.settings),
    settingsSet: vi.fn(async () => state.settings),
    authStatus: vi.fn(async () => state.auth),
    authSignIn: vi.fn(async () => state.auth),
    authSignOut: vi.fn(async () => state.auth),
    dialogPickFiles: vi.fn(async () => state.picked),
    onTransfersChanged: vi.fn(subscribe('transfers:changed')),
    onLogAppended: vi.fn(subscribe('log:appended')),
    onAuthChanged: vi.fn(subscribe('auth:changed')),
  } satisfies DocksideApi;

  return {
    ...api,
    state,
    emit(channel, payload) {
      for (const listener of listeners.get(channel) ?? []) (listener as (payload: unknown) => void)(payload);
    },
    listenerCount: (channel) => listeners.get(channel)?.size ?? 0,
  } as FakeApi;
}
