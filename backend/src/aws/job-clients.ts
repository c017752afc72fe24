/** The SDK clients the background jobs use, from the validated configuration, wrapped into their ports. */
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { BackendConfig } from '../config.js';
import { awsClientConfig, type StaticAwsCredentials } from './aws-client-config.js';
import { createJobPorts, type JobPorts } from './job-adapters.js';

export interface JobClients {
  readonly ports: JobPorts;
  /** Closes the clients' sockets; call after the jobs have stopped. */
  destroy(): void;
}

export function createJobClients(config: BackendConfig, credentials?: StaticAwsCredentials): JobClients {
  const aws = awsClientConfig(config.aws, credentials);
  // Checksums only where S3 requires them: copies carry no body, and the dock object's own
  // checksum is what promotion verifies.
  const s3 = new S3Client({ ...aws, requestChecksumCalculation: 'WHEN_REQUIRED' });
  const sqs = new SQSClient(aws);
  return {
    ports: createJobPorts({
      s3,
      sqs,
      dockBucket: config.dock.bucket,
      permanentBucket: config.permanent.bucket,
      permanentKmsKeyArn: config.permanent.kmsKeyArn,
      eventQueueUrl: config.queues.eventQueueUrl,
      notifyQueueUrl: config.queues.notifyQueueUrl,
    }),
    destroy() {
      s3.destroy();
      sqs.destroy();
    },
  };
}
