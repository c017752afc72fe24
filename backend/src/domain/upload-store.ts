/**
 * The backend's record of each upload and the port through which every instance reads and changes
 * it. Instances are stateless: this store (DynamoDB in AWS and on the local stack) is the only
 * shared state, and every status change is a conditional transition so concurrent instances, jobs
 * and duplicate SQS deliveries cannot race each other into a wrong state.
 */
import type { ChecksumSpec, UploadStatus } from '../../../src/shared/backend-api.js';

/**
 * The statuses in which an upload may have an object in the dock: being written, waiting for its
 * promotion, being promoted. Anything else in the dock is no live upload's, and is deleted.
 */
export const LIVE_STATUSES = ['uploading', 'docked', 'promoting'] as const satisfies readonly UploadStatus[];

/** Whether an upload in `status` may have an object in the dock (one of LIVE_STATUSES). */
export function isLive(status: UploadStatus): boolean {
  return (LIVE_STATUSES as readonly UploadStatus[]).includes(status);
}

/** Why the upload `record` does not own a dock object at `key` (another key, not live), or null when it does. */
export function whyNotOwned(record: UploadRecord, key: string): string | null {
  if (record.dockKey !== key) return `the upload's dock key is ${record.dockKey}`;
  return isLive(record.status) ? null : `the upload is ${record.status}`;
}

export interface PermanentLocation {
  readonly bucket: string;
  readonly key: string;
  /** The checksum S3 reports for the permanent object, verified equal to the dock object's. */
  readonly checksum: string;
  readonly checksumType: ChecksumSpec['type'];
  readonly etag: string;
}

export interface UploadRecord {
  /** ULID, also the time-ordered part of the dock key and the STS role session name. */
  readonly id: string;
  /** The signed-in user's owner key: `static:<user>` or `oidc:<issuer>#<sub>` (domain/owner.ts). */
  readonly owner: string;
  readonly fileName: string;
  readonly size: number;
  readonly contentType: string | null;
  readonly checksum: ChecksumSpec;
  readonly dockBucket: string;
  readonly dockKey: string;
  readonly status: UploadStatus;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly permanent: PermanentLocation | null;
  readonly failureReason: string | null;
  /** Epoch ms at which the "file available" notification was sent (at most one is wanted). */
  readonly notifiedAt: number | null;
}

export interface UploadPage {
  readonly items: readonly UploadRecord[];
  /** Opaque; null on the last page. */
  readonly nextCursor: string | null;
}

export type UploadPatch = Partial<Pick<UploadRecord, 'permanent' | 'failureReason' | 'notifiedAt'>>;

export interface UploadStore {
  /** Stores a new record; throws if the id exists. */
  create(record: UploadRecord): Promise<void>;
  get(id: string): Promise<UploadRecord | null>;
  /** The owner's uploads, newest first. */
  listByOwner(owner: string, options: { limit: number; cursor?: string }): Promise<UploadPage>;
  /**
   * Moves a record to `to` only if its status is one of `from` (a conditional write), applying
   * `patch` and `updatedAt` in the same write. Returns the new record, or null when the record is
   * missing or in another status (someone else got there first).
   */
  transition(id: string, from: readonly UploadStatus[], to: UploadStatus, patch?: UploadPatch): Promise<UploadRecord | null>;
  /** Applies `patch` without changing status, only if the status is one of `when`. */
  update(id: string, when: readonly UploadStatus[], patch: UploadPatch): Promise<UploadRecord | null>;
}
