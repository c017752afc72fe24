/**
 * The ports the background jobs work through, named by role. The AWS adapters in ../aws implement
 * them (SQS, S3); tests may wrap them to inject faults.
 */
import type { FileAvailableMessage } from './file-available.js';
import type { CopyPlan, ObjectFacts } from './promotion-plan.js';

/** One message received from the dock's S3 event queue. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** How many times SQS has delivered it, this time included. */
  readonly receiveCount: number;
}

export interface EventQueue {
  /** Long-polls for up to `maxMessages`; resolves empty when `signal` aborts the poll. */
  receive(options: { maxMessages: number; waitSeconds: number; signal?: AbortSignal }): Promise<ReceivedMessage[]>;
  delete(receiptHandle: string): Promise<void>;
  /** Hides the message for `seconds` more from now (0: visible again at once). */
  setVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

export interface AvailabilityNotifier {
  /** Publishes "file available"; a second publish for the same upload within the queue's dedup window is dropped. */
  publish(message: FileAvailableMessage): Promise<void>;
}

export interface CopyRequest {
  readonly dockKey: string;
  readonly permanentKey: string;
  /** ETag (bare) the dock object must still have: every read of it is conditioned on it. */
  readonly sourceEtag: string;
  /** The dock object's CRC32; with a FULL_OBJECT plan S3 checks the copy against it as it completes. */
  readonly sourceChecksumCrc32: string | null;
  readonly plan: CopyPlan;
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType: string | null;
  readonly signal?: AbortSignal;
}

/** The dock and permanent buckets as the promotion worker sees them. */
export interface PromotionStorage {
  /** HeadObject (with checksums) on the dock; `partNumber` reports that one part's size. Null when absent. */
  headDock(key: string, partNumber?: number): Promise<ObjectFacts | null>;
  headPermanent(key: string): Promise<ObjectFacts | null>;
  /** Copies dock → permanent as planned, SSE-KMS under the permanent key. */
  copy(request: CopyRequest): Promise<void>;
  /** Deletes the dock object; an absent object is not an error. */
  deleteDock(key: string): Promise<void>;
}

export interface DockMultipartUpload {
  readonly key: string;
  readonly uploadId: string;
}

/** The dock's in-progress multipart uploads, for the cleanup job. */
export interface DockUploads {
  list(): AsyncIterable<DockMultipartUpload>;
  /** 'already-gone' when S3 no longer knows the upload (another instance, or the client, got there first). */
  abort(upload: DockMultipartUpload): Promise<'aborted' | 'already-gone'>;
}

export interface DockObject {
  readonly key: string;
  /** When S3 last wrote it, epoch milliseconds (moto reports the real time, unlike its multipart `Initiated`). */
  readonly lastModified: number;
}

/** The dock's objects under the uploads prefix, for the cleanup job. */
export interface DockObjects {
  list(): AsyncIterable<DockObject>;
  /** Deletes the object; an absent object is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * An I/O step of a job failed in a way a later delivery may not see (network, throttling, a dock
 * object replaced mid-copy, a stop in progress). The job leaves the message to be redelivered.
 */
export class JobStepError extends Error {
  override readonly name = 'JobStepError';
  readonly retryable = true;
  constructor(
    readonly code: 'SOURCE_CHANGED' | 'AWS_ERROR' | 'ABORTED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A JobStepError for a failed AWS call, naming the call and keeping the SDK error as the cause. */
export function awsStepError(what: string, error: unknown): JobStepError {
  if (error instanceof JobStepError) return error;
  const e = error as { name?: string; message?: string };
  return new JobStepError('AWS_ERROR', `${what} failed: ${e.name ?? 'Error'}: ${e.message ?? String(error)}`, { cause: error });
}
