// The promotion job's queue handling with an in-memory queue: heartbeats during long work, the
// redelivery delay after a transient failure, poison left alone, and what stop() does with
// messages it holds or receives while stopping.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { JobStepError, type EventQueue, type PromotionStorage, type ReceivedMessage } from '../../../backend/src/domain/job-ports.js';
import { PromotionJob, type PromotionJobOptions } from '../../../backend/src/jobs/promotion.job.js';
import { MemoryUploadStore } from '../../fakes/memory-upload-store.js';

const KEY = 'uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/f.bin';
const EVENT = JSON.stringify({
  Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime: 't', s3: { bucket: { name: 'dock' }, object: { key: KEY, size: 1, eTag: 'e' } } }],
});

class FakeQueue implements EventQueue {
  pending: ReceivedMessage[] = [];
  calls: string[] = [];
  private n = 0;
  add(body: string): void {
    this.n += 1;
    this.pending.push({ messageId: `m${this.n}`, receiptHandle: `r${this.n}`, body, receiveCount: 3 });
  }
  async receive(o: { maxMessages: number; waitSeconds: number; signal?: AbortSignal }): Promise<ReceivedMessage[]> {
    if (this.pending.length === 0) await new Promise((r) => setTimeout(r, 20));
    return this.pending.splice(0, o.maxMessages);
  }
  async delete(h: string): Promise<void> {
    this.calls.push(`delete ${h}`);
  }
  async setVisibility(h: string, s: number): Promise<void> {
    this.calls.push(`visibility ${h} ${s}`);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(storage: Partial<PromotionStorage>, over: Partial<PromotionJobOptions> = {}) {
  const queue = new FakeQueue();
  const store = new MemoryUploadStore();
  await store.create({
    id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
    owner: 'a',
    fileName: 'f.bin',
    size: 1,
    contentType: null,
    checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' },
    dockBucket: 'dock',
    dockKey: KEY,
    status: 'uploading',
    createdAt: 0,
    updatedAt: 0,
    permanent: null,
    failureReason: null,
    notifiedAt: null,
  });
  const job = new PromotionJob({
    queue,
    store,
    storage: { headDock: async () => null, headPermanent: async () => null, copy: async () => undefined, deleteDock: async () => undefined, ...storage },
    notifier: { publish: async () => undefined },
    logger: pino({ level: 'silent' }),
    dockBucket: 'dock',
    permanentBucket: 'perm',
    permanentKmsKeyArn: 'k',
    dockKmsKeyArn: 'd',
    waitTimeSeconds: 0,
    ...over,
  });
  return { queue, store, job };
}

describe('PromotionJob', () => {
  it('extends the visibility of a message while its promotion runs (heartbeat)', async () => {
    let release!: () => void;
    const { queue, job } = await setup(
      { headDock: () => new Promise((r) => (release = () => r(null))) },
      { visibilityTimeoutSeconds: 45, heartbeatIntervalMs: 1000 },
    );
    queue.add(EVENT);
    job.start();
    await sleep(2_300);
    expect(queue.calls.filter((c) => c === 'visibility r1 45').length).toBeGreaterThanOrEqual(2);
    release();
    await job.stop(1_000);
  });

  it('after a transient failure, shortens the visibility to the redelivery delay and keeps the message', async () => {
    const { queue, job } = await setup(
      {
        headDock: async () => {
          throw new JobStepError('AWS_ERROR', 'S3 HeadObject failed: SlowDown');
        },
      },
      { retryDelay: { baseSeconds: 5, capSeconds: 60 } },
    );
    queue.add(EVENT);
    job.start();
    await sleep(200);
    await job.stop(1_000);
    // Third delivery: 5 s · 2^2.
    expect(queue.calls).toEqual(['visibility r1 20']);
  });

  it('leaves a poison message alone (no delete, no visibility change): SQS moves it to the DLQ', async () => {
    const { queue, job } = await setup({});
    queue.add('garbage');
    job.start();
    await sleep(150);
    await job.stop(1_000);
    expect(queue.calls).toEqual([]);
  });

  it('hands back at once a message received while stopping, without working on it', async () => {
    let headed = false;
    const { queue, job } = await setup({
      headDock: async () => {
        headed = true;
        return null;
      },
    });
    queue.receive = async () => {
      await sleep(100);
      return [{ messageId: 'late', receiptHandle: 'rl', body: EVENT, receiveCount: 1 }];
    };
    job.start();
    await sleep(10);
    await job.stop(2_000);
    expect(queue.calls).toEqual(['visibility rl 0']);
    expect(headed).toBe(false);
  });
});
