/**
 * Pure decisions of the promotion worker: how to copy a dock object to the permanent bucket (one
 * CopyObject, or a multipart copy and with which byte ranges), what metadata the permanent object
 * carries, and whether a permanent object is a verified copy of a dock object. Kept apart from the
 * S3 calls so each rule can be table-tested.
 */
import type { ChecksumSpec } from '../../../src/shared/backend-api.js';
import { GiB, MiB, S3_LIMITS } from '../../../src/shared/part-planner.js';
import { toWellFormed } from '../../../src/shared/well-formed.js';
import type { UploadRecord } from './upload-store.js';

/** CopyObject copies at most 5 GiB; larger objects need UploadPartCopy. */
export const MAX_SINGLE_COPY_BYTES = 5 * GiB;
/** S3's bounds on one part: 5 MiB (except the last) to 5 GiB, at most 10,000 parts (the planner's S3_LIMITS). */
export const MIN_PART_BYTES = S3_LIMITS.minPartSize;
export const MAX_PART_BYTES = S3_LIMITS.maxPartSize;
export const MAX_PARTS = S3_LIMITS.maxParts;
/** S3's largest object, 10,000 x 5 GiB (48.8 TiB): the largest a multipart copy can make. */
export const MAX_OBJECT_BYTES = S3_LIMITS.maxObjectSize;

/** What S3 reports about an object (HeadObject with ChecksumMode ENABLED). */
export interface ObjectFacts {
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  readonly checksumCrc32: string | null;
  readonly checksumType: ChecksumSpec['type'] | null;
  /** `x-amz-server-side-encryption` as S3 reports it: `aws:kms`, `AES256`, …; null when absent. */
  readonly serverSideEncryption: string | null;
  readonly kmsKeyId: string | null;
  readonly contentType: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** Number of parts for an object made by a multipart upload, else null. */
  readonly partsCount: number | null;
}

export interface ByteRange {
  readonly partNumber: number;
  /** Inclusive, as in `bytes=start-end`. */
  readonly start: number;
  readonly end: number;
}

export type CopyPlan =
  | { readonly kind: 'single' }
  | { readonly kind: 'multipart'; readonly checksumType: ChecksumSpec['type']; readonly parts: readonly ByteRange[] };

export interface CopyPlanOptions {
  /** Objects larger than this are copied in parts (at most MAX_SINGLE_COPY_BYTES). */
  readonly multipartThreshold: number;
  /**
   * Preferred part size; raised to the smallest whole MiB that fits the object in MAX_PARTS parts
   * (512 MiB by default covers 10,000 x 512 MiB = 4.88 TiB; a 48.8 TiB object gets 5 GiB parts).
   */
  readonly partSize: number;
  /** Smallest part allowed (S3: 5 MiB; lowered only against a test server). */
  readonly minPartSize?: number;
}

/** Consecutive ranges of `partSize` bytes covering `size` bytes (the last may be shorter). */
export function rangesOf(size: number, partSize: number): ByteRange[] {
  const parts: ByteRange[] = [];
  for (let start = 0, n = 1; start < size; start += partSize, n++) {
    parts.push({ partNumber: n, start, end: Math.min(start + partSize, size) - 1 });
  }
  return parts;
}

/** Ranges that reproduce a source object's own part layout, from its part sizes in order. */
export function rangesFromPartSizes(partSizes: readonly number[]): ByteRange[] {
  let start = 0;
  return partSizes.map((size, i) => {
    const range = { partNumber: i + 1, start, end: start + size - 1 };
    start += size;
    return range;
  });
}

/**
 * How to copy an object of `size` bytes whose checksum is of `checksumType`.
 *
 * A FULL_OBJECT CRC32 is the same whatever the part layout, so the copy picks its own parts. A
 * COMPOSITE checksum is a checksum of the part checksums, so it can only be compared with a copy
 * made of exactly the same parts: such objects are copied part for part (`sourcePartSizes`), at
 * any size. An object larger than S3's maximum cannot be copied into 10,000 parts of 5 GiB: refused.
 */
export function planCopy(
  size: number,
  checksumType: ChecksumSpec['type'],
  options: CopyPlanOptions,
  sourcePartSizes?: readonly number[],
): CopyPlan {
  if (size > MAX_OBJECT_BYTES) {
    throw new RangeError(`an object of ${size} bytes is larger than S3's maximum (${MAX_OBJECT_BYTES} bytes, 10,000 parts of 5 GiB) and cannot be copied`);
  }
  if (checksumType === 'COMPOSITE') {
    if (!sourcePartSizes || sourcePartSizes.length === 0) {
      throw new RangeError('a COMPOSITE checksum can only be verified on a part-for-part copy: source part sizes are needed');
    }
    return { kind: 'multipart', checksumType, parts: rangesFromPartSizes(sourcePartSizes) };
  }
  const threshold = Math.min(options.multipartThreshold, MAX_SINGLE_COPY_BYTES);
  if (size <= threshold) return { kind: 'single' };
  const minPart = options.minPartSize ?? MIN_PART_BYTES;
  const fewestBytesPerPart = Math.ceil(size / MAX_PARTS / MiB) * MiB;
  const partSize = Math.min(MAX_PART_BYTES, Math.max(options.partSize, minPart, fewestBytesPerPart));
  return { kind: 'multipart', checksumType, parts: rangesOf(size, partSize) };
}

/**
 * Where a promoted file lives: the same key as in the dock. The key is unique by its upload id, so
 * promotion never overwrites another file and every retry writes the same place.
 */
