// Builders for the contract's data types, with readable defaults, for the renderer's tests.
import type { HistoryEntry, LogEntry, TransferView } from '../../src/shared/ipc-contract.js';

/** A running 40 GB transfer, 12.4 GB in, at 85 MB/s; override what a test cares about. */
export function transfer(overrides: Partial<TransferView> = {}): TransferView {
  return {
    id: 't1',
    fileName: 'matter-2291.zip',
    size: 40_000_000_000,
    state: 'running',
    destination: 's3://dock/matter-2291.zip',
    backendUploadId: null,
    bytesDone: 12_400_000_000,
    partsDone: 124,
    partsTotal: 400,
    bytesPerSecond: 85_000_000,
    etaSeconds: 540,
    error: null,
    verification: null,
    fileReread: false,
    checking: null,
    createdAt: 1_000,
    updatedAt: 2_000,
    completedAt: null,
    ...overrides,
  };
}

/** A log entry; override what a test cares about. */
export function logEntry(overrides: Partial<LogEntry> = {}): LogEntry {
  return {
    id: 1,
    transferId: 't1',
    at: 10_000,
    level: 'info',
    type: 'part.done',
    message: 'Part 1 of 400 sent',
    data: null,
    ...overrides,
  };
}

/** A 40 GB upload available in the permanent bucket, checked by the server and the backend; override what a test cares about. */
export function historyEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    transferId: 't1',
    uploadId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
    fileName: 'matter-2291.zip',
    size: 40_000_000_000,
    status: 'available',
    checksum: 'AAAAAA==',
    location: 's3://firm-files/matter-2291.zip',
    uploadVerification: 'Verified by the server, which checked the CRC32 of every part and of the whole object',
    uploadWeak: false,
    copyVerification: "The permanent copy's size and CRC32, as the storage reports them, equal the uploaded object's",
    failureReason: null,
    updatedAt: '2026-11-23T10:00:00Z',
    ...overrides,
  };
}
