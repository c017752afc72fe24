/** The wire view of an upload record: what `GET /v1/uploads/{id}` and friends answer. */
import type { UploadView } from '../../../src/shared/backend-api.js';
import { toWellFormed } from '../../../src/shared/well-formed.js';
import type { UploadRecord } from './upload-store.js';

/**
 * Maps a stored record to its wire view (no owner, no internal bookkeeping such as notifiedAt).
 * The name is made well-formed: a record stored before the wire refused lone surrogates must not
 * make its own status unreadable (the response schema refuses them too).
 */
export function toUploadView(record: UploadRecord): UploadView {
  return {
    id: record.id,
    fileName: toWellFormed(record.fileName),
    size: record.size,
    contentType: record.contentType === null ? null : toWellFormed(record.contentType),
    status: record.status,
    dock: { bucket: record.dockBucket, key: record.dockKey },
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    available:
      record.status === 'available' && record.permanent !== null
        ? {
            bucket: record.permanent.bucket,
            key: record.permanent.key,
            checksum: record.permanent.checksum,
            checksumType: record.permanent.checksumType,
            // Every available record passed verifyCopy (or isVerifiedCopyOf) in the promoter.
            verifiedBy: 'copy-crc32',
          }
        : null,
    failureReason: record.status === 'failed' ? (record.failureReason ?? 'The upload failed for an unknown reason.') : null,
  };
}
