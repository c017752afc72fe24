// Deploys the template to moto with the stack deployer and checks that the resources really exist
// as declared: moto's CloudFormation makes most of them; the bucket settings and the queue policy
// it skips are set by the deployer through the S3/SQS APIs from the same template.
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployStack, toBackendEnv, type DocksideStack } from '../../../backend/src/aws/stack-deployer.js';
import { parseS3EventMessage } from '../../../backend/src/domain/s3-event.js';
import { startMoto, type MotoServer } from '../../support/moto-server.js';
import { clientConfig, CREDENTIALS, drainQueue, REGION, s3For } from '../jobs/job-stack.js';

let moto: MotoServer;
let stack: DocksideStack;
let deployMs = 0;

beforeAll(async () => {
  moto = await startMoto();
  const started = Date.now();
  stack = await deployStack({
    stackName: 'dockside-local',
    region: REGION,
    endpoint: moto.endpoint,
    credentials: CREDENTIALS,
    parameters: { NamePrefix: 'dockside-t', EventQueueMaxReceiveCount: 3, DockExpiryDays: 3 },
    pollIntervalMs: 100,
  });
  deployMs = Date.now() - started;
});

afterAll(async () => {
  await moto?.stop();
});

describe('stack deployer on moto', () => {
  it('creates the stack and reports what CloudFormation made and what it set through the SDK', () => {
    console.info(`stack deployed on moto in ${deployMs} ms; set by SDK: ${stack.setBySdk.join(', ')}; not deployed: ${stack.notDeployed.join(', ')}`);
    expect(stack.reused).toBe(false);
    expect(stack.dockBucket).toBe('dockside-t-dock-123456789012-us-east-1');
    expect([...stack.setBySdk].sort()).toEqual(
      [
        'DockBucket.LifecycleConfiguration',
        'DockBucket.NotificationConfiguration',
        'DockBucket.OwnershipControls',
        'DockBucket.PublicAccessBlockConfiguration',
        'EventQueuePolicy',
        'PermanentBucket.LifecycleConfiguration',
        'PermanentBucket.OwnershipControls',
        'PermanentBucket.PublicAccessBlockConfiguration',
        'PermanentBucket.VersioningConfiguration',
      ].sort(),
    );
    // The bucket policies are deliberately not applied on moto (see stack-deployer.ts): conditions
    // are not evaluated there. ServiceStack (the ECS compute) exists only with a ServiceImageUri.
    expect([...stack.notDeployed].sort()).toEqual(['DockBucketPolicy (AWS::S3::BucketPolicy)', 'PermanentBucketPolicy (AWS::S3::BucketPolicy)', 'ServiceStack (AWS::CloudFormation::Stack)']);
  });

  it('maps the outputs onto the backend configuration names, with queue URLs on the local endpoint', () => {
    const env = toBackendEnv(stack, { cleanupMaxAgeHours: 72 });
    expect(env).toEqual({
      AWS_REGION: REGION,
      DOCKSIDE_AWS_ENDPOINT: moto.endpoint,
      DOCKSIDE_DOCK_BUCKET: stack.dockBucket,
      DOCKSIDE_DOCK_KMS_KEY_ARN: expect.stringMatching(/^arn:aws:kms:us-east-1:123456789012:key\//),
      DOCKSIDE_PERMANENT_BUCKET: 'dockside-t-permanent-123456789012-us-east-1',
      DOCKSIDE_PERMANENT_KMS_KEY_ARN: expect.stringMatching(/^arn:aws:kms:/),
      DOCKSIDE_UPLOADER_ROLE_ARN: 'arn:aws:iam::123456789012:role/dockside-t-uploader',
      DOCKSIDE_UPLOADS_TABLE: 'dockside-t-uploads',
      DOCKSIDE_EVENT_QUEUE_URL: `${moto.endpoint}/123456789012/dockside-t-dock-events`,
      DOCKSIDE_NOTIFY_QUEUE_URL: `${moto.endpoint}/123456789012/dockside-t-file-available.fifo`,
      DOCKSIDE_CLEANUP_MAX_AGE_HOURS: '72',
      // The stack's own DockExpiryDays, so the backend knows when the lifecycle rule acts.
      DOCKSIDE_DOCK_EXPIRY_DAYS: '3',
    });
    expect(env.DOCKSIDE_DOCK_KMS_KEY_ARN).not.toBe(env.DOCKSIDE_PERMANENT_KMS_KEY_ARN);
  });

  it('buckets: default SSE-KMS with their own keys, public access blocked, dock lifecycle + notification, permanent versioned', async () => {
    const s3 = s3For(moto.endpoint);
    try {
      for (const [bucket, key] of [
        [stack.dockBucket, stack.dockKmsKeyArn],
        [stack.permanentBucket, stack.permanentKmsKeyArn],
      ] as const) {
        const enc = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
        expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key });
        const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
        expect(pab.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      }
      // The dock: every object expires, and every multipart upload is aborted, after DockExpiryDays
      // (moto keeps the rule but never runs it; AWS does). The permanent bucket keeps its objects.
      const dockRules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: stack.dockBucket }))).Rules;
      expect(dockRules).toEqual([
        { ID: 'expire-dock-objects-and-uploads', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 3 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } },
      ]);
      const permanentRules = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: stack.permanentBucket }))).Rules;
      expect(permanentRules).toEqual([
        { ID: 'abort-incomplete-multipart-copies', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      ]);
      expect(stack.dockExpiryDays).toBe(3);
      const notification = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: stack.dockBucket }));
      expect(notification.QueueConfigurations).toEqual([
        expect.objectContaining({ QueueArn: stack.eventQueueArn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } } }),
      ]);
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: stack.permanentBucket }))).Status).toBe('Enabled');
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket: stack.dockBucket }))).Status).toBeUndefined();

      // The notification really delivers: a test event, then ObjectCreated for uploads/ only.
      const sqs = new SQSClient(clientConfig(moto.endpoint));
      await s3.send(new PutObjectCommand({ Bucket: stack.dockBucket, Key: 'uploads/01JBZ8Z9Q4K3M2N1P0R9S8T7V6/probe.bin', Body: 'x' }));
      await s3.send(new PutObjectCommand({ Bucket: stack.dockBucket, Key: 'elsewhere/probe.bin', Body: 'x' }));
      const kinds = (await drainQueue(sqs, stack.eventQueueUrl)).map((m) => {
        const parsed = parseS3EventMessage(m.Body!);
        return parsed.kind === 'test-event' ? 'test' : parsed.created.map((c) => c.key).join();
      });
      expect(kinds).toEqual(['test', 'uploads/01JBZ8Z9Q4K3M2N1P0R9S8T7V6/probe.bin']);
      sqs.destroy();
    } finally {
      s3.destroy();
    }
  });

  it('queues: event queue redrives to its DLQ after maxReceiveCount and allows S3 to send; notification queue is FIFO without content dedup', async () => {
    const sqs = new SQSClient(clientConfig(moto.endpoint));
    try {
      const events = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.eventQueueUrl, AttributeNames: ['All'] }))).Attributes!;
      const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.eventDeadLetterQueueUrl, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn;
      expect(JSON.parse(events.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 });
      expect(events.VisibilityTimeout).toBe('120');
      const policy = JSON.parse(events.Policy!);
      expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: stack.eventQueueArn });
      expect(policy.Statement[0].Condition.ArnLike['aws:SourceArn']).toBe(`arn:aws:s3:::${stack.dockBucket}`);
      const notify = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: stack.notifyQueueUrl, AttributeNames: ['All'] }))).Attributes!;
      expect(notify).toMatchObject({ FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'queue' });
    } finally {
      sqs.destroy();
    }
  });

  it('table: id hash key and the byOwner GSI (owner, createdAt), on demand', async () => {
    const dynamo = new DynamoDBClient(clientConfig(moto.endpoint));
    try {
      const t = (await dynamo.send(new DescribeTableCommand({ TableName: stack.uploadsTable }))).Table!;
      expect(t.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
      expect(t.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.GlobalSecondaryIndexes).toEqual([
        expect.objectContaining({
          IndexName: 'byOwner',
          KeySchema: [
            { AttributeName: 'owner', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        }),
      ]);
    } finally {
      dynamo.destroy();
    }
  });

  it('IAM and KMS: uploader role trusted by the backend role and scoped to the dock; backend policy attached; key aliases', async () => {
    const iam = new IAMClient(clientConfig(moto.endpoint));
    const kms = new KMSClient(clientConfig(moto.endpoint));
    try {
      const role = (await iam.send(new GetRoleCommand({ RoleName: 'dockside-t-uploader' }))).Role!;
      expect(role.Arn).toBe(stack.uploaderRoleArn);
      const trust = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
      expect(trust.Statement[0].Principal).toEqual({ AWS: stack.backendRoleArn });
      expect(trust.Statement[0].Action).toEqual(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);
      // moto returns a CloudFormation-made inline policy as Python's repr, hence the string checks.
      const inline = decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'dockside-t-uploader', PolicyName: 'write-dock-uploads-only' }))).PolicyDocument!);
      expect(inline).toContain(`arn:aws:s3:::${stack.dockBucket}/uploads/*`);
      expect(inline).toContain(stack.dockKmsKeyArn);
      expect(inline).not.toContain(stack.permanentBucket);
      const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'dockside-t-backend' }));
      expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([stack.backendPolicyArn]);

      // (moto 5.2's DescribeKey fails with a 500 on keys made by CloudFormation, whose policy it
      // keeps as an object; the aliases show the keys exist.)
      const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases ?? [];
      expect(aliases.find((a) => a.AliasName === 'alias/dockside-t-dock')?.TargetKeyId).toBe(stack.dockKmsKeyArn.split('/').pop());
      expect(aliases.find((a) => a.AliasName === 'alias/dockside-t-permanent')?.TargetKeyId).toBe(stack.permanentKmsKeyArn.split('/').pop());
    } finally {
      iam.destroy();
      kms.destroy();
    }
  });

  it('reuses an existing stack of the same name, changing nothing', async () => {
    const again = await deployStack({ stackName: 'dockside-local', region: REGION, endpoint: moto.endpoint, credentials: CREDENTIALS, pollIntervalMs: 100 });
    expect(again.reused).toBe(true);
    expect(again.setBySdk).toEqual([]);
    expect({ ...again, reused: false, setBySdk: stack.setBySdk }).toEqual(stack);
  });
});
