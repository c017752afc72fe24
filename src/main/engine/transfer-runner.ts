/**
 * Runs one transfer from wherever the journal says it is to `completed`, or until it is paused,
 * cancelled or stopped by a permanent error.
 *
 *   1. the file must be the one journaled (size, mtime; re-checked before each part is read and
 *      after it is sent, so a file changed mid-upload is never uploaded half-old, half-new);
 *   2. no upload id yet: CreateMultipartUpload and journal the id before any part is sent;
 *      otherwise reconcile: ListParts (all pages) against the journal, keep only parts that match;
 *   3. send the missing parts, several at once, each read from disk by position, CRC32'd, sent,
 *      and journaled; only a journaled part counts as done;
 *   4. CompleteMultipartUpload with the whole-object CRC32; a lost response or a second
 *      completion is recognised from the object itself (HeadObject), not treated as a failure.
 *
 * Network faults are retried for as long as the transfer runs (withRetry); S3 forgetting the
 * upload (NoSuchUpload) starts a new one; everything else stops the transfer with a reason.
 */
import { DocksideError, type ErrorInfo } from '../../shared/errors.js';
import { partRange, type PartPlan } from '../../shared/part-planner.js';
import type {
  ChecksumType,
  CompletedUpload,
  EventLevel,
  InFlightPart,
  PartRecord,
  TransferLogEntry,
  TransferRecord,
  TransferState,
} from '../../shared/transfer-model.js';
import { crc32FromBase64, crc32OfParts, crc32ToBase64, isCrc32Base64 } from './crc32.js';
import { identityChange } from './node-file-source.js';
import { crc32OfRange, FilePartBody, READ_CHUNK_BYTES } from './part-body.js';
import type { Clock, FileSource, ObjectStore, OpenFile, RemoteObject, UploadedPart, UploadJournal } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';
import { classifyError, withRetry, type BackoffPolicy } from './retry.js';
import { transition, type TransferCommand } from './transfer-state.js';

/** Why a running transfer was asked to stop. */
export type StopReason = 'pause' | 'cancel' | 'shutdown';

export class StopRequest extends Error {
  override readonly name = 'StopRequest';
  constructor(readonly reason: StopReason) {
    super(`transfer ${reason}`);
  }
}

export type RunOutcome =
  | { readonly kind: 'completed'; readonly result: CompletedUpload }
  | { readonly kind: 'paused' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly error: ErrorInfo };

export interface RunnerDeps {
  readonly journal: UploadJournal;
  readonly store: ObjectStore;
  readonly files: FileSource;
  readonly clock: Clock;
  readonly limiter: RateLimiter;
  readonly backoff: BackoffPolicy;
  /** Parts in flight at once for this transfer. */
  readonly concurrency: number;
  /**
   * Where each part's CRC32 goes: an aws-chunked trailer computed while the part streams (one
   * read of the file; the default), or a header computed by reading the part beforehand (two
   * reads; for endpoints without trailer support, which the runner also falls back to by itself).
   */
  readonly partChecksum?: 'trailer' | 'header';
  readonly onLog: (entry: TransferLogEntry) => void;
  readonly onState: (id: string, state: TransferState, error: ErrorInfo | null) => void;
}

/** Metadata that marks an object as written by a given transfer (recognised after a lost response). */
export const TRANSFER_ID_METADATA = 'dockside-transfer-id';

const MAX_RECONCILE_ROUNDS = 3;
/** New multipart uploads in one run before giving up: a server that keeps forgetting them is broken. */
const MAX_RESTARTS = 5;
/** Waits for an in-progress completion to show its object before starting over (2.5 min in all). */
const COMPLETION_WAITS_MS = [5_000, 10_000, 20_000, 40_000, 75_000];
/** Consecutive failures of one part after which the upload's existence is checked. */
const UPLOAD_PROBE_EVERY = 5;

export class TransferRunner {
  private readonly inFlight = new Map<number, { size: number; bytesSent: number; state: InFlightPart['state']; attempt: number }>();
  private committedBytes = 0;
  private partsDone = 0;
  private checksumIn: 'trailer' | 'header';
  private state: TransferState;
  private readonly plan: PartPlan;

