/**
 * Promotes one created dock object: dock → permanent bucket (re-encrypted under the permanent
 * key), verified, dock copy deleted, record `available`, one "file available" message.
 *
 * Every step is idempotent, so a duplicate event, a redelivery after a crash at any step, or two
 * instances handling the two events S3 may send for one object all end in the same state:
 * - the record's conditional transitions decide who moves it, and a lost race re-reads it;
 * - a permanent object that carries the event's ETag in its metadata and whose S3 checksum equals
 *   the recorded one is a finished copy, so the copy is skipped (crash after copy) and a missing
 *   dock object is taken as already deleted (crash after delete);
 * - "file available" is sent only while `notifiedAt` is unset, and the FIFO queue drops a re-send
 *   for the same upload within its deduplication window.
 *
 * Only an upload that is still live (uploading, docked, promoting) may have an object in the dock.
 * An object that no live upload owns (written after a cancel with credentials still valid, written
 * again after promotion, left by a failed promotion, or at a key no upload has) is deleted, with an
 * audit line, and never promoted. An `available` upload's own copy left the dock before it was
 * recorded `available`, so for one of those anything at its key was written since.
 */
import type { Logger } from 'pino';
import { uploadIdFromDockKey } from '../domain/dock-key-id.js';
import { fileAvailableMessageFor } from '../domain/file-available.js';
import { JobStepError, type AvailabilityNotifier, type PromotionStorage } from '../domain/job-ports.js';
import { mapLimited } from '../domain/map-limited.js';
import {
  dockEncryptionProblem,
  isVerifiedCopyOf,
  permanentKeyFor,
  planCopy,
  promotionMetadata,
  sourceProblem,
  verifyCopy,
  type CopyPlan,
  type CopyPlanOptions,
  type ObjectFacts,
} from '../domain/promotion-plan.js';
import type { ObjectCreatedRecord } from '../domain/s3-event.js';
import { isLive, LIVE_STATUSES, whyNotOwned, type UploadRecord, type UploadStore } from '../domain/upload-store.js';

/** What became of one ObjectCreated record. Each lets the message be deleted. */
export type PromotionOutcome =
  | { readonly kind: 'promoted'; readonly uploadId: string; readonly notified: boolean }
  | { readonly kind: 'already-available'; readonly uploadId: string; readonly notified: boolean }
  | { readonly kind: 'failed'; readonly uploadId: string; readonly reason: string }
  | { readonly kind: 'ignored'; readonly reason: string }
  /** No live upload owns the object: deleted from the dock (`deleted` false when it was gone already). */
  | { readonly kind: 'removed'; readonly uploadId: string | null; readonly reason: string; readonly deleted: boolean };

export interface PromoterOptions {
  readonly store: UploadStore;
  readonly storage: PromotionStorage;
  readonly notifier: AvailabilityNotifier;
  readonly dockBucket: string;
  readonly permanentBucket: string;
  readonly permanentKmsKeyArn: string;
  /** The dock's KMS key: a dock object under any other encryption is not promoted. */
  readonly dockKmsKeyArn: string;
  readonly copy: CopyPlanOptions;
  readonly logger: Logger;
  readonly now?: () => number;
}

export class Promoter {
  private readonly now: () => number;
  private readonly audit: Logger;

  constructor(private readonly options: PromoterOptions) {
    this.now = options.now ?? Date.now;
    this.audit = options.logger.child({ audit: true });
  }

