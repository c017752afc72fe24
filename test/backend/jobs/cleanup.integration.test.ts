// The cleanup job on moto: which multipart uploads it aborts (age from the upload id in the key,
// moto's Initiated date being a fixed 2010), what it does to the records, and two instances at once;
// then which dock objects it deletes (age from LastModified, which moto reports truly).
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanupJob, type CleanupJobOptions } from '../../../backend/src/jobs/cleanup.job.js';
import type { UploadRecord, UploadStore } from '../../../backend/src/domain/upload-store.js';
import type { MotoServer } from '../../support/moto-server.js';
import { captureLog } from '../log-capture.js';
import { createRecord, deployJobStack, startJobsMoto, testLogger, type JobStack } from './job-stack.js';

const HOUR = 3_600_000;
const MAX_AGE_HOURS = 72;

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

async function startMultipart(key: string): Promise<string> {
  const out = await js.s3.send(
    new CreateMultipartUploadCommand({ Bucket: js.stack.dockBucket, Key: key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: js.stack.dockKmsKeyArn }),
  );
  return out.UploadId!;
}

async function openUploads(): Promise<{ key: string; uploadId: string; initiated: Date | undefined }[]> {
  const out = await js.s3.send(new ListMultipartUploadsCommand({ Bucket: js.stack.dockBucket }));
  return (out.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId!, initiated: u.Initiated }));
}

const job = (store: UploadStore = js.store, on: JobStack = js, options: Partial<CleanupJobOptions> = {}): CleanupJob =>
  new CleanupJob({ uploads: on.ports.dockUploads, objects: on.ports.dockObjects, store, logger: testLogger(), maxAgeMs: MAX_AGE_HOURS * HOUR, ...options });

/**
 * DynamoDB applies a conditional write to one item atomically; moto_server does not (two
 * concurrent UpdateItems on one item can both pass their condition, about one run in twenty on
 * two busy cores). For the two-instances test, the store's writes are serialised so moto behaves
 * as DynamoDB does; what is under test is that the job settles each record by a conditional
 * transition, not moto's locking.
 */
function atomicWrites(store: UploadStore): UploadStore {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(write: () => Promise<T>): Promise<T> => {
    const result = queue.then(write);
    queue = result.catch(() => undefined);
    return result;
  };
  return {
    create: (record) => serial(() => store.create(record)),
    get: (id) => store.get(id),
    listByOwner: (owner, options) => store.listByOwner(owner, options),
    transition: (id, from, to, patch) => serial(() => store.transition(id, from, to, patch)),
    update: (id, when, patch) => serial(() => store.update(id, when, patch)),
  };
}

