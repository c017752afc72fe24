import { describe, expect, it } from 'vitest';
import type { UploadView } from '../../../src/shared/backend-api.js';
import { historyEntrySchema } from '../../../src/shared/ipc-contract.js';
import { loadHistory, toHistoryEntry } from '../../../src/main/desktop/history.js';
import { record } from '../app/fixtures.js';

const UPLOAD_ID = '01JABCDEFGHJKMNPQRSTVWXYZ0';

function upload(overrides: Partial<UploadView> = {}): UploadView {
  return {
    id: UPLOAD_ID,
    fileName: 'discovery.tar',
    size: 1000,
    contentType: null,
    status: 'available',
    dock: { bucket: 'dock', key: `uploads/${UPLOAD_ID}/discovery.tar` },
    createdAt: '2026-12-07T10:00:00.000Z',
    updatedAt: '2026-12-07T10:05:00.000Z',
    available: { bucket: 'permanent', key: `uploads/${UPLOAD_ID}/discovery.tar`, checksum: 'AAAAAA==', checksumType: 'FULL_OBJECT', verifiedBy: 'copy-crc32' },
    failureReason: null,
    ...overrides,
  };
}

const linked = (overrides: Parameters<typeof record>[0]) =>
  record({ target: { ...record().target, backend: { url: 'https://dockside.firm.example', uploadId: UPLOAD_ID } }, ...overrides });

describe('history entries say what verified the upload and the copy', () => {
  it('the upload as this machine journaled it, and the copy as the backend checked it', () => {
    const entry = toHistoryEntry(upload(), linked({ state: 'completed', verification: 'server-checksum', completedAt: 3000 }));
    expect(entry).toMatchObject({
      uploadVerification: 'Verified by the server, which checked the CRC32 of every part and of the whole object',
      uploadWeak: false,
      copyVerification: "The permanent copy's size and CRC32, as the storage reports them, equal the uploaded object's",
    });
    expect(historyEntrySchema.safeParse(entry).success).toBe(true);
  });

  it('sizes only is marked weak; a full re-read lifts it', () => {
    expect(toHistoryEntry(upload(), linked({ state: 'completed', verification: 'size-only' }))).toMatchObject({
      uploadVerification: 'Not verified by the server, which checks no checksum: only sizes were compared',
      uploadWeak: true,
    });
    expect(toHistoryEntry(upload(), linked({ state: 'completed', verification: 'size-only', fileRereadAt: 2500 }))).toMatchObject({
      uploadVerification: expect.stringContaining('the file was read again in full after sending and matched'),
      uploadWeak: false,
    });
  });

  it('claims nothing it does not know: no journal record, a backend that does not say, not yet available', () => {
    expect(toHistoryEntry(upload(), null)).toMatchObject({ transferId: null, uploadVerification: null, uploadWeak: false });
    const { verifiedBy: _dropped, ...older } = upload().available!;
    expect(toHistoryEntry(upload({ available: older }), null).copyVerification).toBe('The backend did not say how it checked the permanent copy');
    expect(toHistoryEntry(upload({ status: 'docked', available: null }), null).copyVerification).toBeNull();
  });

  it('loadHistory matches the backend upload to the journaled transfer', async () => {
    const client = { listUploads: () => Promise.resolve({ uploads: [upload()], nextCursor: null }) };
    const [entry] = await loadHistory(client, [linked({ id: 'tx1', state: 'completed', verification: 'content-md5' })]);
    expect(entry).toMatchObject({ transferId: 'tx1', uploadVerification: expect.stringContaining('Content-MD5') });
  });
});
