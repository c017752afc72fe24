/** Builds the AWS implementations of the background jobs' ports from the backend's clients and configuration. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AvailabilityNotifier, DockObjects, DockUploads, EventQueue, PromotionStorage } from '../domain/job-ports.js';
import { S3DockObjects } from './s3-dock-objects.js';
import { S3DockUploads } from './s3-dock-uploads.js';
import { S3PromotionStorage } from './s3-promotion-storage.js';
import { SqsAvailabilityNotifier } from './sqs-availability-notifier.js';
import { SqsEventQueue } from './sqs-event-queue.js';

export interface JobAdapterConfig {
  /** With `forcePathStyle` and an endpoint on the local stack (the SDK's default checksum settings are fine: it adds no checksum of its own to CopyObject, UploadPartCopy or Complete). */
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dockBucket: string;
  readonly permanentBucket: string;
  readonly permanentKmsKeyArn: string;
  readonly eventQueueUrl: string;
  readonly notifyQueueUrl: string;
  /** UploadPartCopy calls in flight per object. Default 4. */
  readonly partConcurrency?: number;
}

export interface JobPorts {
  readonly queue: EventQueue;
  readonly notifier: AvailabilityNotifier;
  readonly storage: PromotionStorage;
  readonly dockUploads: DockUploads;
  readonly dockObjects: DockObjects;
}

export function createJobPorts(config: JobAdapterConfig): JobPorts {
  return {
    queue: new SqsEventQueue(config.sqs, config.eventQueueUrl),
    notifier: new SqsAvailabilityNotifier(config.sqs, config.notifyQueueUrl),
    storage: new S3PromotionStorage({
      client: config.s3,
      dockBucket: config.dockBucket,
      permanentBucket: config.permanentBucket,
      permanentKmsKeyArn: config.permanentKmsKeyArn,
      ...(config.partConcurrency !== undefined ? { partConcurrency: config.partConcurrency } : {}),
    }),
    dockUploads: new S3DockUploads(config.s3, config.dockBucket),
    dockObjects: new S3DockObjects(config.s3, config.dockBucket),
  };
}
