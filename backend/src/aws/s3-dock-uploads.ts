/** The dock's in-progress multipart uploads (the DockUploads port), for the cleanup job. */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsStepError, type DockMultipartUpload, type DockUploads } from '../domain/job-ports.js';

export class S3DockUploads implements DockUploads {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** Page size asked of S3 (it caps at 1000). */
    private readonly pageSize = 1000,
  ) {}

  async *list(): AsyncIterable<DockMultipartUpload> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let out;
      try {
        out = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, MaxUploads: this.pageSize, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
      } catch (error) {
        throw wrap('ListMultipartUploads', error);
      }
      for (const u of out.Uploads ?? []) {
        if (u.Key && u.UploadId) yield { key: u.Key, uploadId: u.UploadId };
      }
      if (!out.IsTruncated) return;
      // A truncated page without markers would loop forever: stop rather than spin.
      if (!out.NextKeyMarker && !out.NextUploadIdMarker) return;
      keyMarker = out.NextKeyMarker;
      uploadIdMarker = out.NextUploadIdMarker;
    }
  }

  async abort(upload: DockMultipartUpload): Promise<'aborted' | 'already-gone'> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.key, UploadId: upload.uploadId }));
      return 'aborted';
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      // Another instance (or the client) aborted or completed it first: the outcome we wanted.
      if (e.name === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404) return 'already-gone';
      throw wrap('AbortMultipartUpload', error);
    }
  }
}

const wrap = (operation: string, error: unknown) => awsStepError(`S3 ${operation} (dock)`, error);
