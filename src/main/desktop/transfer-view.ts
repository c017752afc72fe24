/**
 * What the window shows of a transfer: the journal's record, brought up to date by the engine's
 * latest progress snapshot while it runs. Pure. Only fields a person needs cross over; the file's
 * path (the page gets its name), the target's endpoint, KMS key and backend URL, the owner and the
 * file identity stay in main.
 */
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import type { TransferView } from '../../shared/ipc-contract.js';
import type { TransferProgress, TransferRecord } from '../../shared/transfer-model.js';

/** Maps a journaled transfer (and its latest progress, if any) to the view the renderer gets. */
export function toTransferView(record: TransferRecord, progress: TransferProgress | null = null): TransferView {
  const size = record.fileSize;
  // A snapshot only speaks for the run it came from: once the journal says the transfer is no longer
  // running, the journal's numbers (committed parts) are the truth and speed means nothing.
  const live = progress !== null && progress.transferId === record.id && (record.state === 'running' || record.state === 'completing');
  const done = record.state === 'completed';
  const bytesDone = done ? size : clamp(live ? Math.max(progress.bytesDone, record.bytesDone) : record.bytesDone, 0, size);
  const partsDone = done ? record.partCount : clamp(live ? Math.max(progress.partsDone, record.partsDone) : record.partsDone, 0, record.partCount);
  const bytesPerSecond = live && Number.isFinite(progress.bytesPerSecond) ? Math.max(0, progress.bytesPerSecond) : 0;
  const eta = live ? progress.etaSeconds : null;
  return {
    id: record.id,
    fileName: baseName(record.filePath),
    size,
    state: record.state,
    destination: `s3://${record.target.bucket}/${record.target.key}`,
    backendUploadId: record.target.backend?.uploadId ?? null,
    bytesDone: Math.floor(bytesDone),
    partsDone,
    partsTotal: record.partCount,
    bytesPerSecond,
    etaSeconds: eta !== null && Number.isFinite(eta) && eta >= 0 ? eta : null,
    error: errorOf(record),
    verification: done ? record.verification : null,
    fileReread: done && record.fileRereadAt !== null,
    checking: live && progress.checking ? { ...progress.checking } : null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    completedAt: record.completedAt,
  };
}

/** The last segment of a path, Windows or POSIX (a Windows path is journaled on Windows). */
export function baseName(filePath: string): string {
  const parts = filePath.split(/[\\/]/).filter((p) => p.length > 0);
  return parts.at(-1) ?? filePath;
}

function errorOf(record: TransferRecord): TransferView['error'] {
  if (record.errorCode === null) return null;
  const known = Object.hasOwn(ERROR_CODES, record.errorCode) ? ERROR_CODES[record.errorCode as ErrorCode] : null;
  return {
    code: record.errorCode,
    message: record.errorMessage ?? 'The transfer stopped with an error; the transfer log has the details.',
    retryable: known?.retryable ?? false,
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
