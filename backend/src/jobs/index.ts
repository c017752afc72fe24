/**
 * The backend's background jobs. Wire them in the composition root:
 *
 *   const ports = createJobPorts({ s3, sqs, dockBucket, permanentBucket, permanentKmsKeyArn,
 *                                  eventQueueUrl, notifyQueueUrl });          // ../aws/job-adapters.ts
 *   const jobs = createBackgroundJobs({ ports, store, logger, dockBucket, permanentBucket,
 *                                       permanentKmsKeyArn, dockKmsKeyArn, cleanupMaxAgeHours, dockExpiryDays,
 *                                       promotion: true, cleanup: true });
 *   jobs.forEach((j) => j.start());  ...  await Promise.all(jobs.map((j) => j.stop(graceMs)));
 */
import type { Logger } from 'pino';
import type { BackgroundJob } from '../domain/background-job.js';
import type { AvailabilityNotifier, DockObjects, DockUploads, EventQueue, PromotionStorage } from '../domain/job-ports.js';
import type { UploadStore } from '../domain/upload-store.js';
import { CleanupJob, type CleanupJobOptions } from './cleanup.job.js';
import { PromotionJob, type PromotionJobOptions } from './promotion.job.js';

export { CleanupJob, type CleanupJobOptions, type CleanupSummary } from './cleanup.job.js';
export { PromotionJob, type PromotionJobOptions } from './promotion.job.js';
export { Promoter, type PromoterOptions, type PromotionOutcome } from './promoter.js';

export interface BackgroundJobsConfig {
  readonly ports: { queue: EventQueue; notifier: AvailabilityNotifier; storage: PromotionStorage; dockUploads: DockUploads; dockObjects: DockObjects };
  readonly store: UploadStore;
  readonly logger: Logger;
  readonly dockBucket: string;
  readonly permanentBucket: string;
  readonly permanentKmsKeyArn: string;
  readonly dockKmsKeyArn: string;
  readonly cleanupMaxAgeHours: number;
  /** The dock's lifecycle limit (DOCKSIDE_DOCK_EXPIRY_DAYS), for the cleanup job's words. */
  readonly dockExpiryDays: number;
  /** Whether this instance runs the promotion worker (switchable per instance). */
  readonly promotion: boolean;
  /** Whether this instance runs the cleanup job. */
  readonly cleanup: boolean;
  /** Overrides for tuning and tests. */
  readonly promotionOptions?: Partial<PromotionJobOptions>;
  readonly cleanupOptions?: Partial<CleanupJobOptions>;
}

/** The jobs this instance runs, not yet started. */
export function createBackgroundJobs(config: BackgroundJobsConfig): BackgroundJob[] {
  const jobs: BackgroundJob[] = [];
  if (config.promotion) {
    jobs.push(
      new PromotionJob({
        queue: config.ports.queue,
        storage: config.ports.storage,
        notifier: config.ports.notifier,
        store: config.store,
        logger: config.logger,
        dockBucket: config.dockBucket,
        permanentBucket: config.permanentBucket,
        permanentKmsKeyArn: config.permanentKmsKeyArn,
        dockKmsKeyArn: config.dockKmsKeyArn,
        ...config.promotionOptions,
      }),
    );
  }
  if (config.cleanup) {
    jobs.push(
      new CleanupJob({
        uploads: config.ports.dockUploads,
        objects: config.ports.dockObjects,
        store: config.store,
        logger: config.logger,
        maxAgeMs: config.cleanupMaxAgeHours * 3_600_000,
        dockExpiryDays: config.dockExpiryDays,
        ...config.cleanupOptions,
      }),
    );
  }
  return jobs;
}