  constructor(
    private readonly deps: RunnerDeps,
    private transfer: TransferRecord,
  ) {
    this.state = transfer.state;
    this.plan = { fileSize: transfer.fileSize, partSize: transfer.partSize, partCount: transfer.partCount };
    this.committedBytes = transfer.bytesDone;
    this.partsDone = transfer.partsDone;
    this.checksumIn = deps.partChecksum ?? 'trailer';
  }

  get id(): string {
    return this.transfer.id;
  }

  get currentState(): TransferState {
    return this.state;
  }

  /** Bytes in committed parts plus bytes of in-flight parts already handed to the network. */
  get bytesDone(): number {
    let sent = 0;
    for (const part of this.inFlight.values()) sent += part.bytesSent;
    return this.committedBytes + sent;
  }

  get donePartCount(): number {
    return this.partsDone;
  }

  inFlightParts(): InFlightPart[] {
    return [...this.inFlight].map(([partNumber, p]) => ({ partNumber, ...p }));
  }

  /** Runs until completed, paused, cancelled or failed. Never throws. */
  async run(signal: AbortSignal): Promise<RunOutcome> {
    const resuming = this.transfer.uploadId !== null;
    let file: OpenFile | null = null;
    try {
      this.change('start');
      this.log('info', resuming ? 'transfer.resumed' : 'transfer.started', resuming ? 'Resuming the upload.' : 'Starting the upload.', {
        file: this.transfer.filePath,
        bucket: this.transfer.target.bucket,
        key: this.transfer.target.key,
        size: this.transfer.fileSize,
        partSize: this.plan.partSize,
        partCount: this.plan.partCount,
        concurrency: this.deps.concurrency,
      });
      file = await this.deps.files.open(this.transfer.filePath);
      await this.checkFile(file);
      let restarts = 0;
      for (let round = 0; ; round++) {
        signal.throwIfAborted();
        try {
          const ready = await this.ensureUpload(signal);
          if (ready.kind === 'completed') return { kind: 'completed', result: ready.result };
          const uploadId = ready.uploadId;
          await this.sendMissingParts(file, uploadId, signal);
          if (this.state !== 'completing') this.change('complete-parts');
          const result = await this.complete(uploadId, signal);
          return { kind: 'completed', result };
        } catch (raw) {
          signal.throwIfAborted();
          const error = classifyError(raw);
          if (error.code === 'UPLOAD_NOT_FOUND' && (restarts += 1) <= MAX_RESTARTS) {
            await this.restart(error.message);
          } else if (error.code === 'PART_MISMATCH' && round < MAX_RECONCILE_ROUNDS) {
            this.log('warn', 'parts.mismatch', 'S3 refused the part list; checking the parts again and re-sending any that differ.', {
              reason: error.message,
            });
          } else {
            throw error;
          }
          if (this.state === 'completing') this.change('start');
        }
      }
    } catch (raw) {
      return this.stopped(raw, signal);
    } finally {
      this.inFlight.clear();
      await file?.close();
    }
  }

  private stopped(raw: unknown, signal: AbortSignal): RunOutcome {
    try {
      return this.record(raw, signal);
    } catch (error) {
      // Even if the journal cannot take the final state (disk full, say), the caller learns how
      // the run ended; the journal still says what it last could, and resume starts from there.
      const info = classifyError(error).toInfo();
      return { kind: 'failed', error: { code: 'JOURNAL', retryable: false, message: `The transfer stopped, and the journal could not record it: ${info.message}` } };
    }
  }

  private record(raw: unknown, signal: AbortSignal): RunOutcome {
    if (signal.aborted) {
      const reason = signal.reason instanceof StopRequest ? signal.reason.reason : 'pause';
      if (reason === 'cancel') return { kind: 'cancelled' };
      this.change('pause');
      this.log('info', 'transfer.paused', reason === 'shutdown' ? 'Paused: Dockside was closed. It resumes where it stopped.' : 'Paused.', {
        // Who paused it: the app resumes at launch what it paused itself ('shutdown'), not the user's pauses.
        reason,
        partsDone: this.partsDone,
        bytesDone: this.committedBytes,
      });
      return { kind: 'paused' };
    }
    const error = classifyError(raw);
    const info = error.toInfo();
    this.change('fail', info);
    this.log('error', 'transfer.failed', error.message, { code: error.code });
    return { kind: 'failed', error: info };
  }

