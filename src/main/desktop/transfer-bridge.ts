/**
 * The transfers:* and log:query handlers, and the `transfers:changed` / `log:appended` events,
 * over an injected engine facade (the TransferManager and the journal in the app; fakes in tests).
 * Progress snapshots arrive several times a second per transfer; the window gets the whole list
 * at most `intervalMs` apart (4 Hz by default), which is plenty for a progress bar.
 */
import { DocksideError } from '../../shared/errors.js';
import type { LogEntry, RequestChannel, TransferView } from '../../shared/ipc-contract.js';
import { isUnfinished, type TransferProgress, type TransferRecord } from '../../shared/transfer-model.js';
import type { EngineEvents, TransferManager, UploadJournal } from '../engine/index.js';
import type { RequestHandler } from './dispatch.js';
import type { FileGrants } from './file-grants.js';
import { validatingSink, type EventSink } from './event-sink.js';
import { queryLog, toLogEntry } from '../support/log-query.js';
import { toTransferView } from './transfer-view.js';

/** What the handlers need of the engine: the TransferManager's surface, and the journal's log. */
export type TransferEngine = Pick<TransferManager, 'list' | 'get' | 'start' | 'pause' | 'pauseAll' | 'cancel'> & {
  on<K extends keyof EngineEvents>(event: K, listener: EngineEvents[K]): () => void;
};

export interface TransferBridgeOptions {
  readonly engine: TransferEngine;
  readonly journal: Pick<UploadJournal, 'queryLog'>;
  /**
   * Journals transfers for the given paths (folders expanded, destination chosen: through the
   * backend when signed in). Lives in the composition root; returns the records, not started.
   */
  readonly addPaths: (paths: readonly string[]) => Promise<TransferRecord[]>;
  /** The file grants main issued: `transfers:add` turns the window's grants back into paths here. */
  readonly grants: Pick<FileGrants, 'redeem'>;
  /** Where the events go (the window in the app, the browser in the harness). */
  readonly emit: EventSink;
  /** Least time between two `transfers:changed` events (default 250 ms). */
  readonly intervalMs?: number;
  /** Validate outgoing events against the contract (development and tests). */
  readonly validateEvents?: boolean;
}

type TransferChannel = Extract<RequestChannel, `transfers:${string}` | 'log:query'>;
export type TransferHandlers = { [C in TransferChannel]: RequestHandler<C> };

const OK = { ok: true } as const;

/** Holds the latest progress per transfer, answers the transfer requests and emits the events. */
export class TransferBridge {
  private readonly latest = new Map<string, TransferProgress>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly intervalMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private stopped = false;

  private readonly emit: EventSink;

  constructor(private readonly options: TransferBridgeOptions) {
    this.intervalMs = options.intervalMs ?? 250;
    this.emit = options.validateEvents ? validatingSink(options.emit) : options.emit;
    const { engine } = options;
    this.unsubscribe.push(
      engine.on('progress', (progress) => {
        this.latest.set(progress.transferId, progress);
        this.schedule();
      }),
      engine.on('state', (id, state) => {
        if (!isUnfinished(state) || state === 'paused' || state === 'failed') this.latest.delete(id);
        this.schedule();
      }),
      engine.on('log', (entry) => this.broadcast('log:appended', toLogEntry(entry))),
    );
  }

  /** Every transfer as the window shows it, newest first. */
  views(): TransferView[] {
    return this.options.engine
      .list()
      .map((record) => toTransferView(record, this.latest.get(record.id) ?? null))
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  /** The request handlers, by channel (registered by `register`, called directly by tests). */
  handlers(): TransferHandlers {
    const { engine } = this.options;
    const view = (id: string) => {
      const record = engine.get(id);
      return record ? toTransferView(record, this.latest.get(id) ?? null) : null;
    };
    return {
      'transfers:list': () => this.views(),
      'transfers:add': async ({ grants }) => {
        // The window names no path: only what main issued for the user's own choice is added.
        const records = await this.options.addPaths(this.options.grants.redeem(grants));
        for (const record of records) startQuietly(engine, record.id);
        this.schedule();
        return records.map((record) => view(record.id) ?? toTransferView(record));
      },
      'transfers:pause': async ({ id }) => {
        mustExist(engine, id);
        await engine.pause(id);
        return OK;
      },
      'transfers:resume': ({ id }) => {
        mustExist(engine, id);
        engine.start(id);
        return OK;
      },
      'transfers:retry': ({ id }) => {
        const record = mustExist(engine, id);
        if (record.state !== 'failed') throw new DocksideError('INVALID_STATE', `Only a failed transfer can be retried; this one is ${record.state}.`);
        engine.start(id);
        return OK;
      },
      'transfers:cancel': async ({ id }) => {
        mustExist(engine, id);
        await engine.cancel(id);
        return OK;
      },
      'transfers:pauseAll': async () => {
        await engine.pauseAll();
        return OK;
      },
      'transfers:resumeAll': () => {
        // Paused ones, and queued ones left over from a run that ended without pausing them.
        // Failed ones wait for their own Retry: the user should read why they failed first.
        for (const record of engine.list()) {
          if (record.state === 'paused' || record.state === 'queued') startQuietly(engine, record.id);
        }
        return OK;
      },
      'log:query': (query) => queryLog(this.options.journal, query),
    };
  }

  /** Sends the list now (used when a window finishes loading). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastSentAt = Date.now();
    this.broadcast('transfers:changed', this.views());
  }

  /** Stops listening to the engine and cancels a pending event. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (!this.stopped) this.flush();
    }, wait);
  }

  private broadcast<C extends 'transfers:changed' | 'log:appended'>(channel: C, payload: C extends 'transfers:changed' ? TransferView[] : LogEntry): void {
    this.emit(channel, payload as never);
  }
}

/** Starts a transfer, leaving ones another process holds or that cannot start to show their state. */
function startQuietly(engine: TransferEngine, id: string): void {
  try {
    engine.start(id);
  } catch (error) {
    if (!(error instanceof DocksideError) || (error.code !== 'TRANSFER_BUSY' && error.code !== 'INVALID_STATE')) throw error;
  }
}

function mustExist(engine: TransferEngine, id: string): TransferRecord {
  const record = engine.get(id);
  if (!record) throw new DocksideError('TRANSFER_NOT_FOUND', 'That transfer is no longer in the list.');
  return record;
}
