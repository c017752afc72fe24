/**
 * The engine's public face: a queue of transfers with a limit on how many run at once, shared
 * bandwidth, pause / resume / cancel, and typed events (progress, state, log) for the CLI and
 * the app to render. One TransferRunner per running transfer does the actual work.
 */
import { hostname } from 'node:os';
import { DocksideError, type ErrorInfo } from '../../shared/errors.js';
import { planParts, type PlanLimits } from '../../shared/part-planner.js';
import {
  isUnfinished,
  type ChecksumType,
  type TransferLogEntry,
  type TransferProgress,
  type TransferRecord,
  type TransferState,
  type TransferTarget,
} from '../../shared/transfer-model.js';
import { newTransferId } from './ids.js';
import { identityChange, identityKey, parseIdentityKey } from './file-identity.js';
import type { Clock, FileSource, ObjectStore, ObjectStoreFactory, UploadJournal } from './ports.js';
import { RateLimiter } from './rate-limiter.js';
import { classifyError, DEFAULT_BACKOFF, withRetry, type BackoffPolicy } from './retry.js';
import { systemClock } from './system-clock.js';
import { ThroughputMeter } from './throughput-meter.js';
import { StopRequest, TransferRunner, type RunOutcome, type StopReason } from './transfer-runner.js';
import { canTransition } from './transfer-state.js';
import { TypedEmitter } from './typed-emitter.js';

export interface EngineEvents {
  progress: (progress: TransferProgress) => void;
  state: (transferId: string, state: TransferState, error: ErrorInfo | null) => void;
  log: (entry: TransferLogEntry) => void;
}

export interface TransferManagerOptions {
  readonly journal: UploadJournal;
  readonly files: FileSource;
  readonly storeFor: ObjectStoreFactory;
  readonly clock?: Clock;
  readonly backoff?: BackoffPolicy;
  /** Transfers running at once (default 2). */
  readonly maxActiveTransfers?: number;
  /** Parts in flight per transfer (default 4). */
  readonly concurrency?: number;
  /** Total upload rate cap in bytes/s; null for none. */
  readonly bandwidthLimit?: number | null;
  readonly progressIntervalMs?: number;
  /** Who holds a running transfer (pid@host:nonce); another live process is not interfered with. */
  readonly owner?: string;
  /** Part planning limits; tests lower them to get many parts from a small file. */
  readonly planLimits?: Partial<PlanLimits>;
  /** Where parts' CRC32s go (see RunnerDeps.partChecksum); default 'trailer', one read per part. */
  readonly partChecksum?: 'trailer' | 'header';
  /** Re-read every file in full before completing it (a setting; a transfer may also ask for it). */
  readonly verifyFile?: boolean;
  /** Bytes in flight per transfer at most (see RunnerDeps.maxInFlightBytes; default 10 GiB). */
  readonly maxInFlightBytes?: number;
  /**
   * Asked before a transfer starts, whoever starts it (a window, the tray, waking from sleep,
   * launch); throws to refuse, and the transfer keeps its state. The desktop app puts IT's
   * policy gate here: a transfer to a backend the policy no longer allows does not run.
   */
  readonly mayStart?: (record: TransferRecord) => void;
}

export interface AddTransferRequest {
  readonly filePath: string;
  readonly target: TransferTarget;
  readonly partSize?: number;
  readonly checksumType?: ChecksumType;
  /** Re-read the whole file before completing (--verify-file); kept with the transfer. */
  readonly verifyFile?: boolean;
}

interface Active {
  readonly runner: TransferRunner;
  readonly controller: AbortController;
  readonly meter: ThroughputMeter;
  readonly done: Promise<RunOutcome>;
}

export class TransferManager extends TypedEmitter<EngineEvents> {
  private readonly journal: UploadJournal;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly owner: string;
  private readonly queue: string[] = [];
  private readonly active = new Map<string, Active>();
  private readonly waiters = new Map<string, Array<(outcome: RunOutcome) => void>>();
  private readonly stores = new Map<string, ObjectStore>();
  private ticker: ReturnType<typeof setInterval> | null = null;
  private maxActive: number;
  private concurrency: number;
  private verifyFile: boolean;
  private closed = false;

