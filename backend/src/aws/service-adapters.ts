/**
 * The AWS side of the HTTP service, wired from the configuration: the DynamoDB upload store, the
 * STS credential vendor and the S3 dock, on SDK clients the caller destroys on shutdown.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import type { Logger } from 'pino';
import type { BackendConfig } from '../config.js';
import { awsClientConfig, type StaticAwsCredentials } from './aws-client-config.js';
import { S3Dock } from './dock-s3.js';
import { DynamoDbUploadStore } from './dynamodb-upload-store.js';
import { StsCredentialVendor } from './sts-credential-vendor.js';

export interface ServiceAdapters {
  readonly store: DynamoDbUploadStore;
  readonly vendor: StsCredentialVendor;
  readonly dock: S3Dock;
  /** Closes the SDK clients' sockets; call after the server has closed. */
  destroy(): void;
}

/** Store, vendor and dock for buildServer; `credentials` only for tests and the local stack. */
export function createServiceAdapters(config: BackendConfig, logger: Logger, credentials?: StaticAwsCredentials): ServiceAdapters {
  const aws = awsClientConfig(config.aws, credentials);
  const dynamo = new DynamoDBClient(aws);
  const sts = new STSClient(aws);
  const s3 = new S3Client(aws);
  return {
    store: new DynamoDbUploadStore({ client: dynamo, tableName: config.uploadsTable }),
    vendor: new StsCredentialVendor({
      sts,
      roleArn: config.uploader.roleArn,
      dockKmsKeyArn: config.dock.kmsKeyArn,
      durationSeconds: config.uploader.credentialTtlSeconds,
      auditLogger: logger,
    }),
    dock: new S3Dock(s3, config.dock.bucket),
    destroy() {
      dynamo.destroy();
      sts.destroy();
      s3.destroy();
    },
  };
}
