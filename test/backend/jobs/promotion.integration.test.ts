// The promotion worker on moto, against a stack deployed from the CloudFormation template: real
// multipart uploads into the dock (SSE-KMS, CRC32), moto's own S3 → SQS events (two ObjectCreated
// per completion, plus s3:TestEvent), the DynamoDB upload store and the FIFO notification queue.
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAvailableMessageSchema } from '../../../backend/src/domain/file-available.js';
import type { PromotionStorage } from '../../../backend/src/domain/job-ports.js';
import { PromotionJob } from '../../../backend/src/jobs/promotion.job.js';
import type { MotoServer } from '../../support/moto-server.js';
import { captureLog } from '../log-capture.js';
import {
  bufferSource,
  createRecord,
  deployJobStack,
  drainQueue,
  eventually,
  getObject,
  MiB,
  multipartUpload,
  objectCreatedEvent,
  queueDepth,
  randomData,
  runUntilQuiet,
  sendEvent,
  startJobsMoto,
  type JobStack,
} from './job-stack.js';

let moto: MotoServer;
let js: JobStack;

beforeAll(async () => {
  moto = await startJobsMoto();
  js = await deployJobStack(moto);
});

afterAll(async () => {
  js?.destroy();
  await moto?.stop();
});

async function headOrNull(bucket: string, key: string) {
  try {
    return await js.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (e) {
    if ((e as { name?: string }).name === 'NotFound') return null;
    throw e;
  }
}

describe('promotion job on moto', () => {
  it('promotes a normal upload: byte-identical, permanent key, dock copy gone, exactly one "file available", record available', async () => {
    const data = randomData(6 * MiB + 12345);
    const record = await createRecord(js, { size: data.length, fileName: 'Übersicht Q3 (é).bin' });
    const uploaded = await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 2 * MiB });

    const started = Date.now();
    const job = new PromotionJob(js.promotionOptions());
    job.start();
    // Announced: `available` and the notification recorded (a moment after the status).
    const available = await eventually(
      async () => {
        const r = await js.store.get(record.id);
        return r?.status === 'available' && r.notifiedAt !== null ? r : undefined;
      },
      30_000,
      'the upload to be available and announced',
    );
    const promotionMs = Date.now() - started;
    await job.stop(5_000);
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    console.info(`promotion of a ${(data.length / MiB).toFixed(1)} MiB upload on moto: ${promotionMs} ms`);

    const permanent = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.permanentBucket, Key: record.dockKey, ChecksumMode: 'ENABLED' }));
    expect(permanent.SSEKMSKeyId).toBe(js.stack.permanentKmsKeyArn);
    expect(permanent.ChecksumCRC32).toBe(uploaded.checksum);
    expect(permanent.Metadata).toMatchObject({ 'upload-id': record.id, uploader: encodeURIComponent(record.owner), 'checksum-crc32': uploaded.checksum, 'source-etag': uploaded.etag });
    expect((await getObject(js.s3, js.stack.permanentBucket, record.dockKey)).equals(data)).toBe(true);
    expect(await headOrNull(js.stack.dockBucket, record.dockKey)).toBeNull();

    expect(available.permanent).toEqual({
      bucket: js.stack.permanentBucket,
      key: record.dockKey,
      checksum: uploaded.checksum,
      checksumType: 'FULL_OBJECT',
      etag: expect.any(String),
    });
    expect(available.notifiedAt).not.toBeNull();

    const notes = await drainQueue(js.sqs, js.stack.notifyQueueUrl);
    expect(notes).toHaveLength(1);
    const note = fileAvailableMessageSchema.parse(JSON.parse(notes[0]!.Body!));
    expect(note).toMatchObject({ uploadId: record.id, bucket: js.stack.permanentBucket, key: record.dockKey, size: data.length, checksum: { value: uploaded.checksum } });
    expect(await drainQueue(js.sqs, js.stack.eventDeadLetterQueueUrl, 0)).toHaveLength(0);
  });

  it('a duplicate event for a promoted upload is consumed without a second message or any change', async () => {
    const data = randomData(300_000);
    const record = await createRecord(js, { size: data.length });
    const uploaded = await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 100_000 });
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    const before = await js.store.get(record.id);
    expect(before?.status).toBe('available');
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);

    await sendEvent(js.sqs, js.stack.eventQueueUrl, objectCreatedEvent(js.stack.dockBucket, record.dockKey, data.length, uploaded.etag));
    await sendEvent(js.sqs, js.stack.eventQueueUrl, objectCreatedEvent(js.stack.dockBucket, record.dockKey, data.length, uploaded.etag, 'ObjectCreated:Put'));
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);

    expect(await js.store.get(record.id)).toEqual(before);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(0);
  });

  it('ignores s3:TestEvent (deletes it, touches nothing)', async () => {
    await sendEvent(js.sqs, js.stack.eventQueueUrl, JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: js.stack.dockBucket }));
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl, 0)).toHaveLength(0);
    expect(await drainQueue(js.sqs, js.stack.eventDeadLetterQueueUrl, 0)).toHaveLength(0);
  });

  it('copies in parts above the threshold (UploadPartCopy, FULL_OBJECT CRC32 verified by S3 and again after)', async () => {
    const data = randomData(5 * MiB + 777);
    const record = await createRecord(js, { size: data.length });
    const uploaded = await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 2 * MiB });
    await runUntilQuiet(new PromotionJob(js.promotionOptions({ copy: { multipartThreshold: MiB, partSize: MiB, minPartSize: 1024 } })), js);

    const done = await js.store.get(record.id);
    expect(done?.status).toBe('available');
    const permanent = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.permanentBucket, Key: record.dockKey, ChecksumMode: 'ENABLED' }));
    expect(permanent.ETag).toMatch(/-6"$/);
    expect(permanent.ChecksumCRC32).toBe(uploaded.checksum);
    expect(permanent.ChecksumType).toBe('FULL_OBJECT');
    expect(permanent.SSEKMSKeyId).toBe(js.stack.permanentKmsKeyArn);
    expect((await getObject(js.s3, js.stack.permanentBucket, record.dockKey)).equals(data)).toBe(true);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });

  it('copies a COMPOSITE-checksum upload part for part, so the composite checksums compare', async () => {
    const data = randomData(3 * 70_000 + 5);
    const record = await createRecord(js, { size: data.length, checksumType: 'COMPOSITE' });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 70_000, checksumType: 'COMPOSITE' });
    const dock = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.dockBucket, Key: record.dockKey, ChecksumMode: 'ENABLED' }));
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);

    const done = await js.store.get(record.id);
    expect(done?.status).toBe('available');
    expect(done?.permanent).toMatchObject({ checksum: dock.ChecksumCRC32, checksumType: 'COMPOSITE' });
    const permanent = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.permanentBucket, Key: record.dockKey, ChecksumMode: 'ENABLED' }));
    expect(permanent.ETag).toMatch(/-4"$/);
    expect((await getObject(js.s3, js.stack.permanentBucket, record.dockKey)).equals(data)).toBe(true);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });

  it('after a crash between copy and delete, the redelivery finishes without copying again: one notification', async () => {
    const data = randomData(400_000);
    const record = await createRecord(js, { size: data.length });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 150_000 });

    let copies = 0;
    let crashes = 0;
    const real = js.ports.storage;
    const crashing: PromotionStorage = {
      headDock: (k, p) => real.headDock(k, p),
      headPermanent: (k) => real.headPermanent(k),
      copy: async (r) => {
        copies += 1;
        await real.copy(r);
      },
      deleteDock: async (k) => {
        if (crashes === 0) {
          crashes += 1;
          throw new Error('simulated crash after the copy, before the dock delete');
        }
        await real.deleteDock(k);
      },
    };
    await runUntilQuiet(new PromotionJob(js.promotionOptions({ storage: crashing })), js);

    expect(crashes).toBe(1);
    expect(copies).toBe(1);
    const done = await js.store.get(record.id);
    expect(done?.status).toBe('available');
    expect(await headOrNull(js.stack.dockBucket, record.dockKey)).toBeNull();
    expect((await getObject(js.s3, js.stack.permanentBucket, record.dockKey)).equals(data)).toBe(true);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });

  it('finishes when the dock copy is already gone and the permanent copy is verified (crash after delete)', async () => {
    const data = randomData(200_000);
    const record = await createRecord(js, { size: data.length });
    const uploaded = await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 100_000 });
    // First attempt stops right after deleting the dock object, before the record moves on.
    const real = js.ports.storage;
    let stopped = false;
    const stopAfterDelete: PromotionStorage = {
      ...real,
      headDock: (k, p) => real.headDock(k, p),
      headPermanent: (k) => real.headPermanent(k),
      copy: (r) => real.copy(r),
      deleteDock: async (k) => {
        await real.deleteDock(k);
        if (!stopped) {
          stopped = true;
          throw new Error('simulated crash after the dock delete');
        }
      },
    };
    await runUntilQuiet(new PromotionJob(js.promotionOptions({ storage: stopAfterDelete })), js);
    expect(stopped).toBe(true);
    const done = await js.store.get(record.id);
    expect(done?.status).toBe('available');
    expect(done?.permanent?.checksum).toBe(uploaded.checksum);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });

  it('two instances sharing the queue promote one upload once and send one notification', async () => {
    const data = randomData(500_000);
    const record = await createRecord(js, { size: data.length });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 200_000 });
    const a = new PromotionJob(js.promotionOptions({ concurrency: 1 }));
    const b = new PromotionJob(js.promotionOptions({ concurrency: 1 }));
    b.start();
    await runUntilQuiet(a, js);
    await b.stop(5_000);
    expect((await js.store.get(record.id))?.status).toBe('available');
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });

  it('marks the record failed with a reason when the object does not match the announced size, then deletes it from the dock', async () => {
    const data = randomData(100_000);
    const record = await createRecord(js, { size: data.length + 1 });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 60_000 });
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    const failed = await js.store.get(record.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.failureReason).toMatch(/100000 bytes but 100001 were announced/);
    expect(await headOrNull(js.stack.dockBucket, record.dockKey)).toBeNull();
    expect(await headOrNull(js.stack.permanentBucket, record.dockKey)).toBeNull();
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl, 0)).toHaveLength(0);
  });

  it('deletes, never promotes, an object written to the key of a cancelled upload with its still-valid credentials, and says so in an audit line', async () => {
    const record = await createRecord(js, { size: 1000 });
    // DELETE /v1/uploads/{id}: the record is aborted; the client still holds credentials for its key.
    await js.store.transition(record.id, ['uploading'], 'aborted');
    await js.s3.send(new PutObjectCommand({ Bucket: js.stack.dockBucket, Key: record.dockKey, Body: randomData(1000), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: js.stack.dockKmsKeyArn }));
    const log = captureLog();
    await runUntilQuiet(new PromotionJob(js.promotionOptions({ logger: pino({ level: 'info' }, log.destination) })), js);

    expect(await headOrNull(js.stack.dockBucket, record.dockKey)).toBeNull();
    expect(await headOrNull(js.stack.permanentBucket, record.dockKey)).toBeNull();
    expect((await js.store.get(record.id))?.status).toBe('aborted');
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl, 0)).toHaveLength(0);
    const audit = log.entries().filter((e) => e['audit'] === true);
    expect(audit).toEqual([expect.objectContaining({ event: 'dock.object-deleted', uploadId: record.id, key: record.dockKey, size: 1000, reason: 'the upload is aborted' })]);
    expect(await drainQueue(js.sqs, js.stack.eventDeadLetterQueueUrl, 0)).toHaveLength(0);
  });

  it('deletes a rewrite of the key after promotion, leaving the permanent copy, the record and the one notification as they were', async () => {
    const data = randomData(300_000);
    const record = await createRecord(js, { size: data.length });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 100_000 });
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    const promoted = await js.store.get(record.id);
    expect(promoted?.status).toBe('available');
    const permanentBefore = await headOrNull(js.stack.permanentBucket, record.dockKey);

    // The same size, so only the key's owner could tell it from the original.
    await js.s3.send(new PutObjectCommand({ Bucket: js.stack.dockBucket, Key: record.dockKey, Body: randomData(data.length), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: js.stack.dockKmsKeyArn }));
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);

    expect(await headOrNull(js.stack.dockBucket, record.dockKey)).toBeNull();
    expect((await getObject(js.s3, js.stack.permanentBucket, record.dockKey)).equals(data)).toBe(true);
    expect((await headOrNull(js.stack.permanentBucket, record.dockKey))?.ETag).toBe(permanentBefore?.ETag);
    expect(await js.store.get(record.id)).toEqual(promoted);
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });

  it('graceful stop hands unfinished messages back at once (ChangeMessageVisibility 0)', async () => {
    const data = randomData(150_000);
    const record = await createRecord(js, { size: data.length });
    await multipartUpload(js, record.dockKey, bufferSource(data), { partSize: 100_000 });

    const real = js.ports.storage;
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let copyStarted!: () => void;
    const started = new Promise<void>((r) => (copyStarted = r));
    const slow: PromotionStorage = {
      headDock: (k, p) => real.headDock(k, p),
      headPermanent: (k) => real.headPermanent(k),
      copy: async (r) => {
        copyStarted();
        await released;
        await real.copy(r);
      },
      deleteDock: (k) => real.deleteDock(k),
    };
    // The stack's visibility timeout is 120 s: only the hand-back makes the message visible now.
    const job = new PromotionJob(js.promotionOptions({ storage: slow, concurrency: 1 }));
    job.start();
    await started;
    const stopAt = Date.now();
    await job.stop(300);
    const stopMs = Date.now() - stopAt;
    expect(stopMs).toBeLessThan(3_000);
    expect((await js.store.get(record.id))?.status).toBe('promoting');
    const visible = await eventually(
      async () => {
        const d = await queueDepth(js.sqs, js.stack.eventQueueUrl);
        return d.inFlight === 0 ? d : undefined;
      },
      5_000,
      'the handed-back message to be visible',
    );
    // Both of moto's events for the upload: the one handed back and the one never taken.
    expect(visible).toEqual({ visible: 2, inFlight: 0 });
    release();

    // Another instance picks it up at once and finishes the promotion left at `promoting`.
    await runUntilQuiet(new PromotionJob(js.promotionOptions()), js);
    expect((await js.store.get(record.id))?.status).toBe('available');
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  });
});

