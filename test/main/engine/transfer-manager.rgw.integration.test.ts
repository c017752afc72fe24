// The engine against Ceph RGW 16.2 where RGW answers unlike S3 (issue 16): ListParts on a gone
// upload answers 404 NoSuchKey, which made a resume after an abort or a lost completion fail for
// good (BUCKET_NOT_FOUND) and `cancel` after a pause warn "Could not abort" although RGW had.
// RGW refuses aws-chunked trailers after reading the whole body, checks no CRC32 at all, but checks
// Content-MD5: the probes learn that with one-byte parts, the parts go with their MD5, and the
// result says "content-md5", never "verified" by a CRC32 RGW never checked. A completion of an
// upload aborted behind our back (RGW: 500 "already in progress", for ever) ends in a new upload.
import { AbortMultipartUploadCommand, CreateBucketCommand, GetObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore, StaticCredentialProvider, type Clock, type ObjectStore } from '../../../src/main/engine/index.js';
import type { TransferTarget } from '../../../src/shared/transfer-model.js';
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

const rgwCredentials = () => new StaticCredentialProvider({ accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey });

function engineIn(home: string, bandwidthLimit?: number, extra: Parameters<typeof makeEngine>[1] = {}): Harness {
  return makeEngine(home, {
    credentials: rgwCredentials(),
    planLimits: { minPartSize: PART },
    concurrency: 1,
    stallTimeoutMs: 10_000,
    ...(bandwidthLimit !== undefined ? { bandwidthLimit } : {}),
    ...extra,
  });
}

interface PartCall {
  readonly bytes: number;
  readonly trailer: boolean;
  readonly md5: boolean;
  readonly refused: string | null;
}

/** A store on RGW whose `method` goes through `wrap` (the rest as it is). */
function storeWith<K extends 'uploadPart' | 'completeMultipartUpload'>(
  method: K,
  wrap: (inner: S3ObjectStore, ...args: Parameters<ObjectStore[K]>) => ReturnType<ObjectStore[K]>,
): (t: TransferTarget) => ObjectStore {
  return (t) => {
    const inner = new S3ObjectStore({ target: t, credentials: rgwCredentials(), stallTimeoutMs: 10_000 });
    return new Proxy(inner, {
      get(obj, prop, receiver) {
        if (prop !== method) return Reflect.get(obj, prop, receiver) as unknown;
        return (...args: Parameters<ObjectStore[K]>) => wrap(inner, ...args);
      },
    });
  };
}

/** Records every UploadPart: its size, how its checksum went, and any refusal. */
const recordingStore = (calls: PartCall[]) =>
  storeWith('uploadPart', async (inner, req, signal) => {
    const call = { bytes: req.contentLength, trailer: req.checksumCrc32 === undefined, md5: req.contentMd5 !== undefined };
    try {
      const out = await inner.uploadPart(req, signal);
      calls.push({ ...call, refused: null });
      return out;
    } catch (error) {
      calls.push({ ...call, refused: (error as Error).name });
      throw error;
    }
  });

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
  it('learns with one-byte probes what RGW checks, sends each part with its Content-MD5, and says content-md5', async () => {
    const home = tempDir();
    const file = randomFile(home, 2 * PART + 99);
    const calls: PartCall[] = [];
    const engine = engineIn(home, undefined, { storeFor: recordingStore(calls) });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: rgwTarget('md5.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await done).toMatchObject({ kind: 'completed', result: { verification: 'content-md5', fileReread: false } });
      // Three one-byte probes: the trailer refused (one byte wasted, not a part per part in flight),
      // a wrong CRC32 taken (RGW checks none), a wrong Content-MD5 refused.
      const probes = calls.filter((c) => c.bytes === 1);
      expect(probes.map((c) => [c.trailer, c.md5, c.refused])).toEqual([
        [true, false, 'ChecksumTrailerRefusedError'],
        [false, false, null],
        [false, true, 'DocksideError'],
      ]);
      // Every part of the file went once, with a header CRC32 and its MD5, and none was refused.
      expect(calls.filter((c) => c.bytes > 1)).toEqual([
        { bytes: PART, trailer: false, md5: true, refused: null },
        { bytes: PART, trailer: false, md5: true, refused: null },
        { bytes: 99, trailer: false, md5: true, refused: null },
      ]);
      expect(engine.journal.listParts(record.id).map((p) => p.verifiedBy)).toEqual(['content-md5', 'content-md5', 'content-md5']);
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ partChecksum: 'header', serverChecks: { trailers: false, crc32: false, contentMd5: true } });
      const log = engine.journal.queryLog({ transferId: record.id });
      expect(log.find((e) => e.type === 'part.checksum-header')).toMatchObject({ level: 'info', message: expect.stringMatching(/XAmzContentSHA256Mismatch/) });
      expect(log.at(-1)).toMatchObject({
        type: 'transfer.completed',
        message: "Upload complete, verified part by part by the server's Content-MD5 checks (it checks no CRC32).",
      });
      expect(sha256(await objectBytes('md5.bin'))).toBe(file.sha256);

      // The next transfer to RGW knows it takes no trailers: no trailer probe, no trailer at all.
      calls.length = 0;
      const second = randomFile(home, PART + 7);
      const next = await engine.manager.add({ filePath: second.path, target: rgwTarget('md5-2.bin'), partSize: PART });
      const nextDone = engine.manager.waitFor(next.id);
      engine.manager.start(next.id);
      expect(await nextDone).toMatchObject({ kind: 'completed', result: { verification: 'content-md5' } });
      expect(calls.filter((c) => c.trailer)).toEqual([]);
      expect(calls.filter((c) => c.bytes === 1)).toHaveLength(2);
    } finally {
      await engine.close();
    }
  });

  it('a completion of an upload aborted behind its back (RGW: 500 "already in progress") ends in a new upload, not a retry for ever', async () => {
    const home = tempDir();
    const file = randomFile(home, PART + 4321);
    let aborted: string | null = null;
    const storeFor = storeWith('completeMultipartUpload', async (inner, req, signal) => {
      if (aborted === null) {
        aborted = req.uploadId;
        await s3.send(new AbortMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, UploadId: req.uploadId }));
      }
      return inner.completeMultipartUpload(req, signal);
    });
    // The waits for a completion in progress (2.5 min in all) pass 500 times faster here.
    const quick: Clock = {
      now: () => Date.now(),
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms / 500);
          signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), { once: true });
        }),
    };
    const engine = engineIn(home, undefined, { storeFor, clock: quick });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: rgwTarget('aborted-at-complete.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await done).toMatchObject({ kind: 'completed', result: { verification: 'content-md5' } });
      expect(engine.journal.getTransfer(record.id)!.uploadId).not.toBe(aborted);
      expect(engine.journal.queryLog({ transferId: record.id }).some((e) => e.type === 'upload.restarted')).toBe(true);
      expect(sha256(await objectBytes('aborted-at-complete.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });
});
