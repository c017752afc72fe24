/**
 * The engine's ports: what it needs from the world, named by role. Implementations are named
 * by technology (S3ObjectStore, SqliteJournal, NodeFileSource) and wired in a composition root.
 */
import type { Readable } from 'node:stream';
import type {
  ChecksumType,
  EventLevel,
  PartRecord,
  ServerChecks,
  Verification,
  TransferLogEntry,
  TransferRecord,
  TransferState,
  TransferTarget,
} from '../../shared/transfer-model.js';
import type { ErrorInfo } from '../../shared/errors.js';
import type { FileIdentity } from './file-identity.js';

// ---------------------------------------------------------------------------------------------
// Object store (S3 or an S3-compatible server)

export interface CreateUploadRequest {
  readonly bucket: string;
  readonly key: string;
  readonly contentType?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksumType: ChecksumType;
  /** Encrypt with this KMS key (SSE-KMS); absent means the bucket's default encryption. */
  readonly kmsKeyId?: string;
}

export interface UploadPartRequest {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly partNumber: number;
  readonly body: Readable | Uint8Array;
  readonly contentLength: number;
  /**
   * CRC32 of the body, base64, sent in a header before the body: S3 checks it and refuses the
   * part on mismatch. When absent, the store computes the CRC32 while it streams the body and
   * sends it as an aws-chunked trailer (S3 checks that one just the same), so the body is read
   * once instead of twice.
   */
  readonly checksumCrc32?: string;
  /**
   * MD5 of the body, base64, sent as Content-MD5: servers that check no CRC32 (Ceph RGW 16.2) still
   * check this one and refuse the part on mismatch (BadDigest).
   */
  readonly contentMd5?: string;
  /**
   * Set when the body (a stream) emits chunks of exactly this many bytes, the last one shorter:
   * the store may then announce the aws-chunked body's length instead of sending it chunked.
   */
  readonly bodyChunkBytes?: number;
}

export interface UploadedPart {
  readonly etag: string;
  /** The CRC32 S3 computed of the bytes it received, when it says (real S3 does for every checksummed part). */
  readonly checksumCrc32?: string;
}

export interface RemotePart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  /** Not every endpoint returns it (moto does not). */
  readonly checksumCrc32?: string;
}

export interface CompleteUploadRequest {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly parts: readonly PartRecord[];
  readonly checksumType: ChecksumType;
  /** Whole-object CRC32 (base64), sent with FULL_OBJECT so S3 verifies the assembled object. */
  readonly fullChecksum: string;
}

export interface CompletedObject {
  readonly etag: string;
  readonly checksumCrc32?: string;
}

export interface RemoteObject {
  readonly size: number;
  readonly etag: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly checksumCrc32?: string;
  readonly checksumType?: string;
}