export function permanentKeyFor(dockKey: string): string {
  return dockKey;
}

/** Names of the user metadata (x-amz-meta-*) every promoted object carries. */
export const PROMOTION_METADATA = {
  uploadId: 'upload-id',
  uploader: 'uploader',
  fileName: 'file-name',
  checksumCrc32: 'checksum-crc32',
  checksumType: 'checksum-type',
  sourceEtag: 'source-etag',
} as const;

/**
 * The permanent object's metadata. The uploader and file name are percent-encoded: S3 metadata
 * travels in HTTP headers, which carry ASCII only (made well-formed first: encodeURIComponent
 * throws on a lone surrogate, which a record stored before the wire refused them may hold).
 */
export function promotionMetadata(record: UploadRecord, source: ObjectFacts): Record<string, string> {
  return {
    [PROMOTION_METADATA.uploadId]: record.id,
    [PROMOTION_METADATA.uploader]: encodeURIComponent(toWellFormed(record.owner)),
    [PROMOTION_METADATA.fileName]: encodeURIComponent(toWellFormed(record.fileName)),
    [PROMOTION_METADATA.checksumCrc32]: source.checksumCrc32 ?? '',
    [PROMOTION_METADATA.checksumType]: source.checksumType ?? '',
    [PROMOTION_METADATA.sourceEtag]: source.etag,
  };
}

export type Verdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Whether `dest` is a good copy of `source`: same size, and the CRC32 S3 computed for the copy
 * equals the dock object's (same type: both full-object, or both composite over the same parts).
 */
export function verifyCopy(source: ObjectFacts, dest: ObjectFacts, permanentKmsKeyArn: string | null): Verdict {
  if (dest.size !== source.size) {
    return { ok: false, reason: `The permanent copy has ${dest.size} bytes but the uploaded object has ${source.size}.` };
  }
  if (dest.checksumCrc32 === null) {
    return { ok: false, reason: 'S3 reported no CRC32 checksum for the permanent copy, so it could not be verified.' };
  }
  if (dest.checksumCrc32 !== source.checksumCrc32 || dest.checksumType !== source.checksumType) {
    return {
      ok: false,
      reason: `Checksum mismatch after copy: the uploaded object has CRC32 ${source.checksumCrc32} (${source.checksumType}), the permanent copy ${dest.checksumCrc32} (${dest.checksumType}).`,
    };
  }
  if (permanentKmsKeyArn !== null && dest.kmsKeyId !== null && !sameKmsKey(dest.kmsKeyId, permanentKmsKeyArn)) {
    return { ok: false, reason: `The permanent copy is encrypted with ${dest.kmsKeyId}, not the permanent key.` };
  }
  return { ok: true };
}

/**
 * True when a permanent object is already a verified copy of the dock object whose ETag is
 * `sourceEtag` (it carries that ETag in its metadata and S3's checksum of it equals the one copied
 * from the dock). Lets a redelivered event skip the copy after a crash, and finish even when the
 * dock copy is already gone.
 */
export function isVerifiedCopyOf(dest: ObjectFacts, sourceEtag: string, expectedSize: number): boolean {
  const meta = dest.metadata;
  return (
    meta[PROMOTION_METADATA.sourceEtag] === sourceEtag &&
    dest.size === expectedSize &&
    dest.checksumCrc32 !== null &&
    dest.checksumCrc32 === meta[PROMOTION_METADATA.checksumCrc32] &&
    dest.checksumType === meta[PROMOTION_METADATA.checksumType]
  );
}

/** KMS reports either a key ARN or a key id; compare by key id. */
export function sameKmsKey(a: string, b: string): boolean {
  const id = (s: string): string => s.slice(s.lastIndexOf('/') + 1);
  return id(a) === id(b);
}

/**
 * Whether the dock object is SSE-KMS under the dock key, as the dock's bucket policy demands of
 * every write. The policy is the control; this is the second net (and the only one on a stack
 * that does not enforce bucket policies, such as moto): an object stored any other way (SSE-S3's
 * AES256, another KMS key, a customer key) is never promoted. Null when it is as it should be.
 */
export function dockEncryptionProblem(source: ObjectFacts, dockKmsKeyArn: string): string | null {
  if (source.serverSideEncryption !== 'aws:kms') {
    const how = source.serverSideEncryption === null ? 'without SSE-KMS' : `with ${source.serverSideEncryption}`;
    return `The uploaded object was stored ${how}, not under the loading dock's KMS key, so it was not promoted; upload the file again.`;
  }
  if (source.kmsKeyId === null || !sameKmsKey(source.kmsKeyId, dockKmsKeyArn)) {
    return `The uploaded object is encrypted with ${source.kmsKeyId ?? 'an unnamed KMS key'}, not the loading dock's key, so it was not promoted; upload the file again.`;
  }
  return null;
}

/**
 * Problems with the uploaded object itself, found before copying: retrying cannot fix them, so
 * the record is marked failed with this reason. Null when the object can be promoted.
 */
export function sourceProblem(record: UploadRecord, source: ObjectFacts): string | null {
  if (source.size !== record.size) {
    return `The uploaded object has ${source.size} bytes but ${record.size} were announced; upload the file again.`;
  }
  if (source.checksumCrc32 === null || source.checksumType === null) {
    return 'The uploaded object carries no CRC32 checksum, so its copy could not be verified; upload it again with checksums.';
  }
  return null;
}
