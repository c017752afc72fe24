/**
 * The companion backend's wire contract (`/v1`), shared by the backend (which validates requests
 * and serialises responses with these schemas and generates its OpenAPI document from them) and
 * by the engine's backend client (which parses every response with them).
 */
import { z } from 'zod';
import { S3_LIMITS } from './part-planner.js';
import { isWellFormed, NOT_WELL_FORMED } from './well-formed.js';

/**
 * Every string of the wire contract, in requests and in responses: well-formed Unicode only. A
 * lone surrogate (JSON's `"\ud800"`) has no UTF-8 form, so it would break the upload record, the
 * S3 metadata and the logs it reaches; it is refused here, before any STS call. Use this, never a
 * bare z.string() (test/shared/backend-api-strings.test.ts walks every schema to check).
 */
export function wireString() {
  return z.string().refine(isWellFormed, NOT_WELL_FORMED);
}

/** S3's largest object: 10,000 parts of 5 GiB (48.8 TiB), the planner's own limit. */
export const MAX_OBJECT_SIZE = S3_LIMITS.maxObjectSize;

/** What the backend checked of a permanent copy before calling an upload available. */
export const COPY_VERIFICATIONS = ['copy-crc32'] as const;
export type CopyVerification = (typeof COPY_VERIFICATIONS)[number];

export const UPLOAD_STATUSES = ['uploading', 'docked', 'promoting', 'available', 'failed', 'aborted'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** Upload ids are ULIDs: 26 Crockford base32 characters, sortable by creation time. */
export const uploadIdSchema = wireString().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a 26-character upload id (ULID)');

export const checksumSpecSchema = z.object({
  algorithm: z.literal('CRC32'),
  type: z.enum(['FULL_OBJECT', 'COMPOSITE']),
});
export type ChecksumSpec = z.infer<typeof checksumSpecSchema>;

export const createUploadRequestSchema = z.strictObject({
  fileName: wireString().min(1).max(1024),
  size: z.number().int().min(0).max(MAX_OBJECT_SIZE),
  /** How the client will checksum the object; the value itself is known only when it completes. */
  checksum: checksumSpecSchema,
  contentType: wireString().min(1).max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type').optional(),
});
export type CreateUploadRequest = z.infer<typeof createUploadRequestSchema>;

export const temporaryCredentialsSchema = z.object({
  accessKeyId: wireString().min(1),
  secretAccessKey: wireString().min(1),
  sessionToken: wireString().min(1),
  /** ISO-8601 instant after which S3 refuses them. */
  expiration: z.iso.datetime({ offset: true }),
});
export type TemporaryCredentialsWire = z.infer<typeof temporaryCredentialsSchema>;

/** Where the client writes: the dock bucket, the object key the server chose, how to reach S3. */
export const uploadTargetSchema = z.object({
  bucket: wireString().min(1),
  key: wireString().min(1),
  region: wireString().min(1),
  /** Explicit S3 endpoint (S3-compatible or local stack); null means AWS's own. */
  endpoint: wireString().url().nullable(),
  forcePathStyle: z.boolean(),
  /** SSE-KMS key the client must name on CreateMultipartUpload. */
  kmsKeyId: wireString().min(1),
});
export type UploadTarget = z.infer<typeof uploadTargetSchema>;

export const createUploadResponseSchema = z.object({
  id: uploadIdSchema,
  target: uploadTargetSchema,
  credentials: temporaryCredentialsSchema,
});
export type CreateUploadResponse = z.infer<typeof createUploadResponseSchema>;

export const credentialsResponseSchema = z.object({
  id: uploadIdSchema,
  credentials: temporaryCredentialsSchema,
});
export type CredentialsResponse = z.infer<typeof credentialsResponseSchema>;

export const uploadViewSchema = z.object({
  id: uploadIdSchema,
  fileName: wireString(),
  size: z.number().int().min(0),
  contentType: wireString().nullable(),
  status: z.enum(UPLOAD_STATUSES),
  dock: z.object({ bucket: wireString(), key: wireString() }),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  /**
   * Set once `available`: where the file now lives, its checksum, and what the backend checked
   * before calling it available (`copy-crc32`: the permanent copy's size and CRC32, as the storage
   * reports them, equal the uploaded object's). How the upload itself was verified is the
   * uploading client's to say: the backend sees only what the storage reports.
   */
  available: z
    .object({
      bucket: wireString(),
      key: wireString(),
      checksum: wireString(),
      checksumType: z.enum(['FULL_OBJECT', 'COMPOSITE']),
      // Optional: a backend older than this field does not send it (then nothing is claimed).
      verifiedBy: z.enum(COPY_VERIFICATIONS).optional(),
    })
    .nullable(),
  /** Set when `failed`: why, in words a person can act on. */
  failureReason: wireString().nullable(),
});
export type UploadView = z.infer<typeof uploadViewSchema>;

export const listUploadsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: wireString().min(1).max(2048).optional(),
});
export type ListUploadsQuery = z.infer<typeof listUploadsQuerySchema>;

export const listUploadsResponseSchema = z.object({
  uploads: z.array(uploadViewSchema),
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: wireString().nullable(),
});
export type ListUploadsResponse = z.infer<typeof listUploadsResponseSchema>;

/** Every non-2xx answer has this body. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: wireString(),
    message: wireString(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/**
 * The `code` values of apiError bodies. Clients must tolerate codes they do not know (the schema
 * keeps `code` a plain string); these are the ones the backend sends today.
 */
export const API_ERROR_CODES = [
  'UNAUTHENTICATED', // no bearer token (401)
  'INVALID_TOKEN', // token unknown, malformed, wrong issuer/audience or signature (401)
  'TOKEN_EXPIRED', // a JWT past its `exp` (401): sign in again
  'INVALID_REQUEST', // body, id, query or header fails validation, a string is not well-formed Unicode, or a token came in the URL (400); the message names the field
  'INVALID_FILE_NAME', // nothing safe is left of the file name (400)
  'INVALID_CURSOR', // a list cursor that this backend did not hand out for this user (400)
  'NOT_FOUND', // no such upload for this user, or no such route (404)
  'INVALID_STATE', // the upload's status does not allow this (409)
  'UNSUPPORTED_MEDIA_TYPE', // a body that is not JSON (415)
  'PAYLOAD_TOO_LARGE', // (413)
  'RATE_LIMITED', // too many requests from this user (429); see Retry-After
  'SERVICE_UNAVAILABLE', // STS, the identity provider or the store cannot be reached (503); retry
  'INTERNAL', // a bug on our side (500); details are in the server's log only
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** `/healthz` (process alive) and `/readyz` (dependencies reachable). */
export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'ready']),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;
