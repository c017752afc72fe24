/** The upload engine's public surface. */
export * from './ports.js';
export { TransferManager, isOwnerAlive, type AddTransferRequest, type EngineEvents, type TransferManagerOptions } from './transfer-manager.js';
export { StopRequest, TRANSFER_ID_METADATA, type RunOutcome, type StopReason } from './transfer-runner.js';
export { S3ObjectStore, type S3ObjectStoreOptions } from './s3-object-store.js';
export { NodeFileSource } from './node-file-source.js';
export { awsDefaultCredentials, RefreshingCredentialProvider, StaticCredentialProvider } from './credentials.js';
export { systemClock } from './system-clock.js';
export { classifyError, backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './retry.js';
export { dataDir, journalPath } from './data-dir.js';
export { ensurePrivateDir, ensurePrivateFile, narrowIfPresent, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files.js';
export { crc32Of, crc32ToBase64, crc32FromBase64, crc32Combine, crc32OfParts } from './crc32.js';
export { BackendClient, toEngineCredentials, type BackendClientOptions } from './backend-client.js';
export { BackendObjectStore } from './backend-object-store.js';
export { objectStoreFactory, type ObjectStoreFactory, type ObjectStoreFactoryOptions, type StoreNetwork } from './object-store-factory.js';
export { backendTargetFor, type BackendTargetRequest } from './backend-target.js';
export { limitHeapSlack, HEAP_FLAGS } from './heap-tuning.js';