describe('promotion job: poison messages go to the dead-letter queue; objects no upload owns are deleted', () => {
  let small: JobStack;
  beforeAll(async () => {
    small = await deployJobStack(moto, { EventQueueMaxReceiveCount: 2, EventQueueVisibilityTimeoutSeconds: 1 });
  });
  afterAll(() => small?.destroy());

  it('a message that is not an S3 event ends in the DLQ after maxReceiveCount; an object at a key with no upload record is deleted and its event consumed', async () => {
    await sendEvent(small.sqs, small.stack.eventQueueUrl, 'this is not an S3 event {');
    const orphanKey = 'uploads/01JBZ8Z9Q4K3M2N1P0R9S8T7V6/nobody.bin';
    // Its own ObjectCreated events come from moto.
    await small.s3.send(new PutObjectCommand({ Bucket: small.stack.dockBucket, Key: orphanKey, Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: small.stack.dockKmsKeyArn }));
    const job = new PromotionJob(small.promotionOptions({ visibilityTimeoutSeconds: 1 }));
    job.start();
    try {
      await eventually(
        async () => {
          const dead = await queueDepth(small.sqs, small.stack.eventDeadLetterQueueUrl);
          const live = await queueDepth(small.sqs, small.stack.eventQueueUrl);
          return dead.visible >= 1 && live.visible === 0 && live.inFlight === 0 ? true : undefined;
        },
        20_000,
        'the poison message in the dead-letter queue and the event queue empty',
      );
    } finally {
      await job.stop(2_000);
    }
    const bodies = (await drainQueue(small.sqs, small.stack.eventDeadLetterQueueUrl)).map((m) => m.Body);
    expect(bodies).toEqual(['this is not an S3 event {']);
    await expect(small.s3.send(new HeadObjectCommand({ Bucket: small.stack.dockBucket, Key: orphanKey }))).rejects.toMatchObject({ name: 'NotFound' });
  });
});
