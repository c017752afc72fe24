/**
 * Runs one transfer from wherever the journal says it is to `completed`, or until it is paused,
 * cancelled or stopped by a permanent error.
 *
 *   1. the file must be the one journaled (size, mtime, ctime, device, inode: file-identity.ts;
 *      re-checked before each part is read and after it is sent, so a file changed mid-upload is
 *      never uploaded half-old, half-new); at a resume, a sample of the parts already sent is
 *      read again and must have the CRC32 journaled (resume-sample.ts);
 *   2. no upload id yet: CreateMultipartUpload and journal the id before any part is sent;
 *      otherwise reconcile: ListParts (all pages) against the journal, keep only parts that match;
 *   3. find out what the server checks (server-checks.ts), then send the missing parts, several
 *      at once, each read from disk by position, checksummed, sent, and journaled with what the
 *      server checked of it; only a journaled part counts as done;
 *   4. with --verify-file, read the whole file again: its CRC32 must be the parts' combined;
 *   5. CompleteMultipartUpload with the whole-object CRC32; a lost response or a second
 *      completion is recognised from the object itself (HeadObject), not treated as a failure;
 *      the journal and the result say what verified the object (server-checksum ... size-only).
 *
 * Network faults are retried for as long as the transfer runs (withRetry), except before the
 * endpoint has ever answered: a name that does not resolve or a refused connection then stops
 * the transfer after a few quick tries as a configuration problem (ENDPOINT_UNREACHABLE). S3
 * forgetting the upload (NoSuchUpload, or a 404 from an operation on it) starts a new one (a
 * backend transfer only while the backend still calls the upload `uploading`: an upload it ended
 * cancels the transfer, UPLOAD_CANCELLED); everything else stops the transfer with a reason.
 */
