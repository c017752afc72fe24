/**
 * The cleanup job: on an interval, aborts the dock's multipart uploads whose upload id (a ULID in
 * the key) is older than the limit and marks their records `aborted`. The dock's lifecycle rule is
 * the second net behind it.
 *
 * Safe with several instances running it at once: aborting an upload another instance already
 * aborted answers NoSuchUpload, which counts as done, and the record's conditional transition
 * (uploading → aborted) succeeds for exactly one of them.
 */
import type { Logger } from 'pino';
import type { BackgroundJob } from '../domain/background-job.js';
import { cleanupDecision } from '../domain/cleanup-policy.js';
import type { DockUploads } from '../domain/job-ports.js';
import type { UploadStore } from '../domain/upload-store.js';

export interface CleanupJobOptions {
  readonly uploads: DockUploads;
  readonly store: UploadStore;
  readonly logger: Logger;
  /** Uploads whose id is older than this are aborted (DOCKSIDE_CLEANUP_MAX_AGE_HOURS). */
  readonly maxAgeMs: number;
  /** Time between rounds. Default one hour. */
  readonly intervalMs?: number;
  /** Delay before the first round. Default a random part of one minute, so instances started together spread out. */
  readonly initialDelayMs?: number;
  readonly now?: () => number;
}

export interface CleanupSummary {
  readonly seen: number;
  readonly aborted: number;
  readonly alreadyGone: number;
  readonly young: number;
  readonly foreign: number;
  readonly recordsMarked: number;
  readonly errors: number;
}

const HOUR_MS = 3_600_000;

export class CleanupJob implements BackgroundJob {
  readonly name = 'cleanup';
  private readonly log: Logger;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CleanupSummary> | null = null;
  private stopped = false;

  constructor(private readonly options: CleanupJobOptions) {
    this.log = options.logger.child({ job: this.name });
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.log.info({ maxAgeHours: this.options.maxAgeMs / HOUR_MS }, 'cleanup job started');
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

  /** One round over every in-progress multipart upload in the dock. */
  async runOnce(): Promise<CleanupSummary> {
    const counts = { seen: 0, aborted: 0, alreadyGone: 0, young: 0, foreign: 0, recordsMarked: 0, errors: 0 };
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
    return counts;
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
