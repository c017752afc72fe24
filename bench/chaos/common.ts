// Shared pieces of the chaos suite (kill storm and fault schedule): a seeded PRNG, cached random
// files, streamed sha256s, S3 checks against moto, a byte counter on the fault proxy, and a thin
// wrapper around the real CLI (test/main/cli/run-cli.ts) that tracks its JSON lines.
import type { TransferRecord } from '../../src/shared/transfer-model.js';
import { createHash, randomFillSync } from 'node:crypto';
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FaultProxy, ProxyLogEntry } from '../../test/support/fault-proxy.js';
import { parseJsonLines, runCli, startCli, type CliExit, type CliProcess } from '../../test/main/cli/run-cli.js';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same kill delays and fault
 * placements, so a failing run can be replayed with `--seed`.
 */
export class Prng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** A whole number in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
  /** A derived generator, so one phase drawing more numbers does not shift another's. */
  fork(label: string): Prng {
    let h = this.seed >>> 0;
    for (const c of label) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
    return new Prng(h);
  }
}

export function newSeed(): number {
  return (Date.now() ^ (process.pid << 16)) >>> 0 || 1;
}

/** A pass/fail line of the report. `finding` names a known engine problem the check exposes. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly finding?: string;
}

export function check(name: string, ok: boolean, detail: string, finding?: string): Check {
  return finding !== undefined && !ok ? { name, ok, detail, finding } : { name, ok, detail };
}

// ---------------------------------------------------------------------------------------------
// Files

export interface RandomFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

const CHUNK = 8 * MiB;

/** Writes `size` random bytes to `path` (via a temporary file) and returns their sha256. */
export function writeRandomFile(path: string, size: number): RandomFile {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  const fd = openSync(tmp, 'w');
  try {
    for (let written = 0; written < size; ) {
      const n = Math.min(buffer.length, size - written);
      const chunk = buffer.subarray(0, n);
      randomFillSync(chunk);
      hash.update(chunk);
      writeSync(fd, chunk, 0, n);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  return { path, size, sha256: hash.digest('hex') };
}

interface CacheStamp {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/**
 * A random file of `size` bytes under `cacheDir`, generated once and reused (a sidecar records
 * its size, mtime and sha256; a file that no longer matches it is generated again).
 */
export function cachedRandomFile(cacheDir: string, size: number, name = `chaos-${size}.bin`): RandomFile & { reused: boolean } {
  const path = join(cacheDir, name);
  const stampPath = `${path}.json`;
  if (existsSync(path) && existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as CacheStamp;
      const st = statSync(path);
      if (st.size === size && stamp.size === size && stamp.mtimeMs === st.mtimeMs && /^[0-9a-f]{64}$/.test(stamp.sha256)) {
        return { path, size, sha256: stamp.sha256, reused: true };
      }
    } catch {
      // A damaged sidecar: generate the file again below.
    }
  }
  const file = writeRandomFile(path, size);
  writeFileSync(stampPath, JSON.stringify({ size, mtimeMs: statSync(path).mtimeMs, sha256: file.sha256 } satisfies CacheStamp));
  return { ...file, reused: false };
}

export async function sha256OfStream(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    hash.update(bytes);
  }
  return { sha256: hash.digest('hex'), size };
}

export function sha256OfFile(path: string): Promise<{ sha256: string; size: number }> {
  return sha256OfStream(createReadStream(path, { highWaterMark: CHUNK }));
}

// ---------------------------------------------------------------------------------------------
// S3 (straight to moto, not through the proxy)

/** GetObject, streamed through sha256 (a multi-GiB object is never held in memory). */
export async function sha256OfObject(s3: S3Client, bucket: string, key: string): Promise<{ sha256: string; size: number } | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await sha256OfStream(out.Body as Readable);
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return null;
    throw error;
  }
}

export interface OpenUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: string | null;
}