  /** Handles one ObjectCreated record; throws JobStepError for anything a redelivery may fix. */
  async promote(event: ObjectCreatedRecord, signal?: AbortSignal): Promise<PromotionOutcome> {
    const { store, storage } = this.options;
    if (event.bucket !== this.options.dockBucket) return this.ignored(event, `the event is for bucket ${event.bucket}, not the dock`);
    const uploadId = uploadIdFromDockKey(event.key);
    if (uploadId === null) return this.remove(event.key, null, 'the key is not in the uploads/<id>/<name> layout');
    const log = this.options.logger.child({ uploadId, key: event.key, eTag: event.eTag });

    // Strongly consistent, and the record exists before the client gets credentials for its key.
    const record = await store.get(uploadId);
    if (record === null) return this.remove(event.key, uploadId, 'no upload has this id');
    const notOwned = whyNotOwned(record, event.key);
    if (notOwned !== null) {
      const removed = await this.remove(event.key, uploadId, notOwned);
      // A rewrite after promotion: the permanent copy and the record stay as they are, and a
      // "file available" not yet recorded as sent (a crash after `available`) still goes.
      return record.status === 'available' && record.dockKey === event.key ? this.announce(record, 'already-available', log) : removed;
    }

    const permanentKey = permanentKeyFor(event.key);
    const source = await storage.headDock(event.key);
    if (source === null) return this.afterDockGone(record, event, permanentKey, log);
    if (source.etag !== event.eTag) {
      // The client wrote the key again after this event; the newer object's own event promotes it.
      return this.ignored(event, `the dock object now has ETag ${source.etag}`);
    }
    const problem = sourceProblem(record, source) ?? dockEncryptionProblem(source, this.options.dockKmsKeyArn);
    if (problem !== null) return this.fail(record, problem, log);

    const promoting = await store.transition(uploadId, LIVE_STATUSES, 'promoting');
    if (promoting === null) return this.afterLostRace(uploadId, log);
    throwIfAborted(signal);

    let dest = await storage.headPermanent(permanentKey);
    if (dest !== null && isVerifiedCopyOf(dest, source.etag, source.size)) {
      log.info('promotion: the permanent copy already exists (an earlier attempt made it); not copying again');
    } else {
      const plan = await this.plan(event.key, source, signal);
      const started = this.now();
      await storage.copy({
        dockKey: event.key,
        permanentKey,
        sourceEtag: source.etag,
        sourceChecksumCrc32: source.checksumCrc32,
        plan,
        metadata: promotionMetadata(promoting, source),
        contentType: promoting.contentType ?? source.contentType,
        ...(signal ? { signal } : {}),
      });
      log.info({ plan: plan.kind, parts: plan.kind === 'multipart' ? plan.parts.length : 1, ms: this.now() - started }, 'promotion: copied to the permanent bucket');
      dest = await storage.headPermanent(permanentKey);
      if (dest === null) throw new JobStepError('AWS_ERROR', 'the permanent copy was not found right after copying it');
    }
    const verdict = verifyCopy(source, dest, this.options.permanentKmsKeyArn);
    if (!verdict.ok) return this.fail(record, verdict.reason, log);

    throwIfAborted(signal);
    await storage.deleteDock(event.key);
    return this.markAvailable(uploadId, dest, permanentKey, log);
  }

  /** Part layout: a COMPOSITE checksum needs the source's own parts, read with HeadObject per part. */
  private async plan(key: string, source: ObjectFacts, signal?: AbortSignal): Promise<CopyPlan> {
    const type = source.checksumType ?? 'FULL_OBJECT';
    if (type !== 'COMPOSITE') return planCopy(source.size, type, this.options.copy);
    const first = await this.options.storage.headDock(key, 1);
    const count = first?.partsCount ?? null;
    if (first === null || count === null) throw new JobStepError('AWS_ERROR', 'S3 did not report the part count of a multipart dock object');
    const numbers = Array.from({ length: count - 1 }, (_, i) => i + 2);
    const rest = await mapLimited(
      numbers,
      8,
      async (n) => {
        const part = await this.options.storage.headDock(key, n);
        if (part === null) throw new JobStepError('SOURCE_CHANGED', `part ${n} of the dock object is gone`);
        return part.size;
      },
      signal,
    );
    return planCopy(source.size, type, this.options.copy, [first.size, ...rest]);
  }