  /** The upload to send parts to, or the finished result when resume finds it already completed. */
  private async ensureUpload(
    signal: AbortSignal,
  ): Promise<{ kind: 'upload'; uploadId: string } | { kind: 'completed'; result: CompletedUpload }> {
    const current = this.reload();
    if (current.uploadId === null) return { kind: 'upload', uploadId: await this.createUpload(signal) };

    const uploadId = current.uploadId;
    let remote;
    try {
      remote = await this.retrying(() => this.deps.store.listParts(this.where(uploadId), signal), signal, 'list parts');
    } catch (raw) {
      const error = classifyError(raw);
      // The upload may be gone because it completed (we crashed before journaling that).
      if (error.code === 'UPLOAD_NOT_FOUND') {
        const result = await this.adoptCompletedObject(uploadId, signal);
        if (result) return { kind: 'completed', result };
      }
      throw error;
    }
    const byNumber = new Map(remote.map((p) => [p.partNumber, p]));
    const journaled = this.deps.journal.listParts(this.transfer.id);
    const stale: number[] = [];
    for (const part of journaled) {
      const there = byNumber.get(part.partNumber);
      const matches =
        there !== undefined &&
        unquote(there.etag) === unquote(part.etag) &&
        there.size === part.size &&
        (there.checksumCrc32 === undefined || there.checksumCrc32 === part.checksum);
      if (!matches) stale.push(part.partNumber);
    }
    if (stale.length > 0) this.deps.journal.removeParts(this.transfer.id, stale);
    const kept = journaled.length - stale.length;
    this.refreshCounters();
    this.log('info', 'resume.reconciled', `S3 holds ${remote.length} ${remote.length === 1 ? 'part' : 'parts'}; ${kept} of ${this.plan.partCount} confirmed, ${this.plan.partCount - kept} to send.`, {
      uploadId,
      remoteParts: remote.length,
      journaledParts: journaled.length,
      kept,
      dropped: stale.length,
      toSend: this.plan.partCount - kept,
    });
    return { kind: 'upload', uploadId };
  }

  private async createUpload(signal: AbortSignal): Promise<string> {
    const t = this.transfer;
    if (t.createStartedAt !== null) await this.abortUnjournaledUploads(signal);
    this.deps.journal.markCreateStarted(t.id);
    let checksumType: ChecksumType = t.checksumType;
    const create = () =>
      this.deps.store.createMultipartUpload(
        {
          bucket: t.target.bucket,
          key: t.target.key,
          metadata: { [TRANSFER_ID_METADATA]: t.id, 'dockside-file-size': String(t.fileSize) },
          checksumType,
          ...(t.target.kmsKeyId ? { kmsKeyId: t.target.kmsKeyId } : {}),
        },
        signal,
      );
    let uploadId: string;
    try {
      ({ uploadId } = await this.retrying(create, signal, 'create the upload'));
    } catch (raw) {
      const error = classifyError(raw);
      // Endpoints without full-object checksums refuse the type: fall back to per-part (composite).
      if (error.code !== 'INVALID_REQUEST' || checksumType !== 'FULL_OBJECT') throw error;
      checksumType = 'COMPOSITE';
      this.log('warn', 'checksum.fallback', 'The endpoint does not accept a full-object checksum; using per-part CRC32 (composite). The whole-file CRC32 is kept in the journal.', {
        reason: error.message,
      });
      ({ uploadId } = await this.retrying(create, signal, 'create the upload'));
    }
    this.deps.journal.setUploadId(t.id, uploadId, checksumType);
    this.reload();
    this.refreshCounters();
    this.log('info', 'upload.created', 'Created the multipart upload.', { uploadId, checksumType });
    return uploadId;
  }

