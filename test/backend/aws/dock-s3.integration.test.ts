// The S3 dock adapter on moto: exact-key aborts (a longer key sharing the prefix is left alone),
// existence checks, idempotent deletes.
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Dock } from '../../../backend/src/aws/dock-s3.js';
import { startMotoBackend, type MotoBackend } from './moto-backend.js';

let moto: MotoBackend;
let dock: S3Dock;

beforeAll(async () => {
  moto = await startMotoBackend();
  dock = new S3Dock(moto.s3, moto.dockBucket);
});

afterAll(async () => {
  await moto?.stop();
});

const open = async (prefix: string) =>
  ((await moto.s3.send(new ListMultipartUploadsCommand({ Bucket: moto.dockBucket, Prefix: prefix }))).Uploads ?? []).map((u) => u.Key);

describe('S3Dock', () => {
  it('aborts every multipart upload of exactly the key, and only those', async () => {
    const key = 'uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/a.bin';
    for (const k of [key, key, `${key}.other`]) await moto.s3.send(new CreateMultipartUploadCommand({ Bucket: moto.dockBucket, Key: k }));
    expect(await dock.abortMultipartUploads(key)).toBe(2);
    expect(await open('uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/')).toEqual([`${key}.other`]);
    expect(await dock.abortMultipartUploads(key)).toBe(0);
  });

  it('tells whether a finished object exists, and deletes it idempotently', async () => {
    const key = 'uploads/01JBBBBBBBBBBBBBBBBBBBBBBB/b.bin';
    expect(await dock.objectExists(key)).toBe(false);
    await moto.s3.send(new PutObjectCommand({ Bucket: moto.dockBucket, Key: key, Body: 'x' }));
    expect(await dock.objectExists(key)).toBe(true);
    await dock.deleteObject(key);
    await dock.deleteObject(key);
    expect(await dock.objectExists(key)).toBe(false);
  });
});
