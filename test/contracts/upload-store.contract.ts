// The contract every UploadStore implementation must keep; run by each implementation's test
// (test/backend/domain/memory-upload-store.test.ts, test/backend/aws/dynamodb-upload-store.integration.test.ts).
import { describe, expect, it } from 'vitest';
import type { UploadRecord, UploadStore } from '../../backend/src/domain/upload-store.js';
import { UploadStoreError } from '../../backend/src/domain/upload-store-error.js';
import { newUlid } from '../../backend/src/domain/ulid.js';

let ownerCounter = 0;
/** An owner name no other test (or earlier run against the same table) uses. */
const freshOwner = (): string => `user-${process.pid}-${Date.now().toString(36)}-${(ownerCounter += 1)}`;

export function sampleRecord(overrides: Partial<UploadRecord> = {}): UploadRecord {
  const id = overrides.id ?? newUlid();
  return {
    id,
    owner: 'alice',
    fileName: 'Quarterly report (final).mov',
    size: 42 * 1024 ** 3,
    contentType: 'video/quicktime',
    checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' },
    dockBucket: 'dock',
    dockKey: `uploads/${id}/Quarterly_report_(final).mov`,
    status: 'uploading',
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_000,
    permanent: null,
    failureReason: null,
    notifiedAt: null,
    ...overrides,
  };
}

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UploadStoreError);
  expect((error as UploadStoreError).code).toBe(code);
}

export interface UploadStoreContractOptions {
  /**
   * moto_server serves requests on several threads and does not lock a DynamoDB item between
   * checking a condition and writing it, so under load two concurrent conditional updates can both
   * succeed there (seen about once in 20 runs on 2 busy cores). DynamoDB itself makes each
   * conditional write atomic. Set this for stores running on such an emulator: the race test then
   * only checks that the record ends in the right status.
   */
  readonly emulatorRacesConditionalWrites?: boolean;
}