export interface ObjectStore {
  createMultipartUpload(req: CreateUploadRequest, signal?: AbortSignal): Promise<{ uploadId: string }>;
  uploadPart(req: UploadPartRequest, signal?: AbortSignal): Promise<UploadedPart>;
  /** Every part S3 holds for the upload, following pagination to the end. */
  listParts(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<RemotePart[]>;
  /** The in-progress multipart uploads of exactly this key (ListMultipartUploads, all pages). */
  listUploads(req: { bucket: string; key: string }, signal?: AbortSignal): Promise<string[]>;
  /** Whether the multipart upload still exists (one small ListParts). */
  uploadExists(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<boolean>;
  /** The object's ETag, and the whole-object CRC32 when the server answers one. */
  completeMultipartUpload(req: CompleteUploadRequest, signal?: AbortSignal): Promise<CompletedObject>;
  abortMultipartUpload(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<void>;
  /** The object's metadata, or null when there is no such object. */
  headObject(req: { bucket: string; key: string }, signal?: AbortSignal): Promise<RemoteObject | null>;
  /** Called after the store said the credentials expired: fetch fresh ones before the next call. */
  refreshCredentials(): void;
  /**
   * A cancelled transfer's upload ends where it was set up too, when there is such a place (the
   * companion backend: DELETE /v1/uploads/{id}, after which it vends no more credentials and
   * removes what is left in the dock); absent for plain S3.
   */
  endUpload?(signal?: AbortSignal): Promise<void>;
}

/** Creates the object store for one transfer's target (endpoint, region, addressing). */
export type ObjectStoreFactory = (target: TransferTarget) => ObjectStore;

// ---------------------------------------------------------------------------------------------
// Credentials

export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When they stop working; undefined for long-lived keys. */
  readonly expiration?: Date;
}

export interface CredentialProvider {
  /** Credentials valid for a while yet; `forceRefresh` skips any cache (after ExpiredToken). */
  getCredentials(options?: { forceRefresh?: boolean }): Promise<TemporaryCredentials>;
}

// ---------------------------------------------------------------------------------------------
// Local files

export type { FileIdentity } from './file-identity.js';

export interface OpenFile {
  /** Current identity of the open file (fstat). */
  identity(): Promise<FileIdentity>;
  /** Reads exactly `length` bytes at `position` into `buffer` (positional read). */
  readExactly(buffer: Buffer, length: number, position: number): Promise<void>;
  close(): Promise<void>;
}

export interface FileSource {
  /** Identity of the file at `path` (stat), throwing a DocksideError FILE_* when it cannot be read. */
  identify(path: string): Promise<FileIdentity>;
  open(path: string): Promise<OpenFile>;
}

// ---------------------------------------------------------------------------------------------
// Clock

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Journal (the durable record of transfers, parts and the transfer log)

export interface NewTransfer {
  readonly id: string;
  readonly filePath: string;
  readonly fileSize: number;
  readonly fileMtimeMs: number;
  readonly fileIdentity: string;
  readonly target: TransferTarget;
  readonly partSize: number;
  readonly partCount: number;
  readonly checksumType: ChecksumType;
  /** Re-read the whole file before completing (--verify-file). */
  readonly verifyFile?: boolean;
}

/** What a journal remembers of one endpoint: fallbacks learned once (null: not learned). */
export interface EndpointQuirks {
  /** Whether it takes aws-chunked checksum trailers. */
  readonly checksumTrailer: boolean | null;
  /** Whether it takes full-object checksums on CreateMultipartUpload. */
  readonly fullObject: boolean | null;
}

export interface NewLogEntry {
  readonly transferId: string | null;
  readonly level: EventLevel;
  readonly type: string;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export interface LogQuery {
  readonly transferId?: string;
  readonly minLevel?: EventLevel;
  readonly since?: number;
  readonly until?: number;
  readonly afterId?: number;
  readonly limit?: number;
}

export interface UploadJournal {
  createTransfer(transfer: NewTransfer): TransferRecord;
  getTransfer(id: string): TransferRecord | null;
  listTransfers(filter?: { states?: readonly TransferState[] }): TransferRecord[];
  /** An unfinished transfer of the same file to the same place, to resume instead of duplicating. */
  findUnfinished(filePath: string, target: Pick<TransferTarget, 'bucket' | 'key' | 'endpoint'>): TransferRecord | null;
  /** Records the multipart upload id; drops parts journaled under any previous upload id. */
  setUploadId(id: string, uploadId: string | null, checksumType?: ChecksumType): void;
  /** Notes that a CreateMultipartUpload is about to be sent (cleared by setUploadId). */
  markCreateStarted(id: string): void;
  setState(id: string, state: TransferState, error?: ErrorInfo | null): void;
  /** Commits a finished part. Only after this returns does the part count as done. */
  recordPart(id: string, uploadId: string, part: PartRecord): void;
  removeParts(id: string, partNumbers: readonly number[]): void;
  listParts(id: string): PartRecord[];
  markCompleted(id: string, result: { etag: string; fullChecksum: string; verification: Verification; fileRereadAt: number | null }): void;
  /** Journals what the server of the transfer's current upload was found to check. */
  setServerChecks(id: string, checks: ServerChecks): void;
  /** Journals where the transfer sends part CRC32s from now on. */
  setPartChecksum(id: string, mode: 'trailer' | 'header'): void;
  /** What was learned of `endpoint` (a URL, or 'aws' for AWS's own), null when nothing. */
  endpointQuirks(endpoint: string): EndpointQuirks | null;
  /** Remembers what was learned of `endpoint`; fields left out keep their value. */
  rememberEndpointQuirks(endpoint: string, quirks: Partial<EndpointQuirks>): void;
  /** Takes the transfer for this process; false when a live process holds it. */
  claim(id: string, owner: string, isOwnerAlive: (owner: string) => boolean): boolean;
  release(id: string, owner: string): void;
  appendLog(entry: NewLogEntry): TransferLogEntry;
  queryLog(query?: LogQuery): TransferLogEntry[];
  close(): void;
}

/**
 * Log retention: a journal whose old log entries can be dropped. Kept apart from UploadJournal,
 * which the engine needs and every fake implements; only the composition roots prune.
 */
export interface PrunableLog {
  /**
   * Deletes log entries written before `before` (epoch ms), except those of transfers that are
   * still unfinished (see `isUnfinished`): their whole story stays until they end. Returns how
   * many entries were deleted.
   */
  pruneLog(before: number): number;
}
