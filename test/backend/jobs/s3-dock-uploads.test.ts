// Pagination and NoSuchUpload handling of the dock's multipart-upload lister. moto ignores
// MaxUploads (it answers everything in one page), so paging is shown with a stub client.
import { describe, expect, it } from 'vitest';
import { S3DockUploads } from '../../../backend/src/aws/s3-dock-uploads.js';
import { stubS3 as stub } from './s3-stub.js';

describe('S3DockUploads', () => {
  it('follows KeyMarker/UploadIdMarker across pages', async () => {
    const pages = [
      { Uploads: [{ Key: 'a', UploadId: '1' }, { Key: 'b', UploadId: '2' }], IsTruncated: true, NextKeyMarker: 'b', NextUploadIdMarker: '2' },
      { Uploads: [{ Key: 'c', UploadId: '3' }], IsTruncated: false },
    ];
    const { client, sent } = stub(() => pages.shift());
    const seen = [];
    for await (const u of new S3DockUploads(client, 'dock', 2).list()) seen.push(u);
    expect(seen).toEqual([
      { key: 'a', uploadId: '1' },
      { key: 'b', uploadId: '2' },
      { key: 'c', uploadId: '3' },
    ]);
    expect(sent.map((c) => [c.input.KeyMarker, c.input.UploadIdMarker, c.input.MaxUploads])).toEqual([
      [undefined, undefined, 2],
      ['b', '2', 2],
    ]);
  });

  it('counts NoSuchUpload on abort as already gone, and other errors as failures', async () => {
    const gone = stub(() => {
      throw Object.assign(new Error('gone'), { name: 'NoSuchUpload', $metadata: { httpStatusCode: 404 } });
    });
    expect(await new S3DockUploads(gone.client, 'dock').abort({ key: 'k', uploadId: 'u' })).toBe('already-gone');
    const denied = stub(() => {
      throw Object.assign(new Error('no'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    });
    await expect(new S3DockUploads(denied.client, 'dock').abort({ key: 'k', uploadId: 'u' })).rejects.toMatchObject({ code: 'AWS_ERROR' });
  });
});