  constructor(private readonly options: TransferManagerOptions) {
    super();
    this.journal = options.journal;
    this.clock = options.clock ?? systemClock;
    this.limiter = new RateLimiter(options.bandwidthLimit ?? null, this.clock);
    this.maxActive = positive(options.maxActiveTransfers ?? 2, 'maxActiveTransfers');
    this.concurrency = positive(options.concurrency ?? 4, 'concurrency');
    this.verifyFile = options.verifyFile ?? false;
    this.owner = options.owner ?? `${process.pid}@${hostname()}:${newTransferId().slice(-6)}`;
  }

  /**
   * Journals a new transfer of `filePath` (queued, not started). An unfinished transfer of the
   * same, unchanged file to the same place is returned instead, so re-running an upload resumes it.
   */
  async add(request: AddTransferRequest): Promise<TransferRecord> {
    this.assertOpen();
    const identity = await this.options.files.identify(request.filePath);
    // Planned first: a file that cannot be uploaded (too large) changes nothing, not even an old transfer of it.
    const plan = planParts(identity.size, {
      ...(request.partSize !== undefined ? { preferredPartSize: request.partSize } : {}),
      ...(this.options.planLimits ? { limits: this.options.planLimits } : {}),
    });
    const existing = this.journal.findUnfinished(request.filePath, request.target);
    if (existing) {
      // A transfer that stopped because the file read differently (the resume sample, --verify-file)
      // is of a changed file too, though its identity may look the same: asked again, start over.
      const changed =
        identityChange(parseIdentityKey(existing.fileIdentity, existing), identity) ??
        (existing.errorCode === 'FILE_CHANGED' ? (existing.errorMessage ?? 'it read differently than what was sent') : null);
      if (!changed && (request.partSize === undefined || request.partSize === existing.partSize || existing.uploadId === null)) {
        this.log(existing.id, 'info', 'transfer.reused', 'The same file is already on its way to this place; continuing that transfer.', {});
        return existing;
      }
      if (this.active.has(existing.id)) {
        throw new DocksideError('TRANSFER_BUSY', `Transfer ${existing.id} of this file is running; pause or cancel it first.`);
      }
      await this.cancel(existing.id, changed ? `the file changed (${changed}); starting over` : 'a new part size was asked for; starting over');
    }
    const record = this.journal.createTransfer({
      id: newTransferId(this.clock.now()),
      filePath: request.filePath,
      fileSize: identity.size,
      fileMtimeMs: identity.mtimeMs,
      fileIdentity: identityKey(identity),
      target: request.target,
      partSize: plan.partSize,
      partCount: plan.partCount,
      checksumType: request.checksumType ?? 'FULL_OBJECT',
      verifyFile: request.verifyFile ?? false,
    });
    if (request.partSize !== undefined && plan.partSize !== request.partSize) {
      this.log(record.id, 'info', 'plan.adjusted', `Part size raised to ${plan.partSize} bytes so the file fits in 10,000 parts.`, {
        requested: request.partSize,
        partSize: plan.partSize,
      });
    }
    return record;
  }

  /**
   * Queues a transfer to run (new, paused or failed); returns once it is queued, not when done.
   * Throws TRANSFER_BUSY, changing nothing, when another live process holds the transfer.
   */
  start(id: string): void {
    this.assertOpen();
    const record = this.mustGet(id);
    if (this.active.has(id) || this.queue.includes(id)) return;
    if (!isUnfinished(record.state)) {
      throw new DocksideError('INVALID_STATE', `Transfer ${id} is ${record.state}; there is nothing to resume.`);
    }
    this.options.mayStart?.(record);
    // Claim before touching anything: the journal belongs to whoever is uploading the transfer.
    this.claimOrThrow(id, 'leave it to that one');
    if (record.state !== 'queued') {
      this.journal.setState(id, 'queued', null);
      this.emit('state', id, 'queued', null);
    }
    this.queue.push(id);
    this.pump();
  }