/** Every multipart upload still open in the bucket (all pages). */
export async function listOpenUploads(s3: S3Client, bucket: string): Promise<OpenUpload[]> {
  const out: OpenUpload[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const res = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
    for (const u of res.Uploads ?? []) {
      out.push({ key: u.Key ?? '?', uploadId: u.UploadId ?? '?', initiated: u.Initiated ? u.Initiated.toISOString() : null });
    }
    if (!res.IsTruncated) break;
    keyMarker = res.NextKeyMarker;
    uploadIdMarker = res.NextUploadIdMarker;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Counting UploadPart bytes at the fault proxy

export interface PartRequest {
  readonly partNumber: number;
  /** The request's Content-Length: the part's size, whether or not all of it got through. */
  readonly bytes: number;
  readonly at: number;
}

export interface PartTap {
  readonly requests: PartRequest[];
  /** Sum of Content-Length over every UploadPart request the proxy saw. */
  bytes(): number;
  /**
   * The same bytes split by outcome, from the proxy log: `stored` were answered 200 by S3 (a
   * part stored, possibly again), `notStored` were cut off, refused or never answered.
   * Call once the requests have ended.
   */
  split(): { stored: number; notStored: number };
}

/**
 * Records every UploadPart request the proxy sees (part number and payload size). It is a rule
 * whose matcher never matches, added first so it sees every request; call again after clearRules().
 */
export function tapUploadParts(proxy: FaultProxy): PartTap {
  // The proxy logs a request before asking the rules, so the n-th UploadPart in the log from
  // here on is the n-th request this tap records.
  const logStart = proxy.log.length;
  const target: PartTap = {
    requests: [],
    bytes() {
      return this.requests.reduce((sum, r) => sum + r.bytes, 0);
    },
    split() {
      const entries = proxy.log.slice(logStart).filter((e) => s3Op(e) === 'upload-part');
      let stored = 0;
      let notStored = 0;
      this.requests.forEach((r, i) => {
        // Forwarded (no fault, or one that forwards) and answered 200 by S3: S3 has the part.
        const entry = entries[i];
        const forwarded = entry?.fault === undefined || entry.fault === 'delay' || entry.fault === 'drop-response';
        if (entry?.status === 200 && forwarded) stored += r.bytes;
        else notStored += r.bytes;
      });
      return { stored, notStored };
    },
  };
  proxy.addRule({
    match: (req) => {
      if (req.method === 'PUT' && req.query.has('uploadId') && req.query.has('partNumber')) {
        // A part sent aws-chunked (its CRC32 in a trailer) says its payload size here; its
        // Content-Length, if any, counts the chunk framing too.
        const length = Number(req.headers['x-amz-decoded-content-length'] ?? req.headers['content-length'] ?? 0);
        target.requests.push({ partNumber: Number(req.query.get('partNumber')), bytes: Number.isFinite(length) ? length : 0, at: Date.now() });
      }
      return false;
    },
    action: { kind: 'delay', ms: 0 },
    times: Infinity,
  });
  return target;
}

export type S3Op = 'create' | 'upload-part' | 'complete' | 'list-parts' | 'abort' | 'head' | 'other';

/** What an entry of the proxy log was, in S3 terms. */
export function s3Op(entry: Pick<ProxyLogEntry, 'method' | 'query'>): S3Op {
  const q = new URLSearchParams(entry.query);
  if (entry.method === 'POST' && q.has('uploads')) return 'create';
  if (entry.method === 'PUT' && q.has('uploadId') && q.has('partNumber')) return 'upload-part';
  if (entry.method === 'POST' && q.has('uploadId')) return 'complete';
  if (entry.method === 'GET' && q.has('uploadId')) return 'list-parts';
  if (entry.method === 'DELETE' && q.has('uploadId')) return 'abort';
  if (entry.method === 'HEAD') return 'head';
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// The CLI

export interface ProgressLine {
  readonly at: number;
  readonly state: string;
  readonly bytesDone: number;
  readonly partsDone: number;
}

/** A running `dockside … --json` with its JSON lines parsed as they arrive. */
export class TrackedCli {
  readonly cli: CliProcess;
  readonly startedAt = Date.now();
  transferLine: Record<string, unknown> | null = null;
  result: Record<string, unknown> | null = null;
  readonly progress: ProgressLine[] = [];
  readonly logLines: Record<string, unknown>[] = [];
  exit: CliExit | null = null;
  endedAt: number | null = null;
  private buffered = '';

  constructor(args: readonly string[], home: string) {
    this.cli = startCli(args, { home });
    this.cli.child.stdout!.on('data', (chunk: string) => this.take(chunk));
    void this.cli.exited.then(
      (exit) => {
        this.exit = exit;
        this.endedAt = Date.now();
      },
      () => undefined,
    );
  }

  get running(): boolean {
    return this.exit === null;
  }

  get lastState(): string | null {
    return this.progress.at(-1)?.state ?? null;
  }

  kill(): void {
    this.cli.child.kill('SIGKILL');
  }

  async waitForExit(timeoutMs: number): Promise<CliExit> {
    return this.cli.waitForExit(timeoutMs);
  }

  private take(chunk: string): void {
    const lines = (this.buffered + chunk).split('\n');
    this.buffered = lines.pop() ?? '';
    for (const text of lines) {
      if (text.trim() === '') continue;
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (line.type === 'transfer') this.transferLine = line;
      else if (line.type === 'result') this.result = line;
      else if (line.type === 'log') this.logLines.push(line);
      else if (line.type === 'progress') {
        this.progress.push({
          at: Date.now(),
          state: String(line.state),
          bytesDone: Number(line.bytesDone ?? 0),
          partsDone: Number(line.partsDone ?? 0),
        });
      }
    }
  }
}

/** What `dockside ls --json` prints of a transfer, as far as the chaos checks look. */
export type JournalTransfer = Pick<
  TransferRecord,
  'id' | 'filePath' | 'state' | 'partsDone' | 'partCount' | 'bytesDone' | 'fileSize' | 'partSize' | 'uploadId' | 'errorCode'
>;

/** `dockside ls --json`. */
export async function cliList(home: string): Promise<JournalTransfer[]> {
  const out = await runCli(['ls', '--json'], { home });
  if (out.code !== 0) throw new Error(`dockside ls --json exited ${out.code}: ${out.stderr}`);
  return JSON.parse(out.stdout) as JournalTransfer[];
}

export interface LogEvent {
  id: number;
  transferId: string | null;
  at: number;
  level: string;
  type: string;
  message: string;
  data: Record<string, unknown> | null;
}

/** `dockside log ID --json`. */
export async function cliLog(home: string, transferId: string): Promise<LogEvent[]> {
  const out = await runCli(['log', transferId, '--json'], { home });
  if (out.code !== 0) throw new Error(`dockside log exited ${out.code}: ${out.stderr}`);
  return parseJsonLines(out.stdout) as unknown as LogEvent[];
}

export function countBy<T>(items: readonly T[], key: (item: T) => string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}