  /**
   * An earlier run sent CreateMultipartUpload and stopped before journaling the id: abort uploads
   * of this key that no transfer in the journal knows, so none lingers (and costs) for ever.
   * Not adopted: an unknown upload could be another machine's upload of the same key.
   */
  private async abortUnjournaledUploads(signal: AbortSignal): Promise<void> {
    const t = this.transfer;
    const where = { bucket: t.target.bucket, key: t.target.key };
    const known = new Set(
      this.deps.journal
        .listTransfers()
        .filter((other) => other.target.bucket === where.bucket && other.target.key === where.key && other.uploadId !== null)
        .map((other) => other.uploadId),
    );
    const unknown = (await this.retrying(() => this.deps.store.listUploads(where, signal), signal, 'list uploads')).filter((id) => !known.has(id));
    for (const uploadId of unknown) {
      await this.retrying(() => this.deps.store.abortMultipartUpload({ ...where, uploadId }, signal), signal, 'abort an orphaned upload').catch((raw) => {
        if (classifyError(raw).code !== 'UPLOAD_NOT_FOUND') throw raw;
      });
    }
    if (unknown.length > 0) {
      this.log('warn', 'upload.orphans-aborted', `Aborted ${unknown.length} multipart upload(s) of this key that an interrupted earlier run had created but not recorded.`, {
        uploadIds: unknown,
      });
    }
  }

  private async restart(why: string): Promise<void> {
    const old = this.reload().uploadId;
    this.deps.journal.setUploadId(this.transfer.id, null);
    this.reload();
    this.refreshCounters();
    this.log('warn', 'upload.restarted', `S3 no longer knows the multipart upload (aborted or expired); starting a new one. ${why}`, {
      previousUploadId: old,
    });
  }

  private async sendMissingParts(file: OpenFile, uploadId: string, signal: AbortSignal): Promise<void> {
    const done = new Set(this.deps.journal.listParts(this.transfer.id).map((p) => p.partNumber));
    const pending: number[] = [];
    for (let n = 1; n <= this.plan.partCount; n++) if (!done.has(n)) pending.push(n);
    if (pending.length === 0) return;

    // One failure stops the other workers; the first error is the one reported.
    const local = new AbortController();
    const onOuterAbort = () => local.abort(signal.reason);
    signal.addEventListener('abort', onOuterAbort, { once: true });
    let firstError: unknown = null;
    const worker = async () => {
      // Each worker owns one small scratch buffer for checksumming; parts are never held whole.
      const scratch = Buffer.allocUnsafe(READ_CHUNK_BYTES);
      for (let n = pending.shift(); n !== undefined; n = pending.shift()) {
        try {
          await this.sendPart(file, uploadId, n, scratch, local.signal);
        } catch (error) {
          if (firstError === null) firstError = error;
          local.abort(error);
          return;
        }
      }
    };
    try {
      const workers = Math.max(1, Math.min(this.deps.concurrency, pending.length));
      await Promise.all(Array.from({ length: workers }, worker));
    } finally {
      signal.removeEventListener('abort', onOuterAbort);
    }
    signal.throwIfAborted();
    if (firstError !== null) throw firstError;
  }

  private async sendPart(file: OpenFile, uploadId: string, partNumber: number, scratch: Buffer, signal: AbortSignal): Promise<void> {
    const { length } = partRange(this.plan, partNumber);
    const slot = { size: length, bytesSent: 0, state: 'reading' as InFlightPart['state'], attempt: 0 };
    this.inFlight.set(partNumber, slot);
    try {
      await withRetry(
        async (attempt) => {
          slot.attempt = attempt;
          slot.state = 'reading';
          slot.bytesSent = 0;
          // Some endpoints answer parts of an aborted upload with 500s rather than NoSuchUpload;
          // after a run of failures, ask whether the upload is still there.
          if (attempt > 0 && attempt % UPLOAD_PROBE_EVERY === 0) await this.assertUploadExists(uploadId, signal);
          await this.checkFile(file);
          const { etag, checksum } = await this.uploadPart(file, uploadId, partNumber, scratch, slot, signal);
          // The bytes S3 has must be the bytes of the file as journaled: check it did not change meanwhile.
          await this.checkFile(file);
          this.deps.journal.recordPart(this.transfer.id, uploadId, { partNumber, size: length, etag, checksum });
          slot.state = 'done';
          this.committedBytes += length;
          this.partsDone += 1;
        },
        {
          clock: this.deps.clock,
          backoff: this.deps.backoff,
          signal,
          onRetry: (error, attempt, delayMs) => {
            slot.state = 'retrying';
            slot.bytesSent = 0;
            this.onTransient(error, attempt, delayMs, `part ${partNumber}`);
          },
        },
      );
    } finally {
      this.inFlight.delete(partNumber);
    }
  }

