/**
 * Part planning: the one place that decides how a file is cut into multipart-upload parts.
 *
 * S3's limits: at most 10,000 parts, every part but the last at least 5 MiB, at most 5 GiB a
 * part, at most 5 TiB an object. We keep part sizes a whole number of MiB (readable in logs,
 * aligned for the page cache) and pick the smallest size that fits, but never below the
 * preferred size: small enough to keep memory (parts in flight x part size) low and retries
 * cheap, large enough to keep per-request overhead negligible.
 */

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

/** S3's limits for multipart uploads. */
export const S3_LIMITS: Readonly<Required<Omit<PlanLimits, 'unit'>>> = Object.freeze({
  maxParts: 10_000,
  minPartSize: 5 * MiB,
  maxPartSize: 5 * GiB,
  maxObjectSize: 5 * TiB,
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

export type PlanErrorCode = 'FILE_TOO_LARGE' | 'INVALID_PART_SIZE' | 'INVALID_FILE_SIZE';

export class PartPlanError extends Error {
  override readonly name = 'PartPlanError';
  constructor(
    readonly code: PlanErrorCode,
    message: string,
  ) {
    super(message);
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
      `The file is ${fileSize} bytes; S3 objects can be at most ${limits.maxObjectSize} bytes (5 TiB). Split the file before uploading it.`,
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
