// The promotion worker refuses a dock object that is not SSE-KMS under the dock key. On AWS the
// dock's bucket policy already refuses such writes (test/backend/infra/bucket-policy.test.ts);
// moto enforces no bucket policy, so here the objects get in, exactly as they would on any stack
// whose policy were missing or wrong, and the worker is the net: the upload fails with a reason
// and nothing reaches the permanent bucket.
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionJob } from '../../../backend/src/jobs/promotion.job.js';
import type { MotoServer } from '../../support/moto-server.js';
import { bufferSource, clientConfig, createRecord, deployJobStack, MiB, multipartUpload, randomData, runUntilQuiet, startJobsMoto, type JobStack } from './job-stack.js';

let moto: MotoServer;
let js: JobStack;
let otherKeyArn: string;

beforeAll(async () => {
  moto = await startJobsMoto();
  js = await deployJobStack(moto);
  const kms = new KMSClient(clientConfig(moto.endpoint));
  otherKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'not the dock key' }))).KeyMetadata!.Arn!;
  kms.destroy();
});

afterAll(async () => {
  js?.destroy();
  await moto?.stop();
});

async function permanentExists(key: string): Promise<boolean> {
  try {
    await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.permanentBucket, Key: key }));
    return true;
  } catch (e) {
    if ((e as { name?: string }).name === 'NotFound') return false;
    throw e;
  }
}

describe('promotion of dock objects by their encryption', () => {
  it.each([
    ['SSE-S3 (AES256)', () => ({ ServerSideEncryption: 'AES256' as const }), /stored with AES256, not under the loading dock's KMS key/],
    ['SSE-KMS under another key', () => ({ ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: otherKeyArn }), /encrypted with .*, not the loading dock's key/],
  ])('refuses %s: the upload fails with the reason and nothing is promoted', async (_what, encryption, reason) => {
    const data = randomData(2 * MiB + 17);
    const record = await createRecord(js, { size: data.length });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: MiB, encryption: encryption() });
    const head = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.dockBucket, Key: record.dockKey }));
    expect(head.ServerSideEncryption).toBe(encryption().ServerSideEncryption);

    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    const after = await js.store.get(record.id);
    expect(after?.status).toBe('failed');
    expect(after?.failureReason).toMatch(reason);
    expect(await permanentExists(record.dockKey)).toBe(false);
  });

  it('promotes SSE-KMS under the dock key, named by the client or left to the bucket default', async () => {
    const data = randomData(2 * MiB + 3);
    const named = await createRecord(js, { size: data.length });
    await multipartUpload(js, named.dockKey, bufferSource(data), { partSize: MiB });
    const byDefault = await createRecord(js, { size: data.length });
    await multipartUpload(js, byDefault.dockKey, bufferSource(data), { partSize: MiB, encryption: {} });
    const head = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.dockBucket, Key: byDefault.dockKey }));
    expect([head.ServerSideEncryption, head.SSEKMSKeyId]).toEqual(['aws:kms', js.stack.dockKmsKeyArn]);
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    for (const r of [named, byDefault]) {
      expect((await js.store.get(r.id))?.status).toBe('available');
      expect(await permanentExists(r.dockKey)).toBe(true);
    }
  });
});