describe('cleanup job on moto', () => {
  let old: UploadRecord;
  let young: UploadRecord;
  let oldAvailable: UploadRecord;
  const foreignKeys = ['other/notes.txt', 'uploads/not-a-ulid/file.bin'];

  beforeAll(async () => {
    const now = Date.now();
    old = await createRecord(js, { size: 10, createdAt: now - (MAX_AGE_HOURS + 8) * HOUR, fileName: 'old.bin' });
    young = await createRecord(js, { size: 10, createdAt: now - (MAX_AGE_HOURS - 1) * HOUR, fileName: 'young.bin' });
    // An old record already promoted, with a stray multipart upload left on its key (a restarted
    // client's first attempt): the upload is aborted, the record is not touched.
    oldAvailable = await createRecord(js, { size: 10, createdAt: now - 200 * HOUR, fileName: 'done.bin' });
    await js.store.transition(oldAvailable.id, ['uploading'], 'available');
    for (const key of [old.dockKey, old.dockKey, young.dockKey, oldAvailable.dockKey, ...foreignKeys]) await startMultipart(key);
  });

  it('aborts only uploads whose id is older than the limit, marks their records aborted, leaves foreign keys alone; two instances at once settle each upload once', async () => {
    const before = await openUploads();
    expect(before).toHaveLength(6);
    // Why the age comes from the key: moto says every upload began on 2010-11-10.
    expect(new Set(before.map((u) => u.initiated?.toISOString().slice(0, 10)))).toEqual(new Set(['2010-11-10']));

    const shared = atomicWrites(js.store);
    const [a, b] = await Promise.all([job(shared).runOnce(), job(shared).runOnce()]);

    // Each of the 3 expired uploads was aborted by exactly one instance; the other saw NoSuchUpload.
    expect(a.aborted + b.aborted).toBe(3);
    expect(a.alreadyGone + b.alreadyGone).toBe(3);
    expect(a.recordsMarked + b.recordsMarked).toBe(1);
    expect(a.young).toBe(1);
    expect(a.foreign).toBe(2);
    expect(a.errors + b.errors).toBe(0);

    const after = await openUploads();
    expect(after.map((u) => u.key).sort()).toEqual([young.dockKey, ...foreignKeys].sort());
    expect((await js.store.get(old.id))?.status).toBe('aborted');
    expect((await js.store.get(young.id))?.status).toBe('uploading');
    expect((await js.store.get(oldAvailable.id))?.status).toBe('available');

    // A second round finds nothing more to do.
    const again = await job().runOnce();
    expect(again).toMatchObject({ seen: 3, aborted: 0, alreadyGone: 0, young: 1, foreign: 2, recordsMarked: 0 });
  });

  it('runs on its interval once started, and stops', async () => {
    const oldToo = await createRecord(js, { size: 10, createdAt: Date.now() - 100 * HOUR, fileName: 'later.bin' });
    await startMultipart(oldToo.dockKey);
    const timed = job(js.store, js, { initialDelayMs: 0, intervalMs: 60_000 });
    timed.start();
    const deadline = Date.now() + 10_000;
    while ((await js.store.get(oldToo.id))?.status !== 'aborted' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await timed.stop(2_000);
    expect((await js.store.get(oldToo.id))?.status).toBe('aborted');
    expect((await openUploads()).some((u) => u.key === oldToo.dockKey)).toBe(false);
  });
});

describe('cleanup job on moto: dock objects', () => {
  let own: JobStack;
  beforeAll(async () => {
    // A stack of its own: these rounds look days ahead, which would expire the uploads above too.
    own = await deployJobStack(moto);
  });
  afterAll(() => own?.destroy());

  const put = (key: string) =>
    own.s3.send(new PutObjectCommand({ Bucket: own.stack.dockBucket, Key: key, Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: own.stack.dockKmsKeyArn }));
  const keys = async () => ((await own.s3.send(new ListObjectsV2Command({ Bucket: own.stack.dockBucket }))).Contents ?? []).map((o) => o.Key!).sort();

  it('deletes objects older than the limit that no live upload owns, with an audit line; keeps live uploads\' and younger ones', async () => {
    const inStatus = async (status: UploadRecord['status'], fileName: string) => {
      const record = await createRecord(own, { size: 1, fileName });
      if (status !== 'uploading') await own.store.transition(record.id, ['uploading'], status);
      await put(record.dockKey);
      return record;
    };
    const aborted = await inStatus('aborted', 'written-after-cancel.bin');
    const failed = await inStatus('failed', 'rejected.bin');
    const available = await inStatus('available', 'rewritten-after-promotion.bin');
    const uploading = await inStatus('uploading', 'completed-event-pending.bin');
    const docked = await inStatus('docked', 'waiting-for-promotion.bin');
    const noRecord = 'uploads/01JBZ8Z9Q4K3M2N1P0R9S8T7V6/nobody.bin';
    const notOurLayout = 'uploads/not-an-id/stray.bin';
    const outsideUploads = 'elsewhere/notes.txt';
    for (const key of [noRecord, notOurLayout, outsideUploads]) await put(key);
    const everything = await keys();

    // Written just now: every one is within the limit (LastModified is the real time on moto).
    // Only what is under uploads/ is looked at.
    const now = await job(own.store, own).runOnce();
    expect(now.objects).toEqual({ seen: 7, young: 7, live: 0, deleted: 0 });
    expect(await keys()).toEqual(everything);

    // Seen from past the limit.
    const log = captureLog();
    const later = await job(own.store, own, { now: () => Date.now() + (MAX_AGE_HOURS + 1) * HOUR, logger: pino({ level: 'info' }, log.destination) }).runOnce();
    expect(later.objects).toEqual({ seen: 7, young: 0, live: 2, deleted: 5 });
    expect(later.errors).toBe(0);
    expect(await keys()).toEqual([uploading.dockKey, docked.dockKey, outsideUploads].sort());
    const audited = log.entries().filter((e) => e['audit'] === true && e['event'] === 'dock.object-deleted');
    expect(audited.map((e) => [e['key'], e['status']]).sort()).toEqual(
      [
        [aborted.dockKey, 'aborted'],
        [failed.dockKey, 'failed'],
        [available.dockKey, 'available'],
        [noRecord, null],
        [notOurLayout, null],
      ].sort(),
    );
    // The records are not the objects': nothing changes there.
    for (const [record, status] of [[aborted, 'aborted'], [available, 'available'], [uploading, 'uploading'], [docked, 'docked']] as const) {
      expect((await own.store.get(record.id))?.status).toBe(status);
    }
  });
});
