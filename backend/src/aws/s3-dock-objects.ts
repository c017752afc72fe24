/** The dock's objects under `uploads/` (the DockObjects port), for the cleanup job. */
import { DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { awsStepError, type DockObject, type DockObjects } from '../domain/job-ports.js';
import { DOCK_KEY_PREFIX } from '../domain/key-naming.js';

export class S3DockObjects implements DockObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** Page size asked of S3 (it caps at 1000). */
    private readonly pageSize = 1000,
  ) {}

  async *list(): AsyncIterable<DockObject> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: DOCK_KEY_PREFIX, MaxKeys: this.pageSize, ContinuationToken: token }));
      } catch (error) {
        throw awsStepError('S3 ListObjectsV2 (dock)', error);
      }
      for (const o of out.Contents ?? []) {
        if (o.Key && o.LastModified) yield { key: o.Key, lastModified: o.LastModified.getTime() };
      }
      // A truncated page without a token would loop forever: stop rather than spin.
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    try {
      // S3 answers 204 for a key that is not there.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw awsStepError('S3 DeleteObject (dock)', error);
    }
  }
}
