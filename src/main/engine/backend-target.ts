/**
 * The target of a file uploaded through the companion backend: the backend picks the key in the
 * loading dock and the KMS key; an unfinished transfer of the same file to the same backend is
 * resumed rather than asking for a new upload. Shared by the CLI and the desktop app.
 */
import { basename } from 'node:path';
import { isUnfinished, type ChecksumType, type TransferRecord, type TransferTarget } from '../../shared/transfer-model.js';
import type { BackendClient } from './backend-client.js';

export interface BackendTargetRequest {
  readonly client: Pick<BackendClient, 'url' | 'createUpload'>;
  readonly filePath: string;
  readonly size: number;
  readonly checksumType?: ChecksumType;
  /** The transfers already journaled (to find an unfinished one of this file). */
  readonly transfers: readonly TransferRecord[];
  readonly signal?: AbortSignal;
}

export async function backendTargetFor(request: BackendTargetRequest): Promise<TransferTarget> {
  const { client, filePath } = request;
  const unfinished = request.transfers.filter((t) => t.filePath === filePath && t.target.backend?.url === client.url && isUnfinished(t.state)).pop();
  if (unfinished) return unfinished.target;
  const granted = await client.createUpload(
    { fileName: basename(filePath), size: request.size, checksum: { algorithm: 'CRC32', type: request.checksumType ?? 'FULL_OBJECT' } },
    request.signal,
  );
  return {
    bucket: granted.target.bucket,
    key: granted.target.key,
    endpoint: granted.target.endpoint,
    region: granted.target.region,
    forcePathStyle: granted.target.forcePathStyle,
    kmsKeyId: granted.target.kmsKeyId,
    backend: { url: client.url, uploadId: granted.id },
  };
}