  /** Resolves with how the transfer's current (or next) run ended. */
  waitFor(id: string): Promise<RunOutcome> {
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Pauses a running or queued transfer; the journal keeps everything needed to resume. */
  async pause(id: string, reason: StopReason = 'pause'): Promise<void> {
    const index = this.queue.indexOf(id);
    if (index >= 0) {
      this.queue.splice(index, 1);
      try {
      const record = this.mustGet(id);
      if (canTransition(record.state, 'pause')) this.setState(id, 'paused');
      this.journal.release(id, this.owner);
      } finally {
        // Out of the queue either way: whoever waits for it learns it stopped, even when the
        // journal could not record the pause (the error still reaches the caller).
      this.settle(id, { kind: 'paused' });
      }
      return;
    }
    const active = this.active.get(id);
    if (!active) return;
    active.controller.abort(new StopRequest(reason));
    await active.done;
  }

  async pauseAll(reason: StopReason = 'pause'): Promise<void> {
    await Promise.all([...this.queue, ...this.active.keys()].map((id) => this.pause(id, reason)));
  }

  /**
   * Cancels a transfer: stops it, aborts its multipart upload on S3 (so no parts linger and
   * cost money) and marks it cancelled.
   */
  async cancel(id: string, why = 'cancelled by the user'): Promise<void> {
    const record = this.mustGet(id);
    if (!isUnfinished(record.state)) {
      throw new DocksideError('INVALID_STATE', `Transfer ${id} is already ${record.state}.`);
    }
    const active = this.active.get(id);
    if (active) {
      active.controller.abort(new StopRequest('cancel'));
      await active.done;
    }
    const index = this.queue.indexOf(id);
    if (index >= 0) this.queue.splice(index, 1);
    // Another process uploading it would carry on regardless: it must stop first.
    this.claimOrThrow(id, 'stop it there first (Ctrl-C), then cancel');
    try {
      const fresh = this.mustGet(id);
      // Bounded: a cancel should not hang for ever when offline; the cleanup job and the bucket's
      // lifecycle rule remove what is left.
      const signal = AbortSignal.timeout(60_000);
      if (fresh.uploadId) await this.abortRemote(fresh, signal);
      // After the abort, which may need the upload's credentials: the backend vends none once it is ended.
      await this.endUpload(fresh, signal);
      this.setState(id, 'cancelled');
      this.log(id, 'info', 'transfer.cancelled', `Cancelled: ${why}.`, { uploadId: fresh.uploadId });
    } finally {
      this.journal.release(id, this.owner);
    }
    this.settle(id, { kind: 'cancelled' });
  }

  private claimOrThrow(id: string, advice: string): void {
    if (!this.journal.claim(id, this.owner, isOwnerAlive)) {
      throw new DocksideError('TRANSFER_BUSY', `Transfer ${id} is being uploaded by another Dockside process; ${advice}.`);
    }
  }

  /** Changes the total upload rate cap while transfers run. */
  setBandwidthLimit(bytesPerSecond: number | null): void {
    this.limiter.setLimit(bytesPerSecond);
  }

  /** Parts in flight per transfer, for transfers started from now on. */
  setConcurrency(parts: number): void {
    this.concurrency = positive(parts, 'concurrency');
  }

  /** Whether every transfer started from now on re-reads its file before completing (the verifyFile setting). */
  setVerifyFile(verify: boolean): void {
    this.verifyFile = verify;
  }

  setMaxActiveTransfers(count: number): void {
    this.maxActive = positive(count, 'maxActiveTransfers');
    this.pump();
  }

  list(): TransferRecord[] {
    return this.journal.listTransfers();
  }

  get(id: string): TransferRecord | null {
    return this.journal.getTransfer(id);
  }

  /** A snapshot of a transfer's progress, running or not. */
  progress(id: string): TransferProgress {
    const record = this.mustGet(id);
    const active = this.active.get(id);
    const bytesDone = active ? active.runner.bytesDone : record.bytesDone;
    return {
      transferId: id,
      state: active ? active.runner.currentState : record.state,
      bytesTotal: record.fileSize,
      bytesDone,
      partsTotal: record.partCount,
      partsDone: active ? active.runner.donePartCount : record.partsDone,
      inFlight: active ? active.runner.inFlightParts() : [],
      bytesPerSecond: active ? active.meter.bytesPerSecond : 0,
      etaSeconds: active ? active.meter.eta(record.fileSize - bytesDone) : null,
      ...(active?.runner.checking ? { checking: active.runner.checking } : {}),
    };
  }

  /** Pauses everything (state `paused`, resumable) and releases this process's claims. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.pauseAll('shutdown');
    this.closed = true;
    this.stopTicker();
    for (const store of this.stores.values()) (store as { destroy?: () => void }).destroy?.();
    this.stores.clear();
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.maxActive && this.queue.length > 0) {
      const id = this.queue.shift()!;
      try {
      const record = this.journal.getTransfer(id);
      if (!record || !isUnfinished(record.state)) {
        this.journal.release(id, this.owner);
        continue;
      }
      this.launch(record);
      } catch (error) {
        // Out of the queue but not launched (the journal failing): it ends here, not never.
        this.settle(id, { kind: 'failed', error: classifyError(error).toInfo() });
      }
    }
    if (this.active.size > 0) this.startTicker();
    else this.stopTicker();
  }

  private launch(record: TransferRecord): void {
    const controller = new AbortController();
    const runner = new TransferRunner(
      {
        journal: this.journal,
        store: this.storeFor(record.target),
        files: this.options.files,
        clock: this.clock,
        limiter: this.limiter,
        backoff: this.options.backoff ?? DEFAULT_BACKOFF,
        concurrency: this.concurrency,
        ...(this.options.partChecksum ? { partChecksum: this.options.partChecksum } : {}),
        verifyFile: this.verifyFile,
        ...(this.options.maxInFlightBytes !== undefined ? { maxInFlightBytes: this.options.maxInFlightBytes } : {}),
        onLog: (entry) => this.emit('log', entry),
        onState: (id, state, error) => this.emit('state', id, state, error),
      },
      record,
    );
    const meter = new ThroughputMeter();
    const done = runner.run(controller.signal).then((outcome) => {
      // The journal may refuse even these last writes (disk full): the outcome, which already says
      // so, must still reach the waiters, and `done` must never reject. A claim that could not be
      // released lapses with this process (isOwnerAlive); the last progress event is only a view.
      afterRun(() => this.emitProgress(record.id));
      this.active.delete(record.id);
      afterRun(() => this.journal.release(record.id, this.owner));
      this.settle(record.id, outcome);
      this.pump();
      return outcome;
    });
    this.active.set(record.id, { runner, controller, meter, done });
  }

  private storeFor(target: TransferTarget): ObjectStore {
    // A backend transfer has credentials of its own (scoped to its key): one store each.
    const key = JSON.stringify([target.endpoint, target.region, target.forcePathStyle, target.backend?.uploadId ?? null]);
    let store = this.stores.get(key);
    if (!store) this.stores.set(key, (store = this.options.storeFor(target)));
    return store;
  }

  private async abortRemote(record: TransferRecord, signal: AbortSignal): Promise<void> {
    const store = this.storeFor(record.target);
    const where = { bucket: record.target.bucket, key: record.target.key, uploadId: record.uploadId! };
    try {
      // S3 may keep parts that were in flight during the abort; abort until ListParts says it is gone.
      for (let round = 0; round < 3; round++) {
        await withRetry(() => store.abortMultipartUpload(where, signal), this.retryHooks(record.id, signal, 'abort the upload'));
        try {
          await withRetry(() => store.listParts(where, signal), this.retryHooks(record.id, signal, 'check the abort'));
        } catch (raw) {
          if (classifyError(raw).code === 'UPLOAD_NOT_FOUND') return;
          throw raw;
        }
      }
    } catch (raw) {
      const error = classifyError(raw);
      if (error.code === 'UPLOAD_NOT_FOUND') return;
      this.log(record.id, 'warn', 'abort.failed', `Could not abort the multipart upload on S3 (${error.message}). The bucket's cleanup will remove it.`, {
        uploadId: record.uploadId,
        code: error.code,
      });
    }
  }

  /** Ends the upload where it was set up (the backend: see ObjectStore.endUpload). */
  private async endUpload(record: TransferRecord, signal: AbortSignal): Promise<void> {
    const store = this.storeFor(record.target);
    if (!store.endUpload) return;
    try {
      await withRetry(() => store.endUpload!(signal), this.retryHooks(record.id, signal, 'cancel the upload on the server'));
    } catch (raw) {
      const error = classifyError(raw);
      this.log(record.id, 'warn', 'abort.failed', `Could not cancel the upload on the Dockside server (${error.message}): it may still list it as uploading; its cleanup job removes what is left in the dock.`, {
        backendUploadId: record.target.backend?.uploadId ?? null,
        code: error.code,
      });
    }
  }

  private retryHooks(id: string, signal: AbortSignal, what: string) {
    return {
      clock: this.clock,
      backoff: this.options.backoff ?? DEFAULT_BACKOFF,
      signal,
      onRetry: (error: DocksideError, attempt: number, delayMs: number) =>
        this.log(id, 'warn', 'retry', `Could not ${what} (${error.message}); trying again (attempt ${attempt}).`, { code: error.code, attempt, delayMs }),
    };
  }

  private settle(id: string, outcome: RunOutcome): void {
    const list = this.waiters.get(id);
    this.waiters.delete(id);
    for (const resolve of list ?? []) resolve(outcome);
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      for (const id of this.active.keys()) this.emitProgress(id);
    }, this.options.progressIntervalMs ?? 250);
    this.ticker.unref?.();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private emitProgress(id: string): void {
    const active = this.active.get(id);
    if (active) active.meter.sample(this.clock.now(), active.runner.bytesDone);
    this.emit('progress', this.progress(id));
  }

