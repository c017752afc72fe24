// The engine against Ceph RGW 16.2 where RGW answers unlike S3 (issue 16): ListParts on a gone
// upload answers 404 NoSuchKey, which made a resume after an abort or a lost completion fail for
// good (BUCKET_NOT_FOUND) and `cancel` after a pause warn "Could not abort" although RGW had.
import { AbortMultipartUploadCommand, CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StaticCredentialProvider } from '../../../src/main/engine/index.js';
import { makeEngine, randomFile, sha256, target, tempDir, whenPartsDone, type Harness } from '../../support/engine-harness.js';
import { uniqueBucketName } from '../../support/moto-server.js';
import { sharedRgw, type RgwEndpoint } from '../../support/rgw.js';

const MiB = 1024 * 1024;
/** RGW, like S3, takes parts of at least 5 MiB before the last. */
const PART = 5 * MiB;

let rgw: RgwEndpoint;
let s3: S3Client;
let bucket: string;

beforeAll(async () => {
  rgw = await sharedRgw();
  s3 = new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  });
  bucket = uniqueBucketName('engine');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}, 240_000);
afterAll(() => s3?.destroy());

function engineIn(home: string, bandwidthLimit?: number): Harness {
  return makeEngine(home, {
    credentials: new StaticCredentialProvider({ accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey }),
    planLimits: { minPartSize: PART },
    concurrency: 1,
    stallTimeoutMs: 10_000,
    ...(bandwidthLimit !== undefined ? { bandwidthLimit } : {}),
  });
}

const rgwTarget = (key: string) => ({ ...target(rgw.endpoint, bucket, key), region: rgw.region });

async function objectBytes(key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

async function uploadsOf(key: string): Promise<string[]> {
  const out = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  return (out.Uploads ?? []).filter((u) => u.Key === key).map((u) => u.UploadId!);
}

/** A transfer of the file at `path` to `key`, started slowly and paused once its first part is journaled. */
async function pausedAfterOnePart(engine: Harness, path: string, key: string): Promise<string> {
  const record = await engine.manager.add({ filePath: path, target: rgwTarget(key), partSize: PART });
  engine.manager.start(record.id);
  await whenPartsDone(engine, record.id, 1);
  await engine.manager.pause(record.id);
  return record.id;
}

describe('the engine on Ceph RGW 16.2', () => {
  it('resumes an upload aborted behind its back with a new upload, instead of failing for good', async () => {
    const home = tempDir();
    const file = randomFile(home, 2 * PART + 1234);
    // Slow enough to pause after the first part.
    const engine = engineIn(home, 8 * MiB);
    try {
      const id = await pausedAfterOnePart(engine, file.path, 'aborted.bin');
      const doomed = engine.journal.getTransfer(id)!.uploadId!;
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'aborted.bin', UploadId: doomed }));

      engine.manager.setBandwidthLimit(null);
      const done = engine.manager.waitFor(id);
      engine.manager.start(id);
      expect(await done).toMatchObject({ kind: 'completed' });
      expect(engine.journal.getTransfer(id)!.uploadId).not.toBe(doomed);
      expect(engine.journal.queryLog({ transferId: id }).some((e) => e.type === 'upload.restarted')).toBe(true);
      expect(sha256(await objectBytes('aborted.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('adopts the object when a completion RGW processed was not journaled', async () => {
    const home = tempDir();
    const file = randomFile(home, PART + 777);
    const engine = engineIn(home);
    try {
      const record = await engine.manager.add({ filePath: file.path, target: rgwTarget('lost.bin'), partSize: PART });
      const first = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await first).kind).toBe('completed');
      // As if the process died after RGW completed the upload but before the journal said so.
      engine.journal.setState(record.id, 'completing');

      const second = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await second).toMatchObject({ kind: 'completed' });
      expect(engine.journal.getTransfer(record.id)!.state).toBe('completed');
      expect(sha256(await objectBytes('lost.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('cancels a paused upload: aborted on RGW, and no "Could not abort" warning', async () => {
    const home = tempDir();
    const file = randomFile(home, 2 * PART + 1234);
    const engine = engineIn(home, 8 * MiB);
    try {
      const id = await pausedAfterOnePart(engine, file.path, 'cancel.bin');
      expect(await uploadsOf('cancel.bin')).toHaveLength(1);

      await engine.manager.cancel(id);
      expect(engine.journal.getTransfer(id)!.state).toBe('cancelled');
      expect(await uploadsOf('cancel.bin')).toEqual([]);
      const log = engine.journal.queryLog({ transferId: id });
      expect(log.filter((e) => e.type === 'abort.failed')).toEqual([]);
    } finally {
      await engine.close();
    }
  });
});
