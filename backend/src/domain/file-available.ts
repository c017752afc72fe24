/**
 * The "file available" message the promotion worker publishes on the notification queue (FIFO,
 * deduplication id = upload id). Consumers parse it with this schema.
 */
import { z } from 'zod';
import { uploadIdSchema, wireString } from '../../../src/shared/backend-api.js';
import { toWellFormed } from '../../../src/shared/well-formed.js';
import type { UploadRecord } from './upload-store.js';

export const fileAvailableMessageSchema = z.object({
  type: z.literal('dockside.file.available'),
  version: z.literal(1),
  uploadId: uploadIdSchema,
  /** The uploader's owner key: `static:<user>` or `oidc:<issuer>#<sub>` (backend/src/domain/owner.ts). */
  owner: wireString(),
  fileName: wireString(),
  size: z.number().int().min(0),
  contentType: wireString().nullable(),
  bucket: wireString(),
  key: wireString(),
  checksum: z.object({ algorithm: z.literal('CRC32'), type: z.enum(['FULL_OBJECT', 'COMPOSITE']), value: wireString() }),
  etag: wireString(),
  /** ISO-8601: when the record became available. */
  availableAt: z.iso.datetime({ offset: true }),
});
export type FileAvailableMessage = z.infer<typeof fileAvailableMessageSchema>;

/** The message for a record that is `available` (throws for any other). */
export function fileAvailableMessageFor(record: UploadRecord): FileAvailableMessage {
  if (record.status !== 'available' || record.permanent === null) {
    throw new Error(`upload ${record.id} is ${record.status}, not available with a permanent location`);
  }
  const p = record.permanent;
  return {
    type: 'dockside.file.available',
    version: 1,
    uploadId: record.id,
    // Well-formed, as the schema wants, even for a record stored before the wire refused lone surrogates.
    owner: toWellFormed(record.owner),
    fileName: toWellFormed(record.fileName),
    size: record.size,
    contentType: record.contentType === null ? null : toWellFormed(record.contentType),
    bucket: p.bucket,
    key: p.key,
    checksum: { algorithm: 'CRC32', type: p.checksumType, value: p.checksum },
    etag: p.etag,
    availableAt: new Date(record.updatedAt).toISOString(),
  };
}
