/** Fixtures shared by the app's tests. */
import type { TransferRecord } from '../../../src/shared/transfer-model.js';

export const GiB = 1024 ** 3;

export function record(overrides: Partial<TransferRecord> = {}): TransferRecord {
  return {
    id: '01jabc',
    filePath: '/Users/ann/Matters/2026/discovery.tar',
    fileSize: 40 * GiB,
    fileMtimeMs: 1_700_000_000_000,
    fileIdentity: 'size:mtime:dev:ino',
    target: {
      bucket: 'dock',
      key: 'uploads/ann/discovery.tar',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/abc',
      backend: { url: 'https://dockside.firm.example', uploadId: 'up_123' },
    },
    uploadId: 'mpu-1',
    partSize: 64 * 1024 * 1024,
    partCount: 640,
    checksumAlgorithm: 'CRC32',
    checksumType: 'FULL_OBJECT',
    state: 'running',
    fullChecksum: null,
    objectEtag: null,
    errorCode: null,
    errorMessage: null,
    owner: '123@host:abcdef',
    createStartedAt: null,
    verifyFile: false,
    partChecksum: null,
    serverChecks: null,
    verification: null,
    fileRereadAt: null,
    bytesDone: 10 * GiB,
    partsDone: 160,
    createdAt: 1000,
    updatedAt: 2000,
    completedAt: null,
    ...overrides,
  };
}

