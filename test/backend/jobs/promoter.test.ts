// The promoter's decisions with in-memory fakes: the paths a crash, a duplicate or a second
// instance can lead to, which the moto tests reach only by chance.
import { pino } from 'pino';
import { captureLog, type LogCapture } from '../log-capture.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { JobStepError, type CopyRequest, type PromotionStorage } from '../../../backend/src/domain/job-ports.js';
import type { FileAvailableMessage } from '../../../backend/src/domain/file-available.js';
import { promotionMetadata, type ObjectFacts } from '../../../backend/src/domain/promotion-plan.js';
import type { ObjectCreatedRecord } from '../../../backend/src/domain/s3-event.js';
import type { UploadRecord } from '../../../backend/src/domain/upload-store.js';
import { Promoter } from '../../../backend/src/jobs/promoter.js';
import { MemoryUploadStore } from '../../fakes/memory-upload-store.js';

const ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const KEY = `uploads/${ID}/file.bin`;
const PERM_KEY_ARN = 'arn:aws:kms:us-east-1:1:key/perm';
const DOCK_KEY_ARN = 'arn:aws:kms:us-east-1:1:key/dock';

const base: UploadRecord = {
  id: ID,
  owner: 'alice',
  fileName: 'file.bin',
  size: 100,
  contentType: null,
  checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' },
  dockBucket: 'dock',
  dockKey: KEY,
  status: 'uploading',
  createdAt: 1,
  updatedAt: 1,
  permanent: null,
  failureReason: null,
  notifiedAt: null,
};

const dockFacts: ObjectFacts = {
  size: 100,
  etag: 'e-2',
  checksumCrc32: 'CRC=',
  checksumType: 'FULL_OBJECT',
  serverSideEncryption: 'aws:kms',
  kmsKeyId: DOCK_KEY_ARN,
  contentType: 'application/pdf',
  metadata: {},
  partsCount: null,
};

const event: ObjectCreatedRecord = { bucket: 'dock', key: KEY, size: 100, eTag: 'e-2', eventName: 'ObjectCreated:Put', eventTime: 't' };

/** Dock and permanent buckets as two maps; a copy is a faithful one unless told otherwise. */
class FakeStorage implements PromotionStorage {
  dock = new Map<string, ObjectFacts>();
  permanent = new Map<string, ObjectFacts>();
  copies: CopyRequest[] = [];
  corruptCopies = false;
  async headDock(key: string, partNumber?: number) {
    const f = this.dock.get(key) ?? null;
    return f && partNumber ? { ...f, size: 50, partsCount: 2 } : f;
  }
  async headPermanent(key: string) {
    return this.permanent.get(key) ?? null;
  }
  async copy(r: CopyRequest) {
    this.copies.push(r);
    const src = this.dock.get(r.dockKey)!;
    if (src.etag !== r.sourceEtag) throw new JobStepError('SOURCE_CHANGED', 'changed');
    this.permanent.set(r.permanentKey, {
      ...src,
      etag: 'p-1',
      kmsKeyId: PERM_KEY_ARN,
      checksumCrc32: this.corruptCopies ? 'BAD=' : src.checksumCrc32,
      metadata: { ...r.metadata },
    });
  }
  async deleteDock(key: string) {
    this.dock.delete(key);
  }
}

let store: MemoryUploadStore;
let storage: FakeStorage;
let sent: FileAvailableMessage[];
let promoter: Promoter;
let log: LogCapture;

/** The audit lines the promoter wrote for objects it deleted from the dock. */
const deletions = () => log.entries().filter((e) => e['audit'] === true && e['event'] === 'dock.object-deleted');

beforeEach(async () => {
  store = new MemoryUploadStore(() => 1000);
  storage = new FakeStorage();
  sent = [];
  log = captureLog();
  promoter = new Promoter({
    store,
    storage,
    notifier: { publish: async (m) => void sent.push(m) },
    dockBucket: 'dock',
    permanentBucket: 'perm',
    permanentKmsKeyArn: PERM_KEY_ARN,
    dockKmsKeyArn: DOCK_KEY_ARN,
    copy: { multipartThreshold: 5 * 1024 ** 3, partSize: 512 * 1024 ** 2 },
    logger: pino({ level: 'info' }, log.destination),
    now: () => 2000,
  });
  await store.create(base);
  storage.dock.set(KEY, dockFacts);
});

