import { describe, expect, it } from 'vitest';
import { transferViewSchema } from '../../../src/shared/ipc-contract.js';
import type { TransferProgress, TransferRecord } from '../../../src/shared/transfer-model.js';
import { baseName, toTransferView } from '../../../src/main/desktop/transfer-view.js';
import { GiB, record } from '../app/fixtures.js';

function progress(overrides: Partial<TransferProgress> = {}): TransferProgress {
  return {
    transferId: '01jabc',
    state: 'running',
    bytesTotal: 40 * GiB,
    bytesDone: 11 * GiB,
    partsTotal: 640,
    partsDone: 170,
    inFlight: [],
    bytesPerSecond: 85e6,
    etaSeconds: 340,
    ...overrides,
  };
}

describe('toTransferView', () => {
  it('maps a running transfer with its live progress; the file’s name crosses, never its path', () => {
    const view = toTransferView(record(), progress());
    expect(JSON.stringify(view)).not.toContain('/Users/ann/Matters');
    expect(view).toEqual({
      id: '01jabc',
      fileName: 'discovery.tar',
      size: 40 * GiB,
      state: 'running',
      destination: 's3://dock/uploads/ann/discovery.tar',
      backendUploadId: 'up_123',
      bytesDone: 11 * GiB,
      partsDone: 170,
      partsTotal: 640,
      bytesPerSecond: 85e6,
      etaSeconds: 340,
      error: null,
      verification: null,
      fileReread: false,
      checking: null,
      createdAt: 1000,
      updatedAt: 2000,
      completedAt: null,
    });
    expect(transferViewSchema.safeParse(view).success).toBe(true);
  });

  it.each<[string, Partial<TransferRecord>, TransferProgress | null, Partial<ReturnType<typeof toTransferView>>]>([
    ['no progress yet: the journal’s numbers, no speed', {}, null, { bytesDone: 10 * GiB, partsDone: 160, bytesPerSecond: 0, etaSeconds: null }],
    ['paused: a stale snapshot is ignored', { state: 'paused' }, progress(), { state: 'paused', bytesDone: 10 * GiB, bytesPerSecond: 0, etaSeconds: null }],
    ['another transfer’s snapshot is ignored', {}, progress({ transferId: 'other' }), { bytesDone: 10 * GiB, bytesPerSecond: 0 }],
    ['a snapshot behind the journal never moves the bar back', {}, progress({ bytesDone: 9 * GiB, partsDone: 150 }), { bytesDone: 10 * GiB, partsDone: 160 }],
    ['bytes past the size are clamped', {}, progress({ bytesDone: 41 * GiB, partsDone: 700 }), { bytesDone: 40 * GiB, partsDone: 640 }],
    ['an unknown or infinite ETA is null', {}, progress({ etaSeconds: Infinity, bytesPerSecond: Number.NaN }), { etaSeconds: null, bytesPerSecond: 0 }],
    ['completed: full, done', { state: 'completed', bytesDone: 40 * GiB - 5, completedAt: 3000 }, null, { bytesDone: 40 * GiB, partsDone: 640, completedAt: 3000 }],
    [
      'completed: what verified it, and whether the file was read again',
      { state: 'completed', completedAt: 3000, verification: 'content-md5', fileRereadAt: 2900 },
      null,
      { verification: 'content-md5', fileReread: true },
    ],
    ['completed by sizes only', { state: 'completed', completedAt: 3000, verification: 'size-only', fileRereadAt: null }, null, { verification: 'size-only', fileReread: false }],
    ['not completed: no verification shown', { state: 'paused', verification: 'size-only' }, null, { verification: null, fileReread: false }],
    [
      'being checked: how far the check has read',
      {},
      progress({ checking: { what: 'sample', bytesDone: 5 * GiB, bytesTotal: 8 * GiB } }),
      { checking: { what: 'sample', bytesDone: 5 * GiB, bytesTotal: 8 * GiB } },
    ],
    ['a paused transfer’s stale check is not shown', { state: 'paused' }, progress({ checking: { what: 'sample', bytesDone: 1, bytesTotal: 2 } }), { checking: null }],
    ['straight to S3: no backend upload id', { target: { ...record().target, backend: null } }, null, { backendUploadId: null }],
    [
      'failed with a known code: its retryability',
      { state: 'failed', errorCode: 'ACCESS_DENIED', errorMessage: 'S3 refused access to dock.' },
      null,
      { state: 'failed', error: { code: 'ACCESS_DENIED', message: 'S3 refused access to dock.', retryable: false } },
    ],
    [
      'failed retryable',
      { state: 'failed', errorCode: 'NETWORK', errorMessage: 'Offline.' },
      null,
      { error: { code: 'NETWORK', message: 'Offline.', retryable: true } },
    ],
    [
      'an unknown code and no message',
      { state: 'failed', errorCode: 'SOMETHING_NEW', errorMessage: null },
      null,
      { error: { code: 'SOMETHING_NEW', message: expect.stringContaining('transfer log') as unknown as string, retryable: false } },
    ],
    ['an empty file', { fileSize: 0, bytesDone: 0, partCount: 1, partsDone: 0 }, null, { size: 0, bytesDone: 0, partsTotal: 1 }],
  ])('%s', (_name, overrides, snapshot, expected) => {
    const view = toTransferView(record(overrides), snapshot);
    expect(view).toMatchObject(expected);
    expect(transferViewSchema.safeParse(view).success).toBe(true);
  });

  it('carries nothing of the target but bucket/key and the backend upload id', () => {
    const json = JSON.stringify(toTransferView(record(), progress()));
    for (const hidden of ['127.0.0.1:9000', 'arn:aws:kms', 'dockside.firm.example', '123@host', 'size:mtime', 'mpu-1']) expect(json).not.toContain(hidden);
  });
});

describe('baseName', () => {
  it.each([
    ['/a/b/c.bin', 'c.bin'],
    ['C:\\Users\\ann\\big file.iso', 'big file.iso'],
    ['\\\\server\\share\\x.tar', 'x.tar'],
    ['/a/b/', 'b'],
    ['plain', 'plain'],
  ])('%s → %s', (path, name) => expect(baseName(path)).toBe(name));
});
