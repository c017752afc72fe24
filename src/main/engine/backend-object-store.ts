/**
 * The object store of a transfer the companion backend set up. Its credentials are narrowed by a
 * session policy to writing one key (PutObject, AbortMultipartUpload, ListMultipartUploadParts):
 * HeadObject (s3:GetObject) and ListMultipartUploads are refused by real S3. This decorator
 * answers those two questions another way:
 *  - "is our object there?" comes from the backend's view of the upload (docked or later means S3
 *    completed it; `available` carries the checksum S3 verified); the object may already have
 *    left the dock, and the upload's credentials end with the upload;
 *  - "which unrecorded uploads of this key exist?" cannot be answered, so none are aborted here:
 *    the backend's cleanup job and the dock's lifecycle rule remove abandoned uploads.
 * Credentials in hand outlive a cancel on the server until they expire, so before S3 is asked for a
 * new multipart upload (the first, or after S3 forgot one) the backend must still call the upload
 * `uploading`; an upload it ended (aborted, failed) stops the transfer with UPLOAD_CANCELLED.
 */
import { DocksideError } from '../../shared/errors.js';
import { classifyError } from './retry.js';
import { uploadEndedError, type BackendClient } from './backend-client.js';
import type { CompleteUploadRequest, CreateUploadRequest, ObjectStore, RemoteObject, RemotePart, UploadedPart, UploadPartRequest } from './ports.js';

const COMPLETED_STATUSES = new Set(['docked', 'promoting', 'available']);

export class BackendObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly backend: BackendClient,
    private readonly uploadId: string,
  ) {}

  async createMultipartUpload(req: CreateUploadRequest, signal?: AbortSignal): Promise<{ uploadId: string }> {
    const view = await this.backend.getUpload(this.uploadId, signal);
    const ended = uploadEndedError(view);
    if (ended) throw ended;
    if (view.status !== 'uploading') {
      throw new DocksideError('INVALID_STATE', `The Dockside server already has the file of upload ${this.uploadId} (it is ${view.status}); Dockside does not send it again.`);
    }
    return this.inner.createMultipartUpload(req, signal);
  }

  uploadPart(req: UploadPartRequest, signal?: AbortSignal): Promise<UploadedPart> {
    return this.inner.uploadPart(req, signal);
  }

  listParts(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<RemotePart[]> {
    return this.inner.listParts(req, signal);
  }

  async listUploads(req: { bucket: string; key: string }, signal?: AbortSignal): Promise<string[]> {
    try {
      return await this.inner.listUploads(req, signal);
    } catch (error) {
      if (classifyError(error).code === 'ACCESS_DENIED') return [];
      throw error;
    }
  }

  uploadExists(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<boolean> {
    return this.inner.uploadExists(req, signal);
  }

  completeMultipartUpload(req: CompleteUploadRequest, signal?: AbortSignal): Promise<{ etag: string }> {
    return this.inner.completeMultipartUpload(req, signal);
  }

  abortMultipartUpload(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<void> {
    return this.inner.abortMultipartUpload(req, signal);
  }

  /**
   * Never S3's HeadObject: the session policy does not allow it, and once S3 has completed the
   * upload the backend stops vending credentials for it (the upload is docked, then promoted).
   */
  async headObject(_req: { bucket: string; key: string }, signal?: AbortSignal): Promise<RemoteObject | null> {
    const view = await this.backend.getUpload(this.uploadId, signal);
    // Ended: no object of ours will be there, however long the caller waits for one.
    const ended = uploadEndedError(view);
    if (ended) throw ended;
    if (!COMPLETED_STATUSES.has(view.status)) return null;
    return {
      size: view.size,
      etag: '',
      metadata: {},
      ...(view.available ? { checksumCrc32: view.available.checksum } : {}),
    };
  }

  refreshCredentials(): void {
    this.inner.refreshCredentials();
  }

  async endUpload(signal?: AbortSignal): Promise<void> {
    await this.backend.abortUpload(this.uploadId, signal);
  }
}