  /** The dock object is gone: finished by an earlier attempt or another instance, or lost. */
  private async afterDockGone(record: UploadRecord, event: ObjectCreatedRecord, permanentKey: string, log: Logger): Promise<PromotionOutcome> {
    const dest = await this.options.storage.headPermanent(permanentKey);
    if (dest !== null && isVerifiedCopyOf(dest, event.eTag, record.size)) {
      log.info('promotion: the dock copy is already deleted and the permanent copy verified; finishing');
      return this.markAvailable(record.id, dest, permanentKey, log);
    }
    const now = await this.options.store.get(record.id);
    if (now?.status === 'available') return this.announce(now, 'already-available', log);
    if (now === null || !isLive(now.status)) return this.ignored(event, `the upload is ${now?.status ?? 'gone'}`);
    return this.fail(record, 'The uploaded object disappeared from the loading dock before it could be promoted; upload the file again.', log);
  }

  private async markAvailable(uploadId: string, dest: ObjectFacts, permanentKey: string, log: Logger): Promise<PromotionOutcome> {
    const updated = await this.options.store.transition(uploadId, LIVE_STATUSES, 'available', {
      permanent: {
        bucket: this.options.permanentBucket,
        key: permanentKey,
        checksum: dest.checksumCrc32 ?? '',
        checksumType: dest.checksumType ?? 'FULL_OBJECT',
        etag: dest.etag,
      },
      failureReason: null,
    });
    if (updated === null) return this.afterLostRace(uploadId, log);
    log.info({ bucket: this.options.permanentBucket }, 'promotion: available');
    return this.announce(updated, 'promoted', log);
  }

  /** Sends "file available" unless it is recorded as sent, then records it. */
  private async announce(record: UploadRecord, kind: 'promoted' | 'already-available', log: Logger): Promise<PromotionOutcome> {
    if (record.notifiedAt !== null) return { kind, uploadId: record.id, notified: false };
    await this.options.notifier.publish(fileAvailableMessageFor(record));
    await this.options.store.update(record.id, ['available'], { notifiedAt: this.now() });
    log.info('promotion: "file available" sent');
    return { kind, uploadId: record.id, notified: true };
  }

  /** A conditional write found another status: someone else moved the record; act on what it is now. */
  private async afterLostRace(uploadId: string, log: Logger): Promise<PromotionOutcome> {
    const now = await this.options.store.get(uploadId);
    if (now?.status === 'available') return this.announce(now, 'already-available', log);
    return { kind: 'ignored', reason: `upload ${uploadId} is ${now?.status ?? 'gone'}` };
  }

  /**
   * Records the upload `failed`, then deletes its dock object: a crash between the two leaves the
   * object, and the redelivered event (its upload now failed) deletes it.
   */
  private async fail(record: UploadRecord, reason: string, log: Logger): Promise<PromotionOutcome> {
    const failed = await this.options.store.transition(record.id, LIVE_STATUSES, 'failed', { failureReason: reason });
    if (failed === null) return this.afterLostRace(record.id, log);
    log.warn({ reason }, 'promotion: failed');
    await this.remove(record.dockKey, record.id, `its promotion failed: ${reason}`);
    return { kind: 'failed', uploadId: record.id, reason };
  }

  /** Deletes the dock object at `key`, which no live upload owns, with an audit line when there was one. */
  private async remove(key: string, uploadId: string | null, reason: string): Promise<PromotionOutcome & { kind: 'removed' }> {
    const found = await this.options.storage.headDock(key);
    if (found !== null) {
      await this.options.storage.deleteDock(key);
      this.audit.warn({ event: 'dock.object-deleted', uploadId, key, eTag: found.etag, size: found.size, reason }, 'promotion: deleted a dock object no live upload owns');
    }
    return { kind: 'removed', uploadId, reason, deleted: found !== null };
  }

  private ignored(event: ObjectCreatedRecord, reason: string): PromotionOutcome {
    this.options.logger.info({ key: event.key, eTag: event.eTag, reason }, 'promotion: event ignored');
    return { kind: 'ignored', reason };
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new JobStepError('ABORTED', 'the promotion job is stopping');
}