  /** Sends one part, its CRC32 in a trailer or a header (see RunnerDeps.partChecksum); returns what to journal. */
  private async uploadPart(
    file: OpenFile,
    uploadId: string,
    partNumber: number,
    scratch: Buffer,
    slot: { bytesSent: number; state: InFlightPart['state'] },
    signal: AbortSignal,
  ): Promise<{ etag: string; checksum: string }> {
    const { offset, length } = partRange(this.plan, partNumber);
    const where = { ...this.where(uploadId), partNumber, contentLength: length };
    const partBody = () => new FilePartBody(file, offset, length, this.deps.limiter, (n) => (slot.bytesSent += n), signal);
    if (this.checksumIn === 'trailer') {
      slot.state = 'sending';
      const body = partBody();
      let sent: UploadedPart;
      try {
        sent = await this.deps.store.uploadPart({ ...where, body, bodyChunkBytes: FilePartBody.CHUNK_BYTES }, signal);
      } catch (raw) {
        if (!refusesChecksumTrailer(raw)) throw raw;
        this.useChecksumHeaders(`the endpoint refused the part's checksum as an aws-chunked trailer (${classifyError(raw).message})`, partNumber);
        slot.bytesSent = 0;
        return this.uploadPart(file, uploadId, partNumber, scratch, slot, signal);
      }
      if (!body.complete) throw new DocksideError('INTEGRITY', `Part ${partNumber} was accepted before all of its bytes were sent.`);
      // The SDK computed the trailer from the very bytes it sent, as they streamed from the file,
      // and S3 verified it against what it received and answers it: that is the part's CRC32.
      if (sent.checksumCrc32 !== undefined && isCrc32Base64(sent.checksumCrc32)) return { etag: sent.etag, checksum: sent.checksumCrc32 };
      // An endpoint that does not say what it verified may not verify at all: checksum this part
      // from the file, and send later parts with a header the endpoint must check.
      this.useChecksumHeaders('the endpoint does not confirm the CRC32 of the parts it receives', partNumber);
      slot.state = 'reading';
      return { etag: sent.etag, checksum: crc32ToBase64(await crc32OfRange(file, offset, length, scratch)) };
    }
    slot.state = 'reading';
    const checksum = crc32ToBase64(await crc32OfRange(file, offset, length, scratch));
    slot.state = 'sending';
    const sent = await this.deps.store.uploadPart({ ...where, body: partBody(), checksumCrc32: checksum }, signal);
    return { etag: sent.etag, checksum };
  }

  /** Sends parts' CRC32s in headers from now on (see RunnerDeps.partChecksum), saying why once. */
  private useChecksumHeaders(why: string, partNumber: number): void {
    // Parts in flight together may each find out; say it once.
    if (this.checksumIn === 'header') return;
    this.checksumIn = 'header';
    this.log('warn', 'part.checksum-header', `Sending each part's CRC32 in a header from now on, which reads every part twice: ${why}.`, { partNumber });
  }

  private async assertUploadExists(uploadId: string, signal: AbortSignal): Promise<void> {
    if (!(await this.deps.store.uploadExists(this.where(uploadId), signal))) {
      throw new DocksideError('UPLOAD_NOT_FOUND', `S3 no longer has multipart upload ${uploadId}.`);
    }
  }