describe('Promoter', () => {
  it('promotes: copies with metadata and the content type, deletes the dock copy, records the location, notifies once', async () => {
    expect(await promoter.promote(event)).toEqual({ kind: 'promoted', uploadId: ID, notified: true });
    expect(storage.copies).toHaveLength(1);
    expect(storage.copies[0]).toMatchObject({ plan: { kind: 'single' }, sourceEtag: 'e-2', sourceChecksumCrc32: 'CRC=', contentType: 'application/pdf' });
    expect(storage.dock.has(KEY)).toBe(false);
    const rec = await store.get(ID);
    expect(rec).toMatchObject({ status: 'available', notifiedAt: 2000, permanent: { bucket: 'perm', key: KEY, checksum: 'CRC=', checksumType: 'FULL_OBJECT', etag: 'p-1' } });
    expect(sent).toEqual([expect.objectContaining({ uploadId: ID, bucket: 'perm', key: KEY, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT', value: 'CRC=' } })]);
    // The duplicate: nothing more.
    expect(await promoter.promote(event)).toEqual({ kind: 'already-available', uploadId: ID, notified: false });
    expect(sent).toHaveLength(1);
  });

  it('re-sends only when "available" was reached but the notification not recorded (crash between the two)', async () => {
    await store.transition(ID, ['uploading'], 'available', { permanent: { bucket: 'perm', key: KEY, checksum: 'CRC=', checksumType: 'FULL_OBJECT', etag: 'p-1' } });
    expect(await promoter.promote(event)).toEqual({ kind: 'already-available', uploadId: ID, notified: true });
    expect(sent).toHaveLength(1);
    expect((await store.get(ID))?.notifiedAt).toBe(2000);
  });

  it('skips the copy when the permanent object is already a verified copy of this source (crash after copy)', async () => {
    await store.transition(ID, ['uploading'], 'promoting');
    storage.permanent.set(KEY, { ...dockFacts, etag: 'p-1', kmsKeyId: PERM_KEY_ARN, metadata: promotionMetadata(base, dockFacts) });
    expect((await promoter.promote(event)).kind).toBe('promoted');
    expect(storage.copies).toHaveLength(0);
  });

  it('copies again over a permanent object made from an older source', async () => {
    storage.permanent.set(KEY, { ...dockFacts, etag: 'p-0', metadata: promotionMetadata(base, { ...dockFacts, etag: 'old-1' }) });
    expect((await promoter.promote(event)).kind).toBe('promoted');
    expect(storage.copies).toHaveLength(1);
  });

  it('finishes when the dock copy is gone but the permanent copy is verified (crash after delete)', async () => {
    await store.transition(ID, ['uploading'], 'promoting');
    storage.dock.clear();
    storage.permanent.set(KEY, { ...dockFacts, etag: 'p-1', kmsKeyId: PERM_KEY_ARN, metadata: promotionMetadata(base, dockFacts) });
    expect(await promoter.promote(event)).toEqual({ kind: 'promoted', uploadId: ID, notified: true });
  });

  it('fails the upload when the dock object is gone and no verified copy exists', async () => {
    storage.dock.clear();
    expect((await promoter.promote(event)).kind).toBe('failed');
    expect((await store.get(ID))?.failureReason).toMatch(/disappeared/);
  });

  it('ignores a stale event whose ETag the dock object no longer has (the newer event promotes it)', async () => {
    storage.dock.set(KEY, { ...dockFacts, etag: 'newer-3' });
    expect(await promoter.promote(event)).toEqual({ kind: 'ignored', reason: 'the dock object now has ETag newer-3' });
    expect((await store.get(ID))?.status).toBe('uploading');
  });

  it('fails the upload, with the reason, when the copy does not verify, then deletes the dock object', async () => {
    storage.corruptCopies = true;
    const outcome = await promoter.promote(event);
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/Checksum mismatch/) });
    expect((await store.get(ID))?.status).toBe('failed');
    expect(storage.dock.has(KEY)).toBe(false);
    expect(deletions()).toEqual([expect.objectContaining({ uploadId: ID, key: KEY, eTag: 'e-2', reason: expect.stringMatching(/^its promotion failed: Checksum mismatch/) })]);
    expect(sent).toHaveLength(0);
  });

  it('deletes the object of an upload that fails its checks (size), once the failure is recorded; a redelivery after a crash in between deletes it', async () => {
    storage.dock.set(KEY, { ...dockFacts, size: 99 });
    const realDelete = storage.deleteDock.bind(storage);
    storage.deleteDock = async () => {
      throw new JobStepError('AWS_ERROR', 'S3 DeleteObject failed: simulated crash');
    };
    await expect(promoter.promote(event)).rejects.toMatchObject({ code: 'AWS_ERROR' });
    expect((await store.get(ID))?.status).toBe('failed');
    expect(storage.dock.has(KEY)).toBe(true);

    storage.deleteDock = realDelete;
    expect(await promoter.promote(event)).toEqual({ kind: 'removed', uploadId: ID, reason: 'the upload is failed', deleted: true });
    expect(storage.dock.has(KEY)).toBe(false);
    expect(storage.copies).toHaveLength(0);
  });

  it('deletes, never promotes, an object at a key no upload has: no record, another name, or outside the key layout; other buckets are not its to touch', async () => {
    const other = '01BX5ZZKBKACTAV9WEVGEMMVRZ';
    for (const key of [`uploads/${other}/x`, `uploads/${ID}/another-name.bin`, 'uploads/not-an-id/x']) storage.dock.set(key, dockFacts);
    expect(await promoter.promote({ ...event, key: `uploads/${other}/x` })).toEqual({ kind: 'removed', uploadId: other, reason: 'no upload has this id', deleted: true });
    expect(await promoter.promote({ ...event, key: `uploads/${ID}/another-name.bin` })).toMatchObject({ kind: 'removed', uploadId: ID, deleted: true });
    expect(await promoter.promote({ ...event, key: 'uploads/not-an-id/x' })).toMatchObject({ kind: 'removed', uploadId: null, deleted: true });
    expect([...storage.dock.keys()]).toEqual([KEY]);
    expect((await promoter.promote({ ...event, bucket: 'permanent' })).kind).toBe('ignored');
    expect(storage.dock.has(KEY)).toBe(true);
    expect(storage.copies).toHaveLength(0);
    expect(deletions()).toHaveLength(3);
    expect((await store.get(ID))?.status).toBe('uploading');
  });

  it.each(['aborted', 'failed'] as const)('deletes, never promotes, what is written to the key of a %s upload (credentials still valid after a cancel)', async (status) => {
    await store.transition(ID, ['uploading'], status);
    expect(await promoter.promote(event)).toEqual({ kind: 'removed', uploadId: ID, reason: `the upload is ${status}`, deleted: true });
    expect(storage.dock.has(KEY)).toBe(false);
    expect(storage.copies).toHaveLength(0);
    expect(sent).toHaveLength(0);
    expect(deletions()).toEqual([expect.objectContaining({ audit: true, uploadId: ID, key: KEY, eTag: 'e-2', size: 100, reason: `the upload is ${status}` })]);
    expect((await store.get(ID))?.status).toBe(status);
    // Its duplicate finds nothing more to delete, and says nothing more in the audit log.
    expect(await promoter.promote(event)).toMatchObject({ kind: 'removed', deleted: false });
    expect(deletions()).toHaveLength(1);
  });

  it('deletes a rewrite of the key after promotion: the permanent copy, the record and the one notification stay as they are', async () => {
    expect((await promoter.promote(event)).kind).toBe('promoted');
    const promoted = await store.get(ID);
    const permanent = storage.permanent.get(KEY);
    storage.dock.set(KEY, { ...dockFacts, etag: 'rewrite-9', size: 5 });
    const rewrite = { ...event, eTag: 'rewrite-9', size: 5 };
    expect(await promoter.promote(rewrite)).toEqual({ kind: 'already-available', uploadId: ID, notified: false });
    expect(storage.dock.has(KEY)).toBe(false);
    expect(storage.permanent.get(KEY)).toEqual(permanent);
    expect(storage.copies).toHaveLength(1);
    expect(await store.get(ID)).toEqual(promoted);
    expect(sent).toHaveLength(1);
    expect(deletions()).toEqual([expect.objectContaining({ uploadId: ID, key: KEY, eTag: 'rewrite-9', reason: 'the upload is available' })]);
  });

  it("moto's second event for one completion, and a redelivery after the promotion, delete nothing and change nothing", async () => {
    expect((await promoter.promote(event)).kind).toBe('promoted');
    const promoted = await store.get(ID);
    for (const again of [{ ...event, eventName: 'ObjectCreated:CompleteMultipartUpload' }, event]) {
      expect(await promoter.promote(again)).toEqual({ kind: 'already-available', uploadId: ID, notified: false });
    }
    expect(deletions()).toEqual([]);
    expect(storage.permanent.has(KEY)).toBe(true);
    expect(storage.copies).toHaveLength(1);
    expect(await store.get(ID)).toEqual(promoted);
    expect(sent).toHaveLength(1);
  });

  it('plans a COMPOSITE source part for part from HeadObject per part', async () => {
    storage.dock.set(KEY, { ...dockFacts, checksumType: 'COMPOSITE', checksumCrc32: 'COMP=' });
    await promoter.promote(event);
    expect(storage.copies[0]!.plan).toEqual({
      kind: 'multipart',
      checksumType: 'COMPOSITE',
      parts: [
        { partNumber: 1, start: 0, end: 49 },
        { partNumber: 2, start: 50, end: 99 },
      ],
    });
  });

  it('lets a transient error through for redelivery, leaving the record promoting', async () => {
    storage.copy = async () => {
      throw new JobStepError('AWS_ERROR', 'S3 CopyObject failed: SlowDown');
    };
    await expect(promoter.promote(event)).rejects.toMatchObject({ code: 'AWS_ERROR', retryable: true });
    expect((await store.get(ID))?.status).toBe('promoting');
  });
});
