import { describe, expect, it } from 'vitest';
import {
  dockEncryptionProblem,
  isVerifiedCopyOf,
  MAX_OBJECT_BYTES,
  MAX_PARTS,
  MAX_SINGLE_COPY_BYTES,
  planCopy,
  promotionMetadata,
  rangesFromPartSizes,
  rangesOf,
  sameKmsKey,
  sourceProblem,
  verifyCopy,
  type ObjectFacts,
} from '../../../backend/src/domain/promotion-plan.js';
import type { UploadRecord } from '../../../backend/src/domain/upload-store.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const TiB = 1024 * GiB;
const defaults = { multipartThreshold: MAX_SINGLE_COPY_BYTES, partSize: 512 * MiB };

const facts = (over: Partial<ObjectFacts> = {}): ObjectFacts => ({
  size: 100,
  etag: 'abc-2',
  checksumCrc32: 'AAAAAA==',
  checksumType: 'FULL_OBJECT',
  serverSideEncryption: 'aws:kms',
  kmsKeyId: 'arn:aws:kms:us-east-1:1:key/perm',
  contentType: null,
  metadata: {},
  partsCount: null,
  ...over,
});

const record: UploadRecord = {
  id: '01ARZ3NDEKTSV4RRFFQ69G5FAV',
  owner: 'zoë@example.com',
  fileName: 'Bericht Ü.pdf',
  size: 100,
  contentType: null,
  checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' },
  dockBucket: 'dock',
  dockKey: 'uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/Bericht_Ü.pdf',
  status: 'uploading',
  createdAt: 0,
  updatedAt: 0,
  permanent: null,
  failureReason: null,
  notifiedAt: null,
};

function coversExactly(size: number, parts: readonly { start: number; end: number; partNumber: number }[]): void {
  expect(parts[0]?.start).toBe(0);
  parts.forEach((p, i) => {
    expect(p.partNumber).toBe(i + 1);
    if (i > 0) expect(p.start).toBe(parts[i - 1]!.end + 1);
  });
  expect(parts.at(-1)?.end).toBe(size - 1);
}

