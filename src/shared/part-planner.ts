/**
 * Part planning: the one place that decides how a file is cut into multipart-upload parts.
 *
 * S3's limits: at most 10,000 parts, every part but the last at least 5 MiB, at most 5 GiB a
 * part, so an object of at most 10,000 x 5 GiB = 50,000 GiB (48.8 TiB, S3's maximum since
 * December 2025; 5 TiB before). We keep part sizes a whole number of MiB (readable in logs,
 * aligned for the page cache) and pick the smallest size that fits, but never below the
 * preferred size: small enough to keep what a retry or a kill re-sends (parts in flight x part
 * size) cheap, large enough to keep per-request overhead negligible. Memory does not grow with
 * the part size: parts are streamed in 256 KiB chunks (src/main/engine/part-body.ts).
 */
import { DocksideError } from './errors.js';
import { formatBinaryBytes } from './units.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Limits a plan must fit in; `unit` is what part sizes are a whole number of (1 MiB). */
export interface PlanLimits {
  readonly maxParts: number;
  readonly minPartSize: number;
  readonly maxPartSize: number;
  readonly maxObjectSize: number;
  readonly unit?: number;
}

/** S3's limits for multipart uploads: the largest object is exactly 10,000 parts of 5 GiB. */
export const S3_LIMITS: Readonly<Required<Omit<PlanLimits, 'unit'>>> = Object.freeze({
  maxParts: 10_000,
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxObjectSize: 10_000 * 5 * GiB,
});

/** Dockside's default part size when the file is small enough for it (16 MiB). */
export const DEFAULT_PART_SIZE = 16 * MiB;

export interface PartPlan {
  readonly fileSize: number;
  readonly partSize: number;
  readonly partCount: number;
}

export interface PlanOptions {
  /** The part size to use when the file allows it; raised when the file needs bigger parts. */
  readonly preferredPartSize?: number;
  /** Limits to plan within; tests lower them to exercise many parts on a small file. */
  readonly limits?: Partial<PlanLimits>;
}

/** What is wrong with a plan's input: the file is too large, or a size is not one S3 allows. */
export type PlanProblem = 'FILE_TOO_LARGE' | 'INVALID_PART_SIZE' | 'INVALID_FILE_SIZE';

/**
 * A file that cannot be planned. A DocksideError like every other, so each carrier (engine, CLI,
 * IPC) reports it by its code: FILE_TOO_LARGE, or INVALID_INPUT for a size that is not valid;
 * `problem` keeps the finer reason.
 */
export class PartPlanError extends DocksideError {
  override readonly name = 'PartPlanError';
  constructor(
    readonly problem: PlanProblem,
    message: string,
  ) {
    super(problem === 'FILE_TOO_LARGE' ? 'FILE_TOO_LARGE' : 'INVALID_INPUT', message);
  }
}

/** Plans the parts of a file of `fileSize` bytes; throws PartPlanError when it cannot be uploaded. */
export function planParts(fileSize: number, options: PlanOptions = {}): PartPlan {
  const limits = { ...S3_LIMITS, ...options.limits };
  const unit = options.limits?.unit ?? MiB;
  if (!Number.isSafeInteger(fileSize) || fileSize < 0) {
    throw new PartPlanError('INVALID_FILE_SIZE', `File size ${fileSize} is not a whole number of bytes.`);
  }
  if (fileSize > limits.maxObjectSize) {
    throw new PartPlanError(
      'FILE_TOO_LARGE',
      `The file is ${fileSize} bytes (${formatBinaryBytes(fileSize)}); an S3 object can be at most ${limits.maxObjectSize} bytes (${formatBinaryBytes(limits.maxObjectSize)}). Split the file before uploading it.`,
    );
  }
  const preferred = options.preferredPartSize ?? Math.min(Math.max(DEFAULT_PART_SIZE, limits.minPartSize), limits.maxPartSize);
  if (!Number.isSafeInteger(preferred) || preferred % unit !== 0 || preferred < limits.minPartSize || preferred > limits.maxPartSize) {
    throw new PartPlanError(
      'INVALID_PART_SIZE',
      `Part size ${preferred} bytes is not allowed: use a whole number of MiB between ${limits.minPartSize / unit} and ${limits.maxPartSize / unit} MiB.`,
    );
  }
  // Smallest whole-unit part size that keeps the count within maxParts.
  const needed = Math.ceil(Math.ceil(fileSize / limits.maxParts) / unit) * unit;
  const partSize = Math.min(Math.max(preferred, needed), limits.maxPartSize);
  // An empty file is still one (empty) part: S3 needs at least one part to complete.
  const partCount = Math.max(1, Math.ceil(fileSize / partSize));
  return { fileSize, partSize, partCount };
}

/** Byte range of part `partNumber` (1-based) in a plan. */
export function partRange(plan: PartPlan, partNumber: number): { readonly offset: number; readonly length: number } {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > plan.partCount) {
    throw new RangeError(`Part ${partNumber} is outside 1..${plan.partCount}.`);
  }
  const offset = (partNumber - 1) * plan.partSize;
  return { offset, length: Math.min(plan.partSize, plan.fileSize - offset) };
}