  private async complete(uploadId: string, signal: AbortSignal): Promise<CompletedUpload> {
    const parts = this.deps.journal.listParts(this.transfer.id);
    if (parts.length !== this.plan.partCount) {
      throw new DocksideError('INTEGRITY', `Only ${parts.length} of ${this.plan.partCount} parts are journaled; cannot complete.`);
    }
    const fullChecksum = wholeChecksum(parts);
    const t = this.reload();
    let etag: string;
    try {
      ({ etag } = await this.retrying(
        () =>
          this.deps.store.completeMultipartUpload(
            { ...this.where(uploadId), parts, checksumType: t.checksumType, fullChecksum },
            signal,
          ),
        signal,
        'complete the upload',
      ));
    } catch (raw) {
      const error = classifyError(raw);
      // A completion whose answer was lost, then retried, finds the upload gone: check the object.
      if (error.code !== 'UPLOAD_NOT_FOUND') throw error;
      const object = await this.waitForCompletedObject(uploadId, signal);
      if (!object) throw error;
      this.log('info', 'complete.confirmed', 'S3 had already completed the upload (an earlier answer was lost); the object is in place.', {
        uploadId,
      });
      etag = object.etag;
    }
    return this.finish(uploadId, etag, fullChecksum, signal);
  }

  /** Verifies the object against what we sent, then journals the completion. */
  private async finish(uploadId: string, etag: string, fullChecksum: string, signal: AbortSignal): Promise<CompletedUpload> {
    const t = this.reload();
    // S3 reads after writes consistently; the backend's view of the dock (what a backend transfer
    // sees instead of HeadObject) may lag a moment behind, so give that one time.
    let object = await this.headOurObject(signal);
    if (!object && t.target.backend) object = await this.waitForCompletedObject(uploadId, signal);
    if (!object) {
      throw new DocksideError('INTEGRITY', `S3 reported the upload complete but s3://${t.target.bucket}/${t.target.key} is not ours or not there.`);
    }
    if (t.checksumType === 'FULL_OBJECT' && object.checksumCrc32 !== undefined && object.checksumCrc32 !== fullChecksum) {
      throw new DocksideError(
        'INTEGRITY',
        `The object's CRC32 (${object.checksumCrc32}) does not match the file's (${fullChecksum}). The object should not be trusted; upload the file again.`,
      );
    }
    this.deps.journal.markCompleted(t.id, { etag: etag || object.etag, fullChecksum });
    this.change('finish');
    this.log('info', 'transfer.completed', 'Upload complete and verified.', {
      bucket: t.target.bucket,
      key: t.target.key,
      size: t.fileSize,
      etag: etag || object.etag,
      checksumCrc32: fullChecksum,
      checksumType: t.checksumType,
      verifiedByServer: object.checksumCrc32 !== undefined,
    });
    return {
      transferId: t.id,
      bucket: t.target.bucket,
      key: t.target.key,
      size: t.fileSize,
      uploadId,
      etag: etag || object.etag,
      checksumAlgorithm: 'CRC32',
      checksumType: t.checksumType,
      checksum: fullChecksum,
    };
  }

  /** When S3 forgot the upload because it completed before we journaled it, finish the transfer. */
  private async adoptCompletedObject(uploadId: string, signal: AbortSignal): Promise<CompletedUpload | null> {
    const parts = this.deps.journal.listParts(this.transfer.id);
    if (parts.length !== this.plan.partCount) return null;
    const object = await this.waitForCompletedObject(uploadId, signal);
    if (!object) return null;
    this.change('complete-parts');
    this.log('info', 'complete.confirmed', 'The upload had completed before Dockside stopped; the object is in place.', { uploadId });
    return this.finish(uploadId, object.etag, wholeChecksum(parts), signal);
  }

