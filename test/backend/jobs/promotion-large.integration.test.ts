// An object larger than S3's 5 GiB CopyObject limit, promoted with UploadPartCopy at the real
// threshold. Gated (DOCKSIDE_LARGE_TESTS=1): moto keeps the assembled object in memory while it
// completes an upload and reads the whole source for every UploadPartCopy, so this needs about
// 12 GiB of RAM, 25 GiB of /tmp and a few minutes; the normal suite covers the multipart path
// with a small injected threshold instead.
import { open, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventQueue, PromotionStorage } from '../../../backend/src/domain/job-ports.js';
import { PromotionJob } from '../../../backend/src/jobs/promotion.job.js';
import { startMoto, type MotoServer } from '../../support/moto-server.js';
import { createRecord, deployJobStack, drainQueue, MiB, multipartUpload, recordReaches, type JobStack, type PartSource } from './job-stack.js';

const GiB = 1024 * MiB;
const SIZE = 5 * GiB + 3 * MiB + 17;
const enabled = process.env.DOCKSIDE_LARGE_TESTS === '1';

let moto: MotoServer;
let js: JobStack;
let path: string;
/** Non-zero 1 MiB markers in an otherwise sparse file, so a misplaced part would show. */
const markers = [0, GiB - 512 * 1024, 3 * GiB + 1, 5 * GiB + MiB, SIZE - MiB];

beforeAll(async () => {
  if (!enabled) return;
  moto = await startMoto();
  js = await deployJobStack(moto, { EventQueueVisibilityTimeoutSeconds: 30 });
  path = join(tmpdir(), `dockside-large-${process.pid}.bin`);
  const fh = await open(path, 'w');
  await fh.close();
  await truncate(path, SIZE);
  const w = await open(path, 'r+');
  for (const [i, at] of markers.entries()) await w.write(Buffer.alloc(MiB, i + 1), 0, MiB, at);
  await w.close();
}, 120_000);

afterAll(async () => {
  if (!enabled) return;
  js?.destroy();
  await moto?.stop();
  if (path) await rm(path, { force: true });
});

function fileSource(file: string, size: number): PartSource {
  return {
    size,
    read: async (start, end) => {
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(end - start);
        await fh.read(buf, 0, buf.length, start);
        return buf;
      } finally {
        await fh.close();
      }
    },
  };
}

describe.skipIf(!enabled)('promotion of an object larger than 5 GiB (DOCKSIDE_LARGE_TESTS=1)', () => {
  it('copies it in parts with UploadPartCopy, verified, with the visibility extended meanwhile', async () => {
    const record = await createRecord(js, { size: SIZE, fileName: 'scan-archive.tar' });
    const t0 = Date.now();
    const uploaded = await multipartUpload(js, record.dockKey, fileSource(path, SIZE), { partSize: 64 * MiB, concurrency: 3 });
    const uploadMs = Date.now() - t0;

    const real = js.ports.storage;
    const plans: string[] = [];
    const counting: PromotionStorage = {
      headDock: (k, p) => real.headDock(k, p),
      headPermanent: (k) => real.headPermanent(k),
      copy: async (r) => {
        plans.push(r.plan.kind === 'multipart' ? `multipart:${r.plan.parts.length}` : 'single');
        await real.copy(r);
      },
      deleteDock: (k) => real.deleteDock(k),
    };
    const receiveCounts: number[] = [];
    let heartbeats = 0;
    const watched: EventQueue = {
      receive: async (o) => {
        const got = await js.ports.queue.receive(o);
        receiveCounts.push(...got.map((m) => m.receiveCount));
        return got;
      },
      delete: (h) => js.ports.queue.delete(h),
      setVisibility: async (h, s) => {
        if (s === 30) heartbeats += 1;
        await js.ports.queue.setVisibility(h, s);
      },
    };
    const t1 = Date.now();
    // 1 GiB parts one at a time: moto reads the whole 5 GiB source for each UploadPartCopy.
    const job = new PromotionJob(
      js.promotionOptions({ queue: watched, storage: counting, visibilityTimeoutSeconds: 30, heartbeatIntervalMs: 10_000, copy: { partSize: GiB } }),
    );
    job.start();
    const done = await recordReaches(js, record.id, ['available', 'failed'], 20 * 60_000);
    const promotionMs = Date.now() - t1;
    await job.stop(30_000);
    console.info(
      `>5 GiB on moto: upload ${(SIZE / GiB).toFixed(2)} GiB in ${(uploadMs / 1000).toFixed(1)} s, promotion (UploadPartCopy) in ${(promotionMs / 1000).toFixed(1)} s`,
    );

    expect(done.status).toBe('available');
    expect(plans).toEqual(['multipart:6']);
    // The copy outlasts the 30 s visibility timeout several times: only the heartbeat kept both
    // events (moto sends two) from being delivered again.
    expect(heartbeats).toBeGreaterThanOrEqual(4);
    expect(receiveCounts.every((n) => n === 1)).toBe(true);
    expect(done.permanent?.checksum).toBe(uploaded.checksum);
    const head = await js.s3.send(new HeadObjectCommand({ Bucket: js.stack.permanentBucket, Key: record.dockKey, ChecksumMode: 'ENABLED' }));
    expect(head.ContentLength).toBe(SIZE);
    expect(head.ChecksumCRC32).toBe(uploaded.checksum);
    expect(head.SSEKMSKeyId).toBe(js.stack.permanentKmsKeyArn);
    for (const [i, at] of markers.entries()) {
      const got = await js.s3.send(new GetObjectCommand({ Bucket: js.stack.permanentBucket, Key: record.dockKey, Range: `bytes=${at}-${at + MiB - 1}` }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.alloc(MiB, i + 1))).toBe(true);
    }
    expect(await drainQueue(js.sqs, js.stack.notifyQueueUrl)).toHaveLength(1);
  }, 30 * 60_000);
});