import { DocksideError, type ErrorInfo } from '../../shared/errors.js';
import { partRange, type PartPlan } from '../../shared/part-planner.js';
import type {
  ChecksumType,
  CompletedUpload,
  EventLevel,
  InFlightPart,
  PartRecord,
  PartVerification,
  TransferLogEntry,
  TransferRecord,
  TransferState,
  Verification,
} from '../../shared/transfer-model.js';
import { formatBytes } from '../../shared/units.js';
import { describeVerification } from '../../shared/verification.js';
import { crc32FromBase64, crc32Of, crc32OfParts, crc32ToBase64, isCrc32Base64 } from './crc32.js';
import { identityChange, parseIdentityKey } from './file-identity.js';
import { digestRange, FilePartBody, READ_CHUNK_BYTES } from './part-body.js';
import type { Clock, FileSource, ObjectStore, OpenFile, RemoteObject, UploadedPart, UploadJournal } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';
import { checkSample } from './resume-sample.js';
import { classifyError, firstContactFailure, withRetry, type BackoffPolicy } from './retry.js';
import { isChecksumTrailerRefusal } from './store-errors.js';
import { describeServerChecks, probeServerChecks } from './server-checks.js';
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
  /**
   * Stopped by `error`; journaled as `failed`, or as `cancelled` when the backend ended the upload
   * (UPLOAD_CANCELLED): nothing can resume that one.
   */
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
   * Bytes in flight at most (parts in flight x part size), so that what a kill or a failed part
   * re-sends stays bounded when parts are huge: fewer parts go at once, never fewer than one.
   */
  readonly maxInFlightBytes?: number;
  /**
   * Where each part's CRC32 goes: an aws-chunked trailer computed while the part streams (one
   * read of the file; the default), or a header computed by reading the part beforehand (two
   * reads; for endpoints without trailer support, which the runner also falls back to by itself).
   */
  readonly partChecksum?: 'trailer' | 'header';
  /** Re-read the whole file before completing, whatever the transfer asked (a setting). */
  readonly verifyFile?: boolean;
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
  private state: TransferState;
  private readonly plan: PartPlan;
  /** Whether the endpoint has answered anything yet: before it has, a wrong name or port is a configuration problem. */
  private endpointReached: boolean;
  /** The file being read again to check it (the resume sample, --verify-file), for progress. */
  private check: { what: 'sample' | 'file'; bytesDone: number; bytesTotal: number } | null = null;

  constructor(
    private readonly deps: RunnerDeps,
    private transfer: TransferRecord,
  ) {
    this.state = transfer.state;
    this.plan = { fileSize: transfer.fileSize, partSize: transfer.partSize, partCount: transfer.partCount };
    this.committedBytes = transfer.bytesDone;
    this.partsDone = transfer.partsDone;
    this.endpointReached = transfer.uploadId !== null;
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

  /** While the file is read again to check it: which check, and how far it is. */
  get checking(): { readonly what: 'sample' | 'file'; readonly bytesDone: number; readonly bytesTotal: number } | null {
    return this.check && { ...this.check };
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
        partsInFlight: this.partsInFlight,
        verifyFile: this.verifyFile,
      });
      file = await this.deps.files.open(this.transfer.filePath);
      await this.checkFile(file);
      // Before anything is sent: the parts sent already must still be what the file holds.
      await this.checkSentParts(file, signal);
      let restarts = 0;
      for (let round = 0; ; round++) {
        signal.throwIfAborted();
        try {
          const ready = await this.ensureUpload(file, signal);
          if (ready.kind === 'completed') return { kind: 'completed', result: ready.result };
          const uploadId = ready.uploadId;
          await this.sendMissingParts(file, uploadId, signal);
          if (this.state !== 'completing') this.change('complete-parts');
          const rereadAt = this.verifyFile ? await this.rereadFile(file, signal) : null;
          const result = await this.complete(uploadId, rereadAt, signal);
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
    if (error.code === 'UPLOAD_CANCELLED') {
      this.change('cancel', info);
      this.log('warn', 'transfer.cancelled', error.message, { code: error.code });
    } else {
      this.change('fail', info);
      this.log('error', 'transfer.failed', error.message, { code: error.code });
    }
    return { kind: 'failed', error: info };
  }

  /**
   * The resume sample (resume-sample.ts): a changed file stops the transfer here, before a new
   * part could join the old ones. The journal is kept as it is.
   */
  private async checkSentParts(file: OpenFile, signal: AbortSignal): Promise<void> {
    const parts = this.deps.journal.listParts(this.transfer.id);
    if (parts.length === 0) return;
    const started = this.deps.clock.now();
    let sample;
    try {
      sample = await checkSample(file, this.plan, parts, Buffer.allocUnsafe(REREAD_CHUNK_BYTES), {
        signal,
        onStart: (bytesTotal) => (this.check = { what: 'sample', bytesDone: 0, bytesTotal }),
        onBytes: (n) => (this.check!.bytesDone += n),
      });
    } finally {
      this.check = null;
    }
    // Read, then still the same file: a change during the sample is caught as well.
    await this.checkFile(file);
    const data = { checkedParts: sample.checked.length, journaledParts: parts.length, bytesRead: sample.bytesRead, ms: this.deps.clock.now() - started };
    if (sample.mismatch) {
      const { partNumber, offset, length } = sample.mismatch;
      this.log('error', 'resume.sample-mismatch', `Part ${partNumber} of the file reads differently now than when it was sent.`, { ...data, partNumber });
      throw new DocksideError(
        'FILE_CHANGED',
        `${this.transfer.filePath} is not the file that was being uploaded: part ${partNumber} (bytes ${offset}–${offset + length - 1}) now reads differently from what was sent, ` +
          'although the file system shows no change. Nothing was completed with mixed contents and the parts sent are kept. ' +
          `Run \`dockside cancel ${this.transfer.id}\`, then upload the file again.`,
      );
    }
    this.log('info', 'resume.sampled', `Read ${sample.checked.length} of the ${parts.length} parts sent again (${formatBytes(data.bytesRead)}): unchanged.`, data);
  }

  /**
   * --verify-file: reads the whole file again once every part is sent; its CRC32 must be the
   * one the parts combine to (which is what S3 is then asked to verify the object against).
   * Returns when it matched.
   */
  private async rereadFile(file: OpenFile, signal: AbortSignal): Promise<number> {
    const parts = this.deps.journal.listParts(this.transfer.id);
    const started = this.deps.clock.now();
    this.log('info', 'file.rereading', `Reading the whole file again to check it (${formatBytes(this.transfer.fileSize)}).`, {});
    let crc: number;
    try {
      this.check = { what: 'file', bytesDone: 0, bytesTotal: this.transfer.fileSize };
      crc = await this.crc32OfFile(file, signal);
    } finally {
      this.check = null;
    }
    await this.checkFile(file);
    const sent = wholeChecksum(parts);
    const ms = this.deps.clock.now() - started;
    if (crc32ToBase64(crc) !== sent) {
      this.log('error', 'file.reread-mismatch', 'The file reads differently now than the parts that were sent.', { fileCrc32: crc32ToBase64(crc), sentCrc32: sent, ms });
      throw new DocksideError(
        'FILE_CHANGED',
        `${this.transfer.filePath} reads differently now (CRC32 ${crc32ToBase64(crc)}) than the parts that were sent (${sent}): it changed during the upload. ` +
          `The upload was not completed. Run \`dockside cancel ${this.transfer.id}\`, then upload the file again.`,
      );
    }
    this.log('info', 'file.reread', `Read the whole file again: its CRC32 (${sent}) is that of the parts sent.`, { crc32: sent, bytes: this.transfer.fileSize, ms });
    return this.deps.clock.now();
  }

  private async crc32OfFile(file: OpenFile, signal: AbortSignal): Promise<number> {
    const scratch = Buffer.allocUnsafe(REREAD_CHUNK_BYTES);
    let crc = 0;
    for (let offset = 0; offset < this.transfer.fileSize; ) {
      signal.throwIfAborted();
      const size = Math.min(scratch.length, this.transfer.fileSize - offset);
      await file.readExactly(scratch, size, offset);
      crc = crc32Of(scratch.subarray(0, size), crc);
      offset += size;
      this.check!.bytesDone += size;
    }
    return crc;
  }

  /** The upload to send parts to, or the finished result when resume finds it already completed. */
  private async ensureUpload(
    file: OpenFile,
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
        const result = await this.adoptCompletedObject(file, uploadId, signal);
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
    if (checksumType === 'FULL_OBJECT' && this.deps.journal.endpointQuirks(this.endpointKey)?.fullObject === false) {
      checksumType = 'COMPOSITE';
      this.log('info', 'checksum.composite', 'This endpoint takes no full-object checksums (learned on an earlier transfer): using per-part CRC32s (composite). The whole-file CRC32 is kept in the journal.', {
        endpoint: this.endpointKey,
      });
    }
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
      this.deps.journal.rememberEndpointQuirks(this.endpointKey, { fullObject: false });
      this.log('info', 'checksum.composite', 'The endpoint takes no full-object checksums: using per-part CRC32s (composite), for this and later transfers to it. The whole-file CRC32 is kept in the journal.', {
        endpoint: this.endpointKey,
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

  /**
   * What the server of this upload checks (server-checks.ts), found out once per upload before
   * its first part is sent, under the number of the part about to be sent.
   */
  private async ensureServerChecks(uploadId: string, partNumber: number, signal: AbortSignal): Promise<void> {
    if (this.transfer.serverChecks?.uploadId === uploadId) return;
    const known = this.transfer.partChecksum === 'header' ? false : (this.deps.journal.endpointQuirks(this.endpointKey)?.checksumTrailer ?? null);
    const { checks, trailerRefusal } = await probeServerChecks({
      store: this.deps.store,
      where: this.where(uploadId),
      partNumber,
      knownTrailers: known,
      retrying: (operation, what) => this.retrying(operation, signal, what),
      signal,
    });
    this.deps.journal.setServerChecks(this.transfer.id, checks);
    this.reload();
    if (known === null) this.deps.journal.rememberEndpointQuirks(this.endpointKey, { checksumTrailer: checks.trailers });
    if (!checks.trailers) this.useChecksumHeaders(`the server takes no aws-chunked checksum trailers (${trailerRefusal ?? 'learned on an earlier transfer'})`, partNumber);
    const verifies = checks.crc32 || checks.contentMd5 === true;
    this.log(verifies ? 'info' : 'warn', 'server.checks', describeServerChecks(checks), { ...checks, trailersKnown: known !== null });
  }

  private async sendMissingParts(file: OpenFile, uploadId: string, signal: AbortSignal): Promise<void> {
    const done = new Set(this.deps.journal.listParts(this.transfer.id).map((p) => p.partNumber));
    const pending: number[] = [];
    for (let n = 1; n <= this.plan.partCount; n++) if (!done.has(n)) pending.push(n);
    if (pending.length === 0) return;
    await this.ensureServerChecks(uploadId, pending[0]!, signal);

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
      const workers = Math.max(1, Math.min(this.partsInFlight, pending.length));
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
          const sent = await this.uploadPart(file, uploadId, partNumber, scratch, slot, signal);
          // The bytes S3 has must be the bytes of the file as journaled: check it did not change meanwhile.
          await this.checkFile(file);
          this.deps.journal.recordPart(this.transfer.id, uploadId, { partNumber, size: length, ...sent });
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

  /**
   * Sends one part, its CRC32 in a trailer or a header (see RunnerDeps.partChecksum), with its
   * Content-MD5 where that is all the server checks; returns what to journal.
   */
  private async uploadPart(
    file: OpenFile,
    uploadId: string,
    partNumber: number,
    scratch: Buffer,
    slot: { bytesSent: number; state: InFlightPart['state'] },
    signal: AbortSignal,
  ): Promise<{ etag: string; checksum: string; verifiedBy: PartVerification | null }> {
    const { offset, length } = partRange(this.plan, partNumber);
    const where = { ...this.where(uploadId), partNumber, contentLength: length };
    const checks = this.transfer.serverChecks;
    const crcChecked: PartVerification | null = checks?.crc32 ? 'crc32' : null;
    const withMd5 = checks !== null && !checks.crc32 && checks.contentMd5 === true;
    const partBody = () => new FilePartBody(file, offset, length, this.deps.limiter, (n) => (slot.bytesSent += n), signal);
    if (this.checksumIn === 'trailer' && !withMd5) {
      slot.state = 'sending';
      const body = partBody();
      let sent: UploadedPart;
      try {
        sent = await this.deps.store.uploadPart({ ...where, body, bodyChunkBytes: FilePartBody.CHUNK_BYTES }, signal);
      } catch (raw) {
        if (!isChecksumTrailerRefusal(raw)) throw raw;
        this.useChecksumHeaders(`the endpoint refused the part's checksum as an aws-chunked trailer (${classifyError(raw).message})`, partNumber);
        slot.bytesSent = 0;
        return this.uploadPart(file, uploadId, partNumber, scratch, slot, signal);
      }
      if (!body.complete) throw new DocksideError('INTEGRITY', `Part ${partNumber} was accepted before all of its bytes were sent.`);
      // The SDK computed the trailer from the very bytes it sent, as they streamed from the file,
      // and S3 verified it against what it received and answers it: that is the part's CRC32.
      if (sent.checksumCrc32 !== undefined && isCrc32Base64(sent.checksumCrc32)) return { etag: sent.etag, checksum: sent.checksumCrc32, verifiedBy: crcChecked };
      // An endpoint that does not say what it verified may not verify at all: checksum this part
      // from the file (the server checked nothing of it), and send later parts with a header.
      this.useChecksumHeaders('the endpoint does not confirm the CRC32 of the parts it receives', partNumber);
      slot.state = 'reading';
      return { etag: sent.etag, checksum: crc32ToBase64((await digestRange(file, offset, length, scratch, false)).crc32), verifiedBy: null };
    }
    slot.state = 'reading';
    const digest = await digestRange(file, offset, length, scratch, withMd5);
    const checksum = crc32ToBase64(digest.crc32);
    slot.state = 'sending';
    const sent = await this.deps.store.uploadPart({ ...where, body: partBody(), checksumCrc32: checksum, ...(digest.md5 ? { contentMd5: digest.md5 } : {}) }, signal);
    return { etag: sent.etag, checksum, verifiedBy: crcChecked ?? (digest.md5 ? 'content-md5' : null) };
  }

  /** The concurrency, lowered so that parts in flight x part size stays within maxInFlightBytes. */
  private get partsInFlight(): number {
    const budget = this.deps.maxInFlightBytes ?? DEFAULT_MAX_IN_FLIGHT_BYTES;
    return Math.max(1, Math.min(this.deps.concurrency, Math.floor(budget / this.plan.partSize)));
  }

  private get verifyFile(): boolean {
    return this.transfer.verifyFile || this.deps.verifyFile === true;
  }

  /** Where part CRC32s go: a header once learned (journaled), else as the engine is told, else a trailer. */
  private get checksumIn(): 'trailer' | 'header' {
    return this.transfer.partChecksum ?? this.deps.partChecksum ?? 'trailer';
  }

  /**
   * Sends parts' CRC32s in headers from now on (see RunnerDeps.partChecksum), for this transfer
   * and later ones to the endpoint; said once, as information: nothing is wrong, it costs a read.
   */
  private useChecksumHeaders(why: string, partNumber: number): void {
    // Parts in flight together may each find out; say it once.
    if (this.transfer.partChecksum === 'header') return;
    this.deps.journal.setPartChecksum(this.transfer.id, 'header');
    this.deps.journal.rememberEndpointQuirks(this.endpointKey, { checksumTrailer: false });
    this.reload();
    this.log('info', 'part.checksum-header', `Sending each part's CRC32 in a header, which reads every part twice: ${why}. Remembered for this endpoint.`, {
      partNumber,
      endpoint: this.endpointKey,
    });
  }

  private async assertUploadExists(uploadId: string, signal: AbortSignal): Promise<void> {
    if (!(await this.deps.store.uploadExists(this.where(uploadId), signal))) {
      throw new DocksideError('UPLOAD_NOT_FOUND', `S3 no longer has multipart upload ${uploadId}.`);
    }
  }

  private async complete(uploadId: string, fileRereadAt: number | null, signal: AbortSignal): Promise<CompletedUpload> {
    const parts = this.deps.journal.listParts(this.transfer.id);
    if (parts.length !== this.plan.partCount) {
      throw new DocksideError('INTEGRITY', `Only ${parts.length} of ${this.plan.partCount} parts are journaled; cannot complete.`);
    }
    const fullChecksum = wholeChecksum(parts);
    const t = this.reload();
    let completed: { etag: string; checksumCrc32?: string };
    try {
      completed = await this.retrying(
        () => this.deps.store.completeMultipartUpload({ ...this.where(uploadId), parts, checksumType: t.checksumType, fullChecksum }, signal),
        signal,
        'complete the upload',
        // A completion that keeps failing may be one of an upload aborted behind our back (Ceph
        // RGW answers those with 500 "already in progress" for ever): ask whether it exists.
        { probeUpload: uploadId },
      );
    } catch (raw) {
      const error = classifyError(raw);
      // A completion whose answer was lost, then retried, finds the upload gone: check the object.
      if (error.code !== 'UPLOAD_NOT_FOUND') throw error;
      const object = await this.waitForCompletedObject(uploadId, signal);
      if (!object) throw error;
      this.log('info', 'complete.confirmed', 'S3 had already completed the upload (an earlier answer was lost); the object is in place.', {
        uploadId,
      });
      completed = { etag: object.etag };
    }
    return this.finish(uploadId, completed, fullChecksum, fileRereadAt, signal);
  }

  /** Verifies the object against what we sent, then journals the completion and what verified it. */
  private async finish(
    uploadId: string,
    completed: { etag: string; checksumCrc32?: string },
    fullChecksum: string,
    fileRereadAt: number | null,
    signal: AbortSignal,
  ): Promise<CompletedUpload> {
    const t = this.reload();
    // S3 reads after writes consistently; the backend's view of the dock (what a backend transfer
    // sees instead of HeadObject) may lag a moment behind, so give that one time.
    let object = await this.headOurObject(signal);
    if (!object && t.target.backend) object = await this.waitForCompletedObject(uploadId, signal);
    if (!object) {
      throw new DocksideError('INTEGRITY', `S3 reported the upload complete but s3://${t.target.bucket}/${t.target.key} is not ours or not there.`);
    }
    const parts = this.deps.journal.listParts(t.id);
    const expected = t.checksumType === 'FULL_OBJECT' ? fullChecksum : compositeChecksum(parts);
    const reported = [completed.checksumCrc32, object.checksumCrc32].filter((c): c is string => c !== undefined && c !== '');
    if (t.checksumType === 'FULL_OBJECT') {
      const wrong = reported.find((c) => c !== fullChecksum);
      if (wrong !== undefined) {
        throw new DocksideError(
          'INTEGRITY',
          `The object's CRC32 (${wrong}) does not match the file's (${fullChecksum}). The object should not be trusted; upload the file again.`,
        );
      }
    }
    const objectConfirmed = reported.some((c) => sameChecksum(c, expected));
    const verification = verificationOf(parts, objectConfirmed);
    const etag = completed.etag || object.etag;
    this.deps.journal.markCompleted(t.id, { etag, fullChecksum, verification, fileRereadAt });
    this.change('finish');
    const fileReread = fileRereadAt !== null;
    this.log(verification === 'size-only' && !fileReread ? 'warn' : 'info', 'transfer.completed', completionMessage(verification, fileReread), {
      bucket: t.target.bucket,
      key: t.target.key,
      size: t.fileSize,
      etag,
      checksumCrc32: fullChecksum,
      checksumType: t.checksumType,
      verification,
      fileReread,
    });
    return {
      transferId: t.id,
      bucket: t.target.bucket,
      key: t.target.key,
      size: t.fileSize,
      uploadId,
      etag,
      checksumAlgorithm: 'CRC32',
      checksumType: t.checksumType,
      checksum: fullChecksum,
      verification,
      fileReread,
    };
  }

  /** When S3 forgot the upload because it completed before we journaled it, finish the transfer. */
  private async adoptCompletedObject(file: OpenFile, uploadId: string, signal: AbortSignal): Promise<CompletedUpload | null> {
    const parts = this.deps.journal.listParts(this.transfer.id);
    if (parts.length !== this.plan.partCount) return null;
    const object = await this.waitForCompletedObject(uploadId, signal);
    if (!object) return null;
    this.change('complete-parts');
    this.log('info', 'complete.confirmed', 'The upload had completed before Dockside stopped; the object is in place.', { uploadId });
    // The file is read again even now: the object exists, so a mismatch is reported as such.
    const rereadAt = this.verifyFile ? await this.rereadFile(file, signal) : null;
    return this.finish(uploadId, { etag: object.etag }, wholeChecksum(parts), rereadAt, signal);
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
    const why = identityChange(parseIdentityKey(this.transfer.fileIdentity, this.transfer), await file.identity());
    if (why) {
      throw new DocksideError(
        'FILE_CHANGED',
        `${this.transfer.filePath} changed during the upload (${why}). Nothing was completed with mixed contents. Run \`dockside upload\` on the file again to start over.`,
      );
    }
  }

  /**
   * Runs a request with retries. Before the endpoint has ever answered, a name that does not
   * resolve or a refused connection stops after a few quick tries (firstContactFailure).
   */
  private retrying<T>(operation: () => Promise<T>, signal: AbortSignal, what: string, options: { probeUpload?: string } = {}): Promise<T> {
    return withRetry(
      async (attempt) => {
        if (options.probeUpload !== undefined && attempt > 0 && attempt % UPLOAD_PROBE_EVERY === 0) await this.assertUploadExists(options.probeUpload, signal);
        try {
          const result = await operation();
          this.endpointReached = true;
          return result;
        } catch (raw) {
          if (!this.endpointReached) {
            const verdict = firstContactFailure(raw, attempt, this.endpointLabel);
            if (verdict === null) this.endpointReached = hasHttpStatus(raw);
            else if (verdict !== 'retry') throw verdict;
          }
          throw raw;
        }
      },
      {
        clock: this.deps.clock,
        backoff: this.deps.backoff,
        signal,
        onRetry: (error, attempt, delayMs) => this.onTransient(error, attempt, delayMs, what),
      },
    );
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

  /** The endpoint as the journal remembers what was learned of it. */
  private get endpointKey(): string {
    return this.transfer.target.endpoint ?? 'aws';
  }

  /** The endpoint as a person knows it. */
  private get endpointLabel(): string {
    return this.transfer.target.endpoint ?? `AWS S3 (${this.transfer.target.region})`;
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
 * Bytes in flight at most by default: 10 GiB. Memory does not depend on it (parts stream in
 * 256 KiB chunks: about 100 MiB of RSS with 5 GiB parts as with 16 MiB ones, measured), but what a
 * SIGKILL or a failed part re-sends does: with 5 GiB parts and 4 in flight, up to 20 GiB (19 GiB
 * measured). 10 GiB keeps two 5 GiB parts in flight (one TCP stream alone is capped near its send
 * buffer / RTT on a long link) and changes nothing for parts up to 2.5 GiB at the default 4 in
 * flight, that is for files up to 24.4 TiB.
 */
export const DEFAULT_MAX_IN_FLIGHT_BYTES = 10 * 1024 ** 3;

/** Reads when the file is read again to check it: larger than part reads, nothing else is in flight. */
const REREAD_CHUNK_BYTES = 1024 * 1024;

/** The weakest check any part had, raised to server-checksum when the object's own CRC32 matched too. */
export function verificationOf(parts: readonly PartRecord[], objectConfirmed: boolean): Verification {
  if (parts.length > 0 && parts.every((p) => p.verifiedBy === 'crc32')) return objectConfirmed ? 'server-checksum' : 'part-checksums';
  if (parts.length > 0 && parts.every((p) => p.verifiedBy === 'crc32' || p.verifiedBy === 'content-md5')) return 'content-md5';
  return 'size-only';
}

function completionMessage(verification: Verification, fileReread: boolean): string {
  const what = describeVerification(verification, fileReread);
  return verification === 'server-checksum' ? `Upload complete and ${what}.` : `Upload complete, ${what}.`;
}

function hasHttpStatus(raw: unknown): boolean {
  return typeof (raw as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode === 'number';
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

function wholeChecksum(parts: readonly PartRecord[]): string {
  return crc32ToBase64(crc32OfParts(parts.map((p) => ({ crc: crc32FromBase64(p.checksum), size: p.size }))));
}

/** S3's COMPOSITE checksum: the CRC32 of the parts' CRC32s, then `-<part count>`. */
function compositeChecksum(parts: readonly PartRecord[]): string {
  const raw = Buffer.concat(parts.map((p) => Buffer.from(p.checksum, 'base64')));
  return `${crc32ToBase64(crc32Of(raw))}-${parts.length}`;
}

/** Equal checksums, one written with S3's `-N` part-count suffix and one without. */
function sameChecksum(reported: string, expected: string): boolean {
  const bare = (c: string) => c.replace(/-\d+$/, '');
  return reported === expected || bare(reported) === bare(expected);
}