  private setState(id: string, state: TransferState): void {
    this.journal.setState(id, state, null);
    this.emit('state', id, state, null);
  }

  private log(id: string, level: TransferLogEntry['level'], type: string, message: string, data: Record<string, unknown>): void {
    this.emit('log', this.journal.appendLog({ transferId: id, level, type, message, data }));
  }

  private mustGet(id: string): TransferRecord {
    const record = this.journal.getTransfer(id);
    if (!record) throw new DocksideError('TRANSFER_NOT_FOUND', `No transfer ${id}. \`dockside ls\` lists them.`);
    return record;
  }

  private assertOpen(): void {
    if (this.closed) throw new DocksideError('INVALID_STATE', 'The transfer manager is closed.');
  }
}

/** Bookkeeping after a run whose failure must not undo the run's outcome (see launch). */
function afterRun(step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof DocksideError && error.code === 'JOURNAL')) throw error;
  }
}

function positive(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 64) {
    throw new DocksideError('INVALID_INPUT', `${what} must be a whole number from 1 to 64 (got ${value}).`);
  }
  return value;
}

/** Whether the process named in an owner string (pid@host:nonce) still runs on this machine. */
export function isOwnerAlive(owner: string): boolean {
  const match = /^(\d+)@([^:]*):/.exec(owner);
  if (!match) return false;
  // Another machine's process (a shared home folder): assume it lives rather than corrupt its work.
  if (match[2] !== hostname()) return true;
  try {
    process.kill(Number(match[1]), 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
