/**
 * history:list: what became of finished uploads, as the backend tells it (docked, being promoted,
 * available with its location and checksum, failed with the reason), matched to the local
 * transfers by the backend's upload id. Signed out, there is no history to show.
 */
import type { UploadView } from '../../shared/backend-api.js';
import type { HistoryEntry } from '../../shared/ipc-contract.js';
import type { TransferRecord } from '../../shared/transfer-model.js';
import { asSentence, describeCopyVerification, describeVerification, isWeakVerification } from '../../shared/verification.js';
import type { BackendClient } from '../engine/index.js';

/** Most uploads shown (newest first); the backend pages by 100. */
export const HISTORY_LIMIT = 300;

export async function loadHistory(client: Pick<BackendClient, 'listUploads'> | null, transfers: readonly TransferRecord[]): Promise<HistoryEntry[]> {
  if (!client) return [];
  const byUpload = new Map(transfers.filter((t) => t.target.backend).map((t) => [t.target.backend!.uploadId, t]));
  const entries: HistoryEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listUploads({ limit: 100, ...(cursor ? { cursor } : {}) });
    for (const upload of page.uploads) {
      // Still uploading: the Uploads view shows it with live progress.
      if (upload.status !== 'uploading') entries.push(toHistoryEntry(upload, byUpload.get(upload.id) ?? null));
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && entries.length < HISTORY_LIMIT);
  return entries.sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0)).slice(0, HISTORY_LIMIT);
}

export function toHistoryEntry(upload: UploadView, transfer: TransferRecord | null): HistoryEntry {
  const verification = transfer?.state === 'completed' ? transfer.verification : null;
  const reread = (transfer?.fileRereadAt ?? null) !== null;
  return {
    transferId: transfer?.id ?? null,
    uploadId: upload.id,
    fileName: upload.fileName,
    size: upload.size,
    status: upload.status,
    checksum: upload.available ? `${upload.available.checksumType === 'FULL_OBJECT' ? 'CRC32' : 'CRC32 (composite)'} ${upload.available.checksum}` : null,
    location: upload.available ? `s3://${upload.available.bucket}/${upload.available.key}` : null,
    uploadVerification: verification ? asSentence(describeVerification(verification, reread)) : null,
    uploadWeak: verification !== null && isWeakVerification(verification, reread),
    copyVerification: upload.available ? asSentence(describeCopyVerification(upload.available.verifiedBy)) : null,
    failureReason: upload.failureReason,
    updatedAt: upload.updatedAt,
  };
}
