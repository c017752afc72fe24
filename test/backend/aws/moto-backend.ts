// A moto_server with what the backend's HTTP service needs: the dock bucket with its KMS key, the
// uploader role, the uploads table; plus a config (through loadConfig) and clients for checks.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { createUploadsTable } from '../../../backend/src/aws/dynamodb-upload-store.js';
import { loadConfig, type BackendConfig } from '../../../backend/src/config.js';
import { startMoto, uniqueBucketName, type MotoServer } from '../../support/moto-server.js';

export const MOTO_CREDENTIALS = { accessKeyId: 'backend', secretAccessKey: 'backend' } as const;
export const REGION = 'us-east-1';

export interface MotoBackend {
  readonly moto: MotoServer;
  readonly endpoint: string;
  readonly roleName: string;
  readonly roleArn: string;
  readonly dockBucket: string;
  readonly dockKmsKeyArn: string;
  readonly tableName: string;
  /** Environment for loadConfig; add auth variables (DOCKSIDE_STATIC_TOKENS, DOCKSIDE_OIDC_*). */
  readonly env: Record<string, string>;
  config(extra?: Record<string, string>): BackendConfig;
  readonly dynamo: DynamoDBClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
  stop(): Promise<void>;
}

const clientConfig = (endpoint: string) => ({ endpoint, region: REGION, credentials: MOTO_CREDENTIALS, forcePathStyle: true });

/** `motoEnv` goes to moto_server, e.g. `{ S3_UPLOAD_PART_MIN_SIZE: '1024' }` for small parts. */
export async function startMotoBackend(motoEnv: Record<string, string> = {}): Promise<MotoBackend> {
  const moto = await startMoto({ env: motoEnv });
  const endpoint = moto.endpoint;
  const iam = new IAMClient(clientConfig(endpoint));
  const kms = new KMSClient(clientConfig(endpoint));
  const s3 = new S3Client(clientConfig(endpoint));
  const sts = new STSClient(clientConfig(endpoint));
  const dynamo = new DynamoDBClient(clientConfig(endpoint));
  try {
    const roleName = 'dockside-uploader';
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        MaxSessionDuration: 43200,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: ['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity'] }],
        }),
      }),
    );
    const key = await kms.send(new CreateKeyCommand({ Description: 'dock' }));
    const dockBucket = uniqueBucketName('dock');
    const permanentBucket = uniqueBucketName('permanent');
    await s3.send(new CreateBucketCommand({ Bucket: dockBucket }));
    await s3.send(new CreateBucketCommand({ Bucket: permanentBucket }));
    const tableName = `uploads-${process.pid}-${Date.now().toString(36)}`;
    await createUploadsTable(dynamo, tableName);
    const env: Record<string, string> = {
      DOCKSIDE_PORT: '0',
      DOCKSIDE_LOG_LEVEL: 'silent',
      AWS_REGION: REGION,
      DOCKSIDE_AWS_ENDPOINT: endpoint,
      DOCKSIDE_DOCK_BUCKET: dockBucket,
      DOCKSIDE_DOCK_KMS_KEY_ARN: key.KeyMetadata!.Arn!,
      DOCKSIDE_PERMANENT_BUCKET: permanentBucket,
      DOCKSIDE_PERMANENT_KMS_KEY_ARN: key.KeyMetadata!.Arn!,
      DOCKSIDE_UPLOADER_ROLE_ARN: role.Role!.Arn!,
      DOCKSIDE_UPLOADS_TABLE: tableName,
      DOCKSIDE_EVENT_QUEUE_URL: `${endpoint}/123456789012/events`,
      DOCKSIDE_NOTIFY_QUEUE_URL: `${endpoint}/123456789012/notify`,
      DOCKSIDE_JOBS: 'none',
    };
    return {
      moto,
      endpoint,
      roleName,
      roleArn: role.Role!.Arn!,
      dockBucket,
      dockKmsKeyArn: key.KeyMetadata!.Arn!,
      tableName,
      env,
      config: (extra = {}) => loadConfig({ ...env, ...extra }),
      dynamo,
      sts,
      s3,
      async stop() {
        for (const client of [iam, kms, s3, sts, dynamo]) client.destroy();
        await moto.stop();
      },
    };
  } catch (error) {
    await moto.stop();
    throw error;
  } finally {
    iam.destroy();
    kms.destroy();
  }
}
