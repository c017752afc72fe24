// Well-formed /v1 wire bodies (src/shared/backend-api.ts) for tests of the engine's backend client
// and of what is built on it. Each is a fresh object, so a test may change one field freely.
import type { CreateUploadResponse, UploadStatus, UploadView } from '../../src/shared/backend-api.js';

/** A valid upload id (ULID). */
export const UPLOAD_ID = '01JF8ZQ2X3Y4Z5A6B7C8D9E0FG';

export function uploadView(overrides: Partial<UploadView> & { status?: UploadStatus } = {}): UploadView {
  return {
    id: UPLOAD_ID,
    fileName: 'scan.tif',
    size: 1234,
    contentType: null,
    status: 'uploading',
    dock: { bucket: 'firm-dock', key: `uploads/${UPLOAD_ID}/scan.tif` },
    createdAt: '2026-01-05T09:00:00.000Z',
    updatedAt: '2026-01-05T09:05:00.000Z',
    available: null,
    failureReason: null,
    ...overrides,
  };
}

export function createUploadResponse(): CreateUploadResponse {
  return {
    id: UPLOAD_ID,
    target: {
      bucket: 'firm-dock',
      key: `uploads/${UPLOAD_ID}/scan.tif`,
      region: 'eu-west-1',
      endpoint: null,
      forcePathStyle: false,
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/dock',
    },
    credentials: {
      accessKeyId: 'ASIAFAKE',
      secretAccessKey: 'fake-secret',
      sessionToken: 'fake-session',
      expiration: '2026-01-05T10:00:00.000Z',
    },
  };
}
