// Pagination and errors of the dock's object lister (the cleanup job's DockObjects), with a stub
// client: moto answers small listings in one page.
import { describe, expect, it } from 'vitest';
import { S3DockObjects } from '../../../backend/src/aws/s3-dock-objects.js';
import { stubS3 as stub } from './s3-stub.js';

describe('S3DockObjects', () => {
  it('lists uploads/ page by page with the continuation token, with each object\'s LastModified', async () => {
    const at = new Date('2026-12-01T10:00:00Z');
    const pages = [
      { Contents: [{ Key: 'uploads/a', LastModified: at }, { Key: 'uploads/b', LastModified: at }], IsTruncated: true, NextContinuationToken: 't1' },
      { Contents: [{ Key: 'uploads/c', LastModified: at }], IsTruncated: false },
    ];
    const { client, sent } = stub(() => pages.shift());
    const seen = [];
    for await (const o of new S3DockObjects(client, 'dock', 2).list()) seen.push(o);
    expect(seen).toEqual(['uploads/a', 'uploads/b', 'uploads/c'].map((key) => ({ key, lastModified: at.getTime() })));
    expect(sent.map((c) => [c.input.Bucket, c.input.Prefix, c.input.MaxKeys, c.input.ContinuationToken])).toEqual([
      ['dock', 'uploads/', 2, undefined],
      ['dock', 'uploads/', 2, 't1'],
    ]);
  });

  it('stops at a truncated page without a token rather than asking for the first page again', async () => {
    const { client, sent } = stub(() => ({ Contents: [], IsTruncated: true }));
    for await (const _ of new S3DockObjects(client, 'dock').list()) expect.unreachable();
    expect(sent).toHaveLength(1);
  });

  it('reports a failing listing or delete as a step error the next round retries', async () => {
    const { client } = stub(() => {
      throw Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    });
    const objects = new S3DockObjects(client, 'dock');
    await expect(objects.delete('uploads/a')).rejects.toMatchObject({ code: 'AWS_ERROR', message: expect.stringMatching(/DeleteObject \(dock\) failed: SlowDown/) });
    await expect(objects.list()[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'AWS_ERROR', message: expect.stringMatching(/ListObjectsV2/) });
  });
});
