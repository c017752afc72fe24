/**
 * At resume, before any new part is sent: some of the parts already sent are read again from
 * the file, and their CRC32 must be the one journaled. The identity check (size, mtime, ctime,
 * device, inode) catches every change the platform records; the sample catches what it cannot
 * (a journal written before ctimes were kept, a file system that keeps no ctime, a clock put
 * back), at the cost of reading a small share of the file.
 *
 * Which parts: the first and the last journaled (headers and trailers of archives and videos are
 * what tools rewrite), and others chosen at random: 8 or 1 % of the journaled parts, whichever is
 * more.
 */
import { crc32FromBase64 } from './crc32.js';
import { partRange, type PartPlan } from '../../shared/part-planner.js';
import type { PartRecord } from '../../shared/transfer-model.js';
import { crc32OfRange } from './part-body.js';
import type { OpenFile } from './ports.js';

/** Random parts re-read at least, beside the first and the last. */
export const SAMPLE_MIN_RANDOM = 8;
/** Share of the journaled parts re-read at random when that is more than SAMPLE_MIN_RANDOM. */
export const SAMPLE_SHARE = 0.01;

/** The part numbers to re-read, ascending (pure; `random` in [0, 1) picks the random ones). */
export function sampleParts(journaled: readonly number[], random: () => number = Math.random): number[] {
  const sorted = [...new Set(journaled)].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  const chosen = new Set([sorted[0]!, sorted.at(-1)!]);
  const wanted = Math.min(sorted.length, chosen.size + Math.max(SAMPLE_MIN_RANDOM, Math.ceil(sorted.length * SAMPLE_SHARE)));
  // A partial Fisher-Yates over the rest: distinct picks, no retries however few are left.
  const rest = sorted.filter((n) => !chosen.has(n));
  for (let i = 0; chosen.size < wanted; i++) {
    const j = i + Math.floor(random() * (rest.length - i));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    chosen.add(rest[i]!);
  }
  return [...chosen].sort((a, b) => a - b);
}

export interface SampleMismatch {
  readonly partNumber: number;
  readonly offset: number;
  readonly length: number;
}

export interface SampleResult {
  readonly checked: readonly number[];
  readonly bytesRead: number;
  /** The first part that reads differently now, or null. */
  readonly mismatch: SampleMismatch | null;
}

/** Re-reads the sampled parts of `file` and compares each CRC32 with the journaled one. */
export async function checkSample(
  file: OpenFile,
  plan: PartPlan,
  parts: readonly PartRecord[],
  scratch: Buffer,
  options: { random?: () => number; signal?: AbortSignal; onStart?: (totalBytes: number) => void; onBytes?: (count: number) => void } = {},
): Promise<SampleResult> {
  const byNumber = new Map(parts.map((p) => [p.partNumber, p]));
  const checked = sampleParts([...byNumber.keys()], options.random);
  options.onStart?.(checked.reduce((sum, n) => sum + partRange(plan, n).length, 0));
  let bytesRead = 0;
  for (const partNumber of checked) {
    options.signal?.throwIfAborted();
    const { offset, length } = partRange(plan, partNumber);
    const crc = await crc32OfRange(file, offset, length, scratch);
    bytesRead += length;
    options.onBytes?.(length);
    if (crc !== crc32FromBase64(byNumber.get(partNumber)!.checksum)) return { checked, bytesRead, mismatch: { partNumber, offset, length } };
  }
  return { checked, bytesRead, mismatch: null };
}