  /**
   * Our object, when S3 has forgotten an upload whose parts were all sent. A completion may still
   * be in progress (S3 drops the upload before the object appears), so give it time before
   * deciding the upload is lost and sending the file again.
   */
  private async waitForCompletedObject(uploadId: string, signal: AbortSignal): Promise<RemoteObject | null> {
    let object = await this.headOurObject(signal);
    for (let wait = 0; !object && wait < COMPLETION_WAITS_MS.length; wait++) {
      this.log('info', 'complete.waiting', 'S3 no longer lists the upload; waiting to see whether its completion is still in progress.', {
        uploadId,
        waitMs: COMPLETION_WAITS_MS[wait],
      });
      await this.deps.clock.sleep(COMPLETION_WAITS_MS[wait]!, signal);
      object = await this.headOurObject(signal);
    }
    return object;
  }

  private async headOurObject(signal: AbortSignal): Promise<RemoteObject | null> {
    const t = this.transfer;
    const object = await this.retrying(() => this.deps.store.headObject({ bucket: t.target.bucket, key: t.target.key }, signal), signal, 'check the object');
    // A key the backend chose for this upload alone holds nothing but ours; elsewhere our metadata tells.
    const ours = t.target.backend ? true : object?.metadata[TRANSFER_ID_METADATA] === t.id;
    if (!object || !ours || object.size !== t.fileSize) return null;
    return object;
  }

  private async checkFile(file: OpenFile): Promise<void> {
    const why = identityChange({ size: this.transfer.fileSize, mtimeMs: this.transfer.fileMtimeMs }, await file.identity());
    if (why) {
      throw new DocksideError(
        'FILE_CHANGED',
        `${this.transfer.filePath} changed during the upload (${why}). Nothing was completed with mixed contents. Run \`dockside upload\` on the file again to start over.`,
      );
    }
  }

  private retrying<T>(operation: () => Promise<T>, signal: AbortSignal, what: string): Promise<T> {
    return withRetry(operation, {
      clock: this.deps.clock,
      backoff: this.deps.backoff,
      signal,
      onRetry: (error, attempt, delayMs) => this.onTransient(error, attempt, delayMs, what),
    });
  }

  private onTransient(error: DocksideError, attempt: number, delayMs: number, what: string): void {
    if (error.code === 'CREDENTIALS_EXPIRED') this.deps.store.refreshCredentials();
    this.log('warn', 'retry', `Could not ${what.startsWith('part') ? `send ${what}` : what} (${error.message}); trying again in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt}).`, {
      code: error.code,
      attempt,
      delayMs,
      what,
    });
  }

  private where(uploadId: string) {
    return { bucket: this.transfer.target.bucket, key: this.transfer.target.key, uploadId };
  }

  private reload(): TransferRecord {
    const fresh = this.deps.journal.getTransfer(this.transfer.id);
    if (!fresh) throw new DocksideError('TRANSFER_NOT_FOUND', `Transfer ${this.transfer.id} is no longer in the journal.`);
    this.transfer = fresh;
    return fresh;
  }

  private refreshCounters(): void {
    const t = this.reload();
    this.committedBytes = t.bytesDone;
    this.partsDone = t.partsDone;
  }

  private change(command: TransferCommand, error: ErrorInfo | null = null): void {
    const next = transition(this.state, command);
    this.deps.journal.setState(this.transfer.id, next, error);
    this.state = next;
    this.deps.onState(this.transfer.id, next, error);
  }

  private log(level: EventLevel, type: string, message: string, data: Record<string, unknown>): void {
    this.deps.onLog(this.deps.journal.appendLog({ transferId: this.transfer.id, level, type, message, data }));
  }
}

/**
 * Whether an UploadPart sent with an aws-chunked checksum trailer failed because the endpoint
 * does not take such bodies (a 501, a 411 for the missing Content-Length, or a 400 calling the
 * request invalid), as some S3-compatible stores answer. Real S3 takes them.
 */
function refusesChecksumTrailer(raw: unknown): boolean {
  const status = (raw as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return status === 501 || status === 411 || classifyError(raw).code === 'INVALID_REQUEST';
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function wholeChecksum(parts: readonly PartRecord[]): string {
  return crc32ToBase64(crc32OfParts(parts.map((p) => ({ crc: crc32FromBase64(p.checksum), size: p.size }))));
}
