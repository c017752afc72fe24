/**
 * The transfer model shared by the engine, the CLI and (later) the app's UI: states, progress
 * snapshots and transfer-log entries. Everything here is plain, serialisable data.
 */

export const TRANSFER_STATES = ['queued', 'running', 'paused', 'completing', 'completed', 'failed', 'cancelled'] as const;
export type TransferState = (typeof TRANSFER_STATES)[number];

/** States from which nothing more happens on its own. */
export const TERMINAL_STATES: ReadonlySet<TransferState> = new Set(['completed', 'cancelled']);

/** True when a transfer still has work left (it can be resumed). `failed` can be retried. */
export function isUnfinished(state: TransferState): boolean {
  return !TERMINAL_STATES.has(state);
}

export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface TransferTarget {
  readonly bucket: string;
  readonly key: string;
  /** Explicit endpoint for S3-compatible servers; null means AWS's own. */
  readonly endpoint: string | null;
  readonly region: string;
  readonly forcePathStyle: boolean;
  /** SSE-KMS key named on CreateMultipartUpload (the backend's dock key); absent means the bucket's default. */
  readonly kmsKeyId?: string | null;
  /** Set when the companion backend chose this target and vends its credentials. */
  readonly backend?: BackendLink | null;
}

/** Which backend upload a transfer belongs to. The token is never journaled, only where to ask. */
export interface BackendLink {
  readonly url: string;
  readonly uploadId: string;
}

/**
 * What verified an object's bytes, strongest first. Only what was checked is claimed:
 *  - server-checksum: the server checked the CRC32 of every part and reported the whole object's
 *    CRC32, equal to the file's;
 *  - part-checksums: the server checked the CRC32 of every part but reported none for the object;
 *  - content-md5: the server checked each part's Content-MD5 (it checks no CRC32);
 *  - size-only: the server was found to check no checksum: only sizes were compared.
 */
export const VERIFICATIONS = ['server-checksum', 'part-checksums', 'content-md5', 'size-only'] as const;
export type Verification = (typeof VERIFICATIONS)[number];

/** What the server checked of one part: its CRC32, its Content-MD5, or (null) nothing. */
export type PartVerification = 'crc32' | 'content-md5';

/**
 * What the server of one multipart upload was found to do, probed with one-byte parts before any
 * part of the file was sent (engine/server-checks.ts).
 */
export interface ServerChecks {
  readonly uploadId: string;
  /** It takes aws-chunked bodies with a checksum trailer. */
  readonly trailers: boolean;
  /** It refuses a part whose x-amz-checksum-crc32 does not match the bytes. */
  readonly crc32: boolean;
  /** It refuses a part whose Content-MD5 does not match; null when not probed (it checks CRC32). */
  readonly contentMd5: boolean | null;
}

/** What the journal knows about one transfer. */
export interface TransferRecord {
  readonly id: string;
  readonly filePath: string;
  readonly fileSize: number;
  readonly fileMtimeMs: number;
  /** Identity used to detect a changed file: size, mtime, ctime, device and inode (file-identity.ts). */
  readonly fileIdentity: string;
  readonly target: TransferTarget;
  readonly uploadId: string | null;
  readonly partSize: number;
  readonly partCount: number;
  readonly checksumAlgorithm: 'CRC32';
  readonly checksumType: ChecksumType;
  readonly state: TransferState;
  /** Whole-file CRC32 (base64), known once every part is sent. */
  readonly fullChecksum: string | null;
  readonly objectEtag: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** The process holding the transfer (pid@host:nonce) while it is queued or running. */
  readonly owner: string | null;
  /** Set while a CreateMultipartUpload is under way whose upload id is not journaled yet. */
  readonly createStartedAt: number | null;
  /** Re-read the whole file once every part is sent, before completing (--verify-file). */
  readonly verifyFile: boolean;
  /** Where this transfer sends part CRC32s, once learned (null: as the engine starts, a trailer). */
  readonly partChecksum: 'trailer' | 'header' | null;
  /** What the server of the current multipart upload checks, once probed. */
  readonly serverChecks: ServerChecks | null;
  /** What verified the completed object. */
  readonly verification: Verification | null;
  /** When the whole file was re-read and matched what was sent (with verifyFile). */
  readonly fileRereadAt: number | null;
  readonly bytesDone: number;
  readonly partsDone: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt: number | null;
}

export interface PartRecord {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  /** CRC32 of the part, base64 as S3 spells it. */
  readonly checksum: string;
  /** What the server checked of the part when it took it; absent or null: nothing. */
  readonly verifiedBy?: PartVerification | null;
}

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

/** One entry of the transfer log (the journal's append-only event table). */
export interface TransferLogEntry {
  readonly id: number;
  readonly transferId: string | null;
  readonly at: number;
  readonly level: EventLevel;
  readonly type: string;
  readonly message: string;
  readonly data: Readonly<Record<string, unknown>> | null;
}

export type PartState = 'pending' | 'reading' | 'sending' | 'retrying' | 'done';

export interface InFlightPart {
  readonly partNumber: number;
  readonly size: number;
  readonly bytesSent: number;
  readonly state: PartState;
  readonly attempt: number;
}

/** A progress snapshot for one transfer, emitted several times a second while it runs. */
export interface TransferProgress {
  readonly transferId: string;
  readonly state: TransferState;
  readonly bytesTotal: number;
  /** Bytes in committed parts plus bytes of in-flight parts already handed to the network. */
  readonly bytesDone: number;
  readonly partsTotal: number;
  readonly partsDone: number;
  readonly inFlight: readonly InFlightPart[];
  /** Smoothed throughput in bytes per second. */
  readonly bytesPerSecond: number;
  /** Seconds left at the current speed; null while unknown. */
  readonly etaSeconds: number | null;
  /**
   * While the file is read again to check it: the resume sample (before any part is sent) or
   * --verify-file (once every part is sent), and how far that read is. Absent otherwise.
   */
  readonly checking?: { readonly what: 'sample' | 'file'; readonly bytesDone: number; readonly bytesTotal: number };
}

/** The result of a transfer that reached `completed`. */
export interface CompletedUpload {
  readonly transferId: string;
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly uploadId: string;
  readonly etag: string;
  readonly checksumAlgorithm: 'CRC32';
  readonly checksumType: ChecksumType;
  /** Whole-file CRC32, base64. */
  readonly checksum: string;
  /** What verified the object. */
  readonly verification: Verification;
  /** Whether the whole file was read again after sending and matched (--verify-file). */
  readonly fileReread: boolean;
}