export function uploadStoreContract(name: string, make: () => UploadStore | Promise<UploadStore>, options: UploadStoreContractOptions = {}): void {
  describe(`${name} (UploadStore contract)`, () => {
    it('stores a record and reads it back exactly, nulls and all', async () => {
      const store = await make();
      const full = sampleRecord({ owner: freshOwner() });
      const sparse = sampleRecord({ owner: full.owner, contentType: null, size: 0, checksum: { algorithm: 'CRC32', type: 'COMPOSITE' } });
      await store.create(full);
      await store.create(sparse);
      expect(await store.get(full.id)).toEqual(full);
      expect(await store.get(sparse.id)).toEqual(sparse);
    });

    it('answers null for an id it does not hold', async () => {
      const store = await make();
      expect(await store.get(newUlid())).toBeNull();
    });

    it('refuses to create the same id twice and keeps the first record', async () => {
      const store = await make();
      const first = sampleRecord({ owner: freshOwner() });
      await store.create(first);
      await expectStoreError(store.create({ ...first, fileName: 'other.bin' }), 'ALREADY_EXISTS');
      expect(await store.get(first.id)).toEqual(first);
    });

    it('transitions from an allowed status, applying the patch and a new updatedAt in the same write', async () => {
      const store = await make();
      const record = sampleRecord({ owner: freshOwner(), status: 'promoting' });
      await store.create(record);
      const permanent = { bucket: 'permanent', key: record.dockKey, checksum: 'AAAAAA==', checksumType: 'FULL_OBJECT' as const, etag: '"abc"' };
      const before = Date.now();
      const next = await store.transition(record.id, ['docked', 'promoting'], 'available', { permanent, notifiedAt: 1_700_000_000_500 });
      expect(next).toEqual({ ...record, status: 'available', permanent, notifiedAt: 1_700_000_000_500, updatedAt: next?.updatedAt });
      expect(next?.updatedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(await store.get(record.id)).toEqual(next);
    });

    it('refuses a transition from another status and leaves the record alone', async () => {
      const store = await make();
      const record = sampleRecord({ owner: freshOwner(), status: 'available' });
      await store.create(record);
      expect(await store.transition(record.id, ['uploading', 'docked'], 'aborted', { failureReason: 'x' })).toBeNull();
      expect(await store.transition(record.id, [], 'aborted')).toBeNull();
      expect(await store.get(record.id)).toEqual(record);
    });

    it('answers null to a transition or update of a missing id, without creating it', async () => {
      const store = await make();
      const id = newUlid();
      expect(await store.transition(id, ['uploading'], 'docked')).toBeNull();
      expect(await store.update(id, ['uploading'], { failureReason: 'x' })).toBeNull();
      expect(await store.get(id)).toBeNull();
    });

    it('answers null to a repeat of a transition that already happened', async () => {
      const store = await make();
      const record = sampleRecord({ owner: freshOwner() });
      await store.create(record);
      expect((await store.transition(record.id, ['uploading'], 'docked'))?.status).toBe('docked');
      expect(await store.transition(record.id, ['uploading'], 'docked')).toBeNull();
    });

    const race = options.emulatorRacesConditionalWrites
      ? 'ends in the target status after many concurrent identical transitions (exactly one winner is not checked on an emulator)'
      : 'lets exactly one of many concurrent identical transitions win';
    it(race, async () => {
      const store = await make();
      const record = sampleRecord({ owner: freshOwner() });
      await store.create(record);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.transition(record.id, ['uploading'], 'docked')));
      const winners = results.filter((r) => r !== null).length;
      if (options.emulatorRacesConditionalWrites) expect(winners).toBeGreaterThanOrEqual(1);
      else expect(winners).toBe(1);
      expect((await store.get(record.id))?.status).toBe('docked');
    });

    it('updates fields without changing status, only in the given statuses, and can set them back to null', async () => {
      const store = await make();
      const record = sampleRecord({ owner: freshOwner(), status: 'failed', failureReason: 'checksum mismatch' });
      await store.create(record);
      const updated = await store.update(record.id, ['failed'], { failureReason: 'the permanent copy did not match; re-upload the file' });
      expect(updated?.status).toBe('failed');
      expect(updated?.failureReason).toBe('the permanent copy did not match; re-upload the file');
      expect(await store.update(record.id, ['uploading'], { failureReason: 'no' })).toBeNull();
      const cleared = await store.update(record.id, ['failed'], { failureReason: null });
      expect(cleared?.failureReason).toBeNull();
      expect((await store.get(record.id))?.failureReason).toBeNull();
    });

    it("lists only the owner's uploads, newest first, across pages that each hold at most `limit`", async () => {
      const store = await make();
      const owner = freshOwner();
      const mine = Array.from({ length: 7 }, (_, i) => sampleRecord({ owner, createdAt: 1_700_000_000_000 + i * 1000 }));
      for (const r of mine) await store.create(r);
      await store.create(sampleRecord({ owner: freshOwner(), createdAt: 1_700_000_003_500 }));
      const seen: UploadRecord[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listByOwner(owner, cursor === undefined ? { limit: 3 } : { limit: 3, cursor });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items);
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(seen.map((r) => r.id)).toEqual([...mine].reverse().map((r) => r.id));
      expect(seen[0]).toEqual(mine.at(-1));
    });

    it('pages through uploads created in the same millisecond without loss or repeats', async () => {
      const store = await make();
      const owner = freshOwner();
      const ids = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const r = sampleRecord({ owner, createdAt: 1_700_000_000_000 });
        ids.add(r.id);
        await store.create(r);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await store.listByOwner(owner, cursor === undefined ? { limit: 2 } : { limit: 2, cursor });
        seen.push(...page.items.map((r) => r.id));
        if (page.nextCursor === null) break;
        cursor = page.nextCursor;
      }
      expect(seen).toHaveLength(5);
      expect(new Set(seen)).toEqual(ids);
    });

    it('answers an empty page for an owner with no uploads', async () => {
      const store = await make();
      expect(await store.listByOwner(freshOwner(), { limit: 10 })).toEqual({ items: [], nextCursor: null });
    });

    it("refuses a garbage cursor and another owner's cursor as INVALID_CURSOR", async () => {
      const store = await make();
      const owner = freshOwner();
      for (let i = 0; i < 3; i++) await store.create(sampleRecord({ owner, createdAt: 1_700_000_000_000 + i }));
      const page = await store.listByOwner(owner, { limit: 1 });
      expect(page.nextCursor).not.toBeNull();
      await expectStoreError(store.listByOwner(freshOwner(), { limit: 1, cursor: page.nextCursor! }), 'INVALID_CURSOR');
      await expectStoreError(store.listByOwner(owner, { limit: 1, cursor: 'not a cursor' }), 'INVALID_CURSOR');
      await expectStoreError(store.listByOwner(owner, { limit: 1, cursor: Buffer.from('{"id":1}').toString('base64url') }), 'INVALID_CURSOR');
    });

    it('hands out copies: changing a returned record does not change the store', async () => {
      const store = await make();
      const record = sampleRecord({ owner: freshOwner() });
      await store.create(record);
      const copy = (await store.get(record.id)) as { status: string };
      copy.status = 'available';
      expect((await store.get(record.id))?.status).toBe('uploading');
    });
  });
}