describe('planCopy', () => {
  it('copies up to 5 GiB with one CopyObject and beyond in parts', () => {
    expect(planCopy(5 * GiB, 'FULL_OBJECT', defaults)).toEqual({ kind: 'single' });
    const plan = planCopy(5 * GiB + 1, 'FULL_OBJECT', defaults);
    expect(plan.kind).toBe('multipart');
    if (plan.kind !== 'multipart') return;
    expect(plan.parts).toHaveLength(11);
    coversExactly(5 * GiB + 1, plan.parts);
  });

  it('never plans a single copy above 5 GiB, whatever the threshold', () => {
    expect(planCopy(6 * GiB, 'FULL_OBJECT', { ...defaults, multipartThreshold: 10 * GiB }).kind).toBe('multipart');
  });

  it('keeps a 5 TiB object within 10,000 parts of at most 5 GiB', () => {
    const plan = planCopy(5 * TiB, 'FULL_OBJECT', { ...defaults, partSize: 8 * MiB });
    if (plan.kind !== 'multipart') throw new Error('expected multipart');
    expect(plan.parts.length).toBeLessThanOrEqual(MAX_PARTS);
    expect(Math.max(...plan.parts.map((p) => p.end - p.start + 1))).toBeLessThanOrEqual(5 * GiB);
    coversExactly(5 * TiB, plan.parts);
  });

  // [label, size, expected part size, expected part count] with the job's default 512 MiB parts.
  it.each<[string, number, number, number]>([
    ['10,000 x 512 MiB (4.88 TiB): the default part size fills 10,000 parts', 10_000 * 512 * MiB, 512 * MiB, 10_000],
    ['10,000 x 512 MiB + 1: one MiB more a part', 10_000 * 512 * MiB + 1, 513 * MiB, 9981],
    ['5 TiB', 5 * TiB, 525 * MiB, 9987],
    ['5 TiB + 1 (the old limit + 1)', 5 * TiB + 1, 525 * MiB, 9987],
    ['10 TiB', 10 * TiB, 1049 * MiB, 9996],
    ['10,000 x 5119 MiB + 1: the first object that needs 5 GiB parts', 10_000 * 5119 * MiB + 1, 5 * GiB, 9999],
    ['48.8 TiB - 1', 10_000 * 5 * GiB - 1, 5 * GiB, 10_000],
    ['48.8 TiB, S3\'s largest object: exactly 10,000 parts of 5 GiB', 10_000 * 5 * GiB, 5 * GiB, 10_000],
  ])('copies %s in parts within S3\'s limits', (_label, size, partSize, partCount) => {
    const plan = planCopy(size, 'FULL_OBJECT', defaults);
    if (plan.kind !== 'multipart') throw new Error('expected multipart');
    expect(plan.parts).toHaveLength(partCount);
    const lengths = plan.parts.map((p) => p.end - p.start + 1);
    expect(lengths.slice(0, -1).every((n) => n === partSize)).toBe(true);
    expect(lengths.at(-1)).toBeGreaterThan(0);
    expect(lengths.at(-1)).toBeLessThanOrEqual(partSize);
    expect(partSize).toBeLessThanOrEqual(5 * GiB);
    coversExactly(size, plan.parts);
  });

  it('refuses an object above 48.8 TiB instead of planning more than 10,000 parts', () => {
    expect(MAX_OBJECT_BYTES).toBe(53_687_091_200_000);
    expect(() => planCopy(MAX_OBJECT_BYTES + 1, 'FULL_OBJECT', defaults)).toThrow(/larger than S3's maximum \(53687091200000 bytes/);
    expect(() => planCopy(MAX_OBJECT_BYTES + 1, 'FULL_OBJECT', { ...defaults, partSize: 5 * GiB })).toThrow(RangeError);
    expect(() => planCopy(MAX_OBJECT_BYTES + 1, 'COMPOSITE', defaults, [MAX_OBJECT_BYTES + 1])).toThrow(RangeError);
  });

  it('copies a COMPOSITE 48.8 TiB object part for part: its own 10,000 parts of 5 GiB', () => {
    const sizes = Array.from({ length: 10_000 }, () => 5 * GiB);
    const plan = planCopy(MAX_OBJECT_BYTES, 'COMPOSITE', defaults, sizes);
    if (plan.kind !== 'multipart') throw new Error('expected multipart');
    expect(plan.parts).toHaveLength(10_000);
    coversExactly(MAX_OBJECT_BYTES, plan.parts);
  });

  it('honours a small threshold and part size for tests (minPartSize lowered)', () => {
    const plan = planCopy(5 * MiB + 777, 'FULL_OBJECT', { multipartThreshold: MiB, partSize: MiB, minPartSize: 1024 });
    expect(plan.kind === 'multipart' && plan.parts.length).toBe(6);
    // Without the lowered minimum, parts stay at S3's 5 MiB.
    const real = planCopy(20 * MiB, 'FULL_OBJECT', { multipartThreshold: MiB, partSize: MiB });
    expect(real.kind === 'multipart' && real.parts.map((p) => p.end - p.start + 1)).toEqual([5 * MiB, 5 * MiB, 5 * MiB, 5 * MiB]);
  });

  it('copies a COMPOSITE object part for part, at any size, and refuses without the part sizes', () => {
    const plan = planCopy(25, 'COMPOSITE', defaults, [10, 10, 5]);
    expect(plan).toEqual({
      kind: 'multipart',
      checksumType: 'COMPOSITE',
      parts: [
        { partNumber: 1, start: 0, end: 9 },
        { partNumber: 2, start: 10, end: 19 },
        { partNumber: 3, start: 20, end: 24 },
      ],
    });
    expect(() => planCopy(25, 'COMPOSITE', defaults)).toThrow(/part sizes/);
  });

  it('ranges cover the object exactly', () => {
    for (const [size, part] of [
      [1, 1],
      [10, 3],
      [9, 3],
      [1000, 7],
    ] as const) {
      coversExactly(size, rangesOf(size, part));
    }
    expect(rangesFromPartSizes([4, 4, 1]).at(-1)).toEqual({ partNumber: 3, start: 8, end: 8 });
  });
});

describe('verification', () => {
  it('accepts a copy with the same size, CRC32 and type under the permanent key', () => {
    expect(verifyCopy(facts(), facts({ etag: 'other' }), 'arn:aws:kms:us-east-1:1:key/perm')).toEqual({ ok: true });
  });

  it.each([
    ['size', facts({ size: 99 }), /99 bytes/],
    ['checksum', facts({ checksumCrc32: 'BBBBBB==' }), /Checksum mismatch/],
    ['checksum type', facts({ checksumType: 'COMPOSITE' }), /Checksum mismatch/],
    ['missing checksum', facts({ checksumCrc32: null }), /no CRC32/],
    ['KMS key', facts({ kmsKeyId: 'arn:aws:kms:us-east-1:1:key/dock' }), /not the permanent key/],
  ])('rejects a copy whose %s differs, with a reason a person can read', (_, dest, reason) => {
    const verdict = verifyCopy(facts(), dest, 'arn:aws:kms:us-east-1:1:key/perm');
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.reason).toMatch(reason);
  });

  it('recognises a finished copy by the source ETag in its metadata and its own verified checksum', () => {
    const meta = promotionMetadata(record, facts());
    const copy = facts({ etag: 'new', metadata: meta });
    expect(isVerifiedCopyOf(copy, 'abc-2', 100)).toBe(true);
    expect(isVerifiedCopyOf(copy, 'abc-3', 100)).toBe(false);
    expect(isVerifiedCopyOf(copy, 'abc-2', 101)).toBe(false);
    expect(isVerifiedCopyOf({ ...copy, checksumCrc32: 'BBBBBB==' }, 'abc-2', 100)).toBe(false);
    expect(isVerifiedCopyOf(facts({ metadata: {} }), 'abc-2', 100)).toBe(false);
  });

  it('percent-encodes the uploader and file name for the ASCII-only metadata headers', () => {
    expect(promotionMetadata(record, facts())).toEqual({
      'upload-id': record.id,
      uploader: 'zo%C3%AB%40example.com',
      'file-name': 'Bericht%20%C3%9C.pdf',
      'checksum-crc32': 'AAAAAA==',
      'checksum-type': 'FULL_OBJECT',
      'source-etag': 'abc-2',
    });
  });

  it('percent-encodes even a name stored with a lone surrogate (encodeURIComponent would throw), as U+FFFD', () => {
    const old = { ...record, owner: 'static:zo\uD800', fileName: 'a\uDC00.pdf' };
    expect(promotionMetadata(old, facts())).toMatchObject({ uploader: 'static%3Azo%EF%BF%BD', 'file-name': 'a%EF%BF%BD.pdf' });
  });

  it('promotes only a dock object that is SSE-KMS under the dock key', () => {
    const dockKey = 'arn:aws:kms:us-east-1:1:key/dock';
    expect(dockEncryptionProblem(facts({ serverSideEncryption: 'aws:kms', kmsKeyId: dockKey }), dockKey)).toBeNull();
    expect(dockEncryptionProblem(facts({ serverSideEncryption: 'aws:kms', kmsKeyId: 'dock' }), dockKey)).toBeNull();
    expect(dockEncryptionProblem(facts({ serverSideEncryption: 'AES256', kmsKeyId: null }), dockKey)).toMatch(/stored with AES256/);
    expect(dockEncryptionProblem(facts({ serverSideEncryption: null, kmsKeyId: null }), dockKey)).toMatch(/stored without SSE-KMS/);
    expect(dockEncryptionProblem(facts({ serverSideEncryption: 'aws:kms:dsse', kmsKeyId: dockKey }), dockKey)).toMatch(/stored with aws:kms:dsse/);
    expect(dockEncryptionProblem(facts({ serverSideEncryption: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:1:key/other' }), dockKey)).toMatch(/encrypted with .*key\/other, not the loading dock's key/);
    expect(dockEncryptionProblem(facts({ serverSideEncryption: 'aws:kms', kmsKeyId: null }), dockKey)).toMatch(/an unnamed KMS key/);
  });

  it('finds problems with the uploaded object that retrying cannot fix', () => {
    expect(sourceProblem(record, facts())).toBeNull();
    expect(sourceProblem(record, facts({ size: 5 }))).toMatch(/5 bytes but 100 were announced/);
    expect(sourceProblem(record, facts({ checksumCrc32: null, checksumType: null }))).toMatch(/no CRC32/);
  });

  it('compares KMS keys by key id, whether given as ARN or id', () => {
    expect(sameKmsKey('arn:aws:kms:us-east-1:1:key/abc', 'abc')).toBe(true);
    expect(sameKmsKey('arn:aws:kms:us-east-1:1:key/abc', 'arn:aws:kms:us-east-1:1:key/abd')).toBe(false);
  });
});
