/**
 * The cleanup job: on an interval, aborts the dock's multipart uploads whose upload id (a ULID in
 * the key) is older than the limit and marks their records `aborted`, then deletes the dock
 * objects written longer ago than the limit that no live upload owns (the promotion worker deletes
 * those as their events arrive; this catches what it missed: events lost, or jobs that were off).
 * The dock's lifecycle rule is the second net behind it, for every object and upload.
 *
 * Safe with several instances running it at once: aborting an upload another instance already
 * aborted answers NoSuchUpload, which counts as done, the record's conditional transition
 * (uploading → aborted) succeeds for exactly one of them, and deleting a deleted object is no error.
 */
import type { Logger } from 'pino';
import type { BackgroundJob } from '../domain/background-job.js';
import { cleanupDecision } from '../domain/cleanup-policy.js';
import { uploadIdFromDockKey } from '../domain/dock-key-id.js';
import type { DockObject, DockObjects, DockUploads } from '../domain/job-ports.js';
import { whyNotOwned, type UploadStore } from '../domain/upload-store.js';

export interface CleanupJobOptions {
  readonly uploads: DockUploads;
  readonly objects: DockObjects;
  readonly store: UploadStore;
  readonly logger: Logger;
  /**
   * Uploads whose id is older than this are aborted, and objects written longer ago than this
   * that no live upload owns are deleted (DOCKSIDE_CLEANUP_MAX_AGE_HOURS).
   */
  readonly maxAgeMs: number;
  /** After how many days the dock's lifecycle rule expires everything (DOCKSIDE_DOCK_EXPIRY_DAYS), for the log. */
  readonly dockExpiryDays?: number;
  /** Time between rounds. Default one hour. */
  readonly intervalMs?: number;
  /** Delay before the first round. Default a random part of one minute, so instances started together spread out. */
  readonly initialDelayMs?: number;
  readonly now?: () => number;
}

export interface CleanupSummary {
  /** Multipart uploads. */
  readonly seen: number;
  readonly aborted: number;
  readonly alreadyGone: number;
  readonly young: number;
  readonly foreign: number;
  readonly recordsMarked: number;
  /** Objects under uploads/: seen, written within the limit, older but a live upload's, deleted. */
  readonly objects: { readonly seen: number; readonly young: number; readonly live: number; readonly deleted: number };
  readonly errors: number;
}

/** What a round counts as it goes (all of the summary but the objects'). */
type UploadCounts = { -readonly [K in Exclude<keyof CleanupSummary, 'objects'>]: number };

const HOUR_MS = 3_600_000;

export class CleanupJob implements BackgroundJob {
  readonly name = 'cleanup';
  private readonly log: Logger;
  private readonly audit: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CleanupSummary> | null = null;
  private stopped = false;

  constructor(private readonly options: CleanupJobOptions) {
    this.log = options.logger.child({ job: this.name });
    this.audit = this.log.child({ audit: true });
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.log.info({ maxAgeHours: this.options.maxAgeMs / HOUR_MS, dockExpiryDays: this.options.dockExpiryDays }, 'cleanup job started');
    this.schedule(this.options.initialDelayMs ?? Math.floor(Math.random() * 60_000));
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // A round in progress stops between uploads (see runOnce); wait for it within the grace.
    if (this.running) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([this.running.catch(() => undefined), new Promise((r) => (t = setTimeout(r, graceMs)))]);
      clearTimeout(t);
    }
    this.log.info('cleanup job stopped');
  }

  /** One round over every in-progress multipart upload in the dock, then every object under uploads/. */
  async runOnce(): Promise<CleanupSummary> {
    const counts: UploadCounts = { seen: 0, aborted: 0, alreadyGone: 0, young: 0, foreign: 0, recordsMarked: 0, errors: 0 };
    await this.abortOldUploads(counts);
    const objects = { seen: 0, young: 0, live: 0, deleted: 0 };
    for await (const object of this.options.objects.list()) {
      if (this.stopped) break;
      objects.seen += 1;
      try {
        const outcome = await this.sweepObject(object);
        objects[outcome] += 1;
      } catch (error) {
        counts.errors += 1;
        this.log.warn({ err: error, key: object.key }, 'cleanup: could not check or delete a dock object; the next round tries again');
      }
    }
    return { ...counts, objects };
  }

  /** Deletes one dock object if it is older than the limit and no live upload owns it. */
  private async sweepObject(object: DockObject): Promise<'young' | 'live' | 'deleted'> {
    const ageMs = this.now() - object.lastModified;
    // Strictly older, as for multipart uploads.
    if (ageMs <= this.options.maxAgeMs) return 'young';
    const uploadId = uploadIdFromDockKey(object.key);
    const record = uploadId === null ? null : await this.options.store.get(uploadId);
    const ageHours = Math.round((ageMs / HOUR_MS) * 10) / 10;
    const notOwned = record === null ? 'no upload has this key' : whyNotOwned(record, object.key);
    if (notOwned === null) {
      // Waiting for a promotion that has not come (its event in the dead-letter queue, say): a person's call.
      this.log.warn(
        { uploadId, key: object.key, status: record?.status, ageHours, dockExpiryDays: this.options.dockExpiryDays },
        "cleanup: an old dock object still waits for its promotion; left alone (the dock's lifecycle rule expires it)",
      );
      return 'live';
    }
    await this.options.objects.delete(object.key);
    this.audit.warn(
      { event: 'dock.object-deleted', uploadId, key: object.key, status: record?.status ?? null, ageHours, reason: notOwned },
      'cleanup: deleted a dock object no live upload owns',
    );
    return 'deleted';
  }

  private async abortOldUploads(counts: UploadCounts): Promise<void> {
    for await (const upload of this.options.uploads.list()) {
      if (this.stopped) break;
      counts.seen += 1;
      const decision = cleanupDecision(upload.key, this.now(), this.options.maxAgeMs);
      if (decision.kind === 'foreign') {
        counts.foreign += 1;
        this.log.warn({ key: upload.key, multipartUploadId: upload.uploadId }, 'cleanup: multipart upload not in our key layout; left alone');
        continue;
      }
      if (decision.kind === 'young') {
        counts.young += 1;
        continue;
      }
      const ageHours = Math.round((decision.ageMs / HOUR_MS) * 10) / 10;
      try {
        const result = await this.options.uploads.abort(upload);
        if (result === 'aborted') counts.aborted += 1;
        else counts.alreadyGone += 1;
        const record = await this.options.store.transition(decision.uploadId, ['uploading'], 'aborted');
        if (record !== null) counts.recordsMarked += 1;
        this.log.info(
          { uploadId: decision.uploadId, key: upload.key, multipartUploadId: upload.uploadId, ageHours, result, recordMarkedAborted: record !== null },
          'cleanup: aborted an abandoned multipart upload',
        );
      } catch (error) {
        counts.errors += 1;
        this.log.warn({ err: error, uploadId: decision.uploadId, key: upload.key }, 'cleanup: could not abort; the next round tries again');
      }
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.runOnce();
      void this.running
        .then((summary) => this.log.info(summary, 'cleanup: round finished'))
        .catch((error: unknown) => this.log.warn({ err: error }, 'cleanup: round failed; the next round tries again'))
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.schedule(this.options.intervalMs ?? HOUR_MS);
        });
    }, delayMs);
    this.timer.unref();
  }
}
