// Structural checks of backend/infra/dockside.template.json: every reference resolves, no cycle,
// and the security-relevant parts are what the design says (public access blocked, SSE-KMS with
// separate keys, the dock's lifecycle rule and S3 → SQS notification, bounded redrive, a FIFO
// notification queue, the uploads table's exact layout, an uploader role scoped to the dock).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKSIDE_SERVICE_TEMPLATE_PATH, DOCKSIDE_TEMPLATE_PATH } from '../../../backend/src/aws/stack-deployer.js';
import { DEFAULT_DOCK_EXPIRY_DAYS } from '../../../backend/src/config.js';
import { bucketSettingsOf, contextFromOutputs, type Json, type StackTemplate } from '../../../backend/src/domain/stack-template.js';
import { checkReferences } from './template-references.js';

const template = JSON.parse(readFileSync(DOCKSIDE_TEMPLATE_PATH, 'utf8')) as StackTemplate;
const serviceTemplate = JSON.parse(readFileSync(DOCKSIDE_SERVICE_TEMPLATE_PATH, 'utf8')) as StackTemplate;
const resources = template.Resources;

type Obj = Record<string, Json>;
const props = (logicalId: string): Obj => resources[logicalId]!.Properties as Obj;
const statements = (doc: Json): Obj[] => ((doc as Obj)['Statement'] as Obj[]).map((s) => s);
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

const GETATT_ALLOWED: Record<string, string[]> = {
  'AWS::KMS::Key': ['Arn', 'KeyId'],
  'AWS::SQS::Queue': ['Arn', 'QueueName', 'QueueUrl'],
  'AWS::S3::Bucket': ['Arn', 'DomainName', 'RegionalDomainName'],
  'AWS::IAM::Role': ['Arn', 'RoleId'],
  'AWS::DynamoDB::Table': ['Arn', 'StreamArn'],
  // The nested service stack's outputs.
  'AWS::CloudFormation::Stack': Object.keys(serviceTemplate.Outputs ?? {}).map((name) => `Outputs.${name}`),
};

describe('CloudFormation template', () => {
  it('resolves every Ref, GetAtt, ${} and DependsOn, and has no dependency cycle', () => {
    checkReferences(template, GETATT_ALLOWED);
  });

  it('blocks public access on both buckets and encrypts each with its own KMS key by default', () => {
    const buckets = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket').map(([id]) => id);
    expect(buckets.sort()).toEqual(['DockBucket', 'PermanentBucket']);
    const keys = buckets.map((id) => {
      const p = props(id);
      expect(p['PublicAccessBlockConfiguration']).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(p['OwnershipControls']).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      const rules = (p['BucketEncryption'] as Obj)['ServerSideEncryptionConfiguration'] as Obj[];
      expect(rules).toHaveLength(1);
      const byDefault = rules[0]!['ServerSideEncryptionByDefault'] as Obj;
      expect(byDefault['SSEAlgorithm']).toBe('aws:kms');
      const keyRef = (byDefault['KMSMasterKeyID'] as Obj)['Fn::GetAtt'] as string[];
      expect(resources[keyRef[0]!]!.Type).toBe('AWS::KMS::Key');
      return keyRef[0];
    });
    expect(keys).toEqual(['DockKey', 'PermanentKey']);
    for (const key of ['DockKey', 'PermanentKey']) expect(props(key)['EnableKeyRotation']).toBe(true);
  });

  it("gives the dock a lifecycle rule expiring every object and aborting every multipart upload after DockExpiryDays, and an ObjectCreated notification to the event queue that S3 may send to", () => {
    const dock = props('DockBucket');
    const rules = (dock['LifecycleConfiguration'] as Obj)['Rules'] as Obj[];
    // One rule over the whole bucket: nothing anyone writes to the dock outlives it.
    expect(rules).toEqual([
      {
        Id: 'expire-dock-objects-and-uploads',
        Status: 'Enabled',
        Prefix: '',
        ExpirationInDays: { Ref: 'DockExpiryDays' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: { Ref: 'DockExpiryDays' } },
      },
    ]);
    // The backend's own default (DOCKSIDE_DOCK_EXPIRY_DAYS) is the template's.
    expect(template.Parameters!['DockExpiryDays']).toMatchObject({ Type: 'Number', Default: DEFAULT_DOCK_EXPIRY_DAYS, MinValue: 1 });
    expect(template.Parameters!['AbortIncompleteUploadsAfterDays']!.MinValue).toBeGreaterThanOrEqual(1);
    const notifications = (dock['NotificationConfiguration'] as Obj)['QueueConfigurations'] as Obj[];
    expect(notifications).toEqual([
      { Event: 's3:ObjectCreated:*', Queue: { 'Fn::GetAtt': ['EventQueue', 'Arn'] }, Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } } },
    ]);
    // S3 checks it may send to the queue when the notification is set: the policy must exist first.
    expect(list(resources['DockBucket']!.DependsOn as Json)).toContain('EventQueuePolicy');
    const policy = props('EventQueuePolicy');
    expect(policy['Queues']).toEqual([{ Ref: 'EventQueue' }]);
    const [allow] = statements(policy['PolicyDocument']!);
    expect(allow).toMatchObject({ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['EventQueue', 'Arn'] } });
    // Only the dock bucket (named as the bucket's own BucketName) of this account.
    expect(JSON.stringify(allow!['Condition'])).toContain('${NamePrefix}-dock-${AWS::AccountId}-${AWS::Region}');
    expect(JSON.stringify(dock['BucketName'])).toContain('${NamePrefix}-dock-${AWS::AccountId}-${AWS::Region}');
  });

  it('sends failed events to a dead-letter queue after a bounded number of tries, and keeps redelivery inside the FIFO dedup window', () => {
    const events = props('EventQueue');
    expect(events['RedrivePolicy']).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['EventDeadLetterQueue', 'Arn'] }, maxReceiveCount: { Ref: 'EventQueueMaxReceiveCount' } });
    const maxReceive = template.Parameters!['EventQueueMaxReceiveCount']!;
    expect(maxReceive.MinValue).toBe(1);
    expect(Number(maxReceive.MaxValue)).toBeLessThanOrEqual(100);
    expect(events['VisibilityTimeout']).toEqual({ Ref: 'EventQueueVisibilityTimeoutSeconds' });
    expect(Number(template.Parameters!['EventQueueVisibilityTimeoutSeconds']!.MaxValue)).toBeLessThan(300);
    expect(events['ReceiveMessageWaitTimeSeconds']).toBe(20);
    expect(props('EventDeadLetterQueue')['MessageRetentionPeriod']).toBe(1209600);
  });

  it('makes the notification queue FIFO with explicit deduplication ids (the upload id), and its DLQ FIFO too', () => {
    const notify = props('NotifyQueue');
    expect(notify).toMatchObject({ FifoQueue: true, ContentBasedDeduplication: false, DeduplicationScope: 'queue' });
    expect(JSON.stringify(notify['QueueName'])).toMatch(/\.fifo"/);
    expect(props('NotifyDeadLetterQueue')['FifoQueue']).toBe(true);
  });

  it('declares the uploads table exactly as the DynamoDB store expects', () => {
    const t = props('UploadsTable');
    expect(t['BillingMode']).toBe('PAY_PER_REQUEST');
    expect(t['KeySchema']).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(t['AttributeDefinitions']).toEqual([
      { AttributeName: 'id', AttributeType: 'S' },
      { AttributeName: 'owner', AttributeType: 'S' },
      { AttributeName: 'createdAt', AttributeType: 'N' },
    ]);
    expect(t['GlobalSecondaryIndexes']).toEqual([
      {
        IndexName: 'byOwner',
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('scopes the uploader role to multipart writes under the dock\'s uploads/ and the dock key, assumed only by the backend role with tags and source identity', () => {
    const role = props('UploaderRole');
    const [trust] = statements(role['AssumeRolePolicyDocument']!);
    expect(trust).toMatchObject({ Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': ['BackendRole', 'Arn'] } } });
    expect([...(trust!['Action'] as string[])].sort()).toEqual(['sts:AssumeRole', 'sts:SetSourceIdentity', 'sts:TagSession']);
    const policies = role['Policies'] as Obj[];
    expect(policies).toHaveLength(1);
    const stmts = statements(policies[0]!['PolicyDocument']!);
    expect(stmts.every((s) => s['Effect'] === 'Allow')).toBe(true);
    const s3 = stmts.find((s) => (s['Action'] as string[]).some((a) => a.startsWith('s3:')))!;
    expect([...(s3['Action'] as string[])].sort()).toEqual(['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:PutObject']);
    expect(s3['Resource']).toEqual({ 'Fn::Sub': '${DockBucket.Arn}/uploads/*' });
    const kms = stmts.find((s) => (s['Action'] as string[]).some((a) => a.startsWith('kms:')))!;
    expect([...(kms['Action'] as string[])].sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kms['Resource']).toEqual({ 'Fn::GetAtt': ['DockKey', 'Arn'] });
    expect(stmts).toHaveLength(2);
    expect(JSON.stringify(stmts)).not.toMatch(/Permanent/);
  });

  it("gives the backend no wildcard action or resource, and lets it assume only the uploader role", () => {
    const policy = props('BackendPolicy');
    expect(policy['Roles']).toEqual([{ Ref: 'BackendRole' }]);
    const stmts = statements(policy['PolicyDocument']!);
    for (const s of stmts) {
      for (const action of list(s['Action'])) expect(String(action), JSON.stringify(s)).not.toContain('*');
      for (const resource of list(s['Resource'])) expect(resource, JSON.stringify(s)).not.toBe('*');
    }
    const sts = stmts.filter((s) => list(s['Action']).some((a) => String(a).startsWith('sts:')));
    expect(sts).toHaveLength(1);
    expect(sts[0]!['Resource']).toEqual({ 'Fn::GetAtt': ['UploaderRole', 'Arn'] });
    const all = stmts.flatMap((s) => list(s['Action']).map(String));
    for (const needed of ['s3:GetObject', 's3:DeleteObject', 's3:ListBucketMultipartUploads', 's3:AbortMultipartUpload', 's3:PutObject', 'kms:GenerateDataKey', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage', 'dynamodb:UpdateItem', 'dynamodb:Query']) {
      expect(all).toContain(needed);
    }
  });

  it('outputs everything the backend configuration needs', () => {
    const described = Object.values(template.Outputs ?? {}).map((o) => o.Description);
    for (const env of [
      'DOCKSIDE_DOCK_BUCKET',
      'DOCKSIDE_DOCK_KMS_KEY_ARN',
      'DOCKSIDE_PERMANENT_BUCKET',
      'DOCKSIDE_PERMANENT_KMS_KEY_ARN',
      'DOCKSIDE_UPLOADER_ROLE_ARN',
      'DOCKSIDE_UPLOADS_TABLE',
      'DOCKSIDE_EVENT_QUEUE_URL',
      'DOCKSIDE_NOTIFY_QUEUE_URL',
    ]) {
      expect(described).toContain(env);
    }
  });

  it('translates the bucket settings moto skips into S3 API shapes from the template itself', () => {
    const outputs = { DockBucketName: 'p-dock', PermanentBucketName: 'p-perm', EventQueueArn: 'arn:aws:sqs:us-east-1:1:p-dock-events', DockKmsKeyArn: 'k1', PermanentKmsKeyArn: 'k2', EventQueueUrl: 'u' };
    const ctx = contextFromOutputs(template, outputs, { NamePrefix: 'p', AbortIncompleteUploadsAfterDays: '7', DockExpiryDays: '3', 'AWS::AccountId': '1', 'AWS::Region': 'us-east-1', 'AWS::Partition': 'aws' });
    const [dock, permanent] = bucketSettingsOf(template, ctx);
    expect(dock).toMatchObject({
      logicalId: 'DockBucket',
      bucket: 'p-dock',
      lifecycleRules: [{ ID: 'expire-dock-objects-and-uploads', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 3 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 } }],
      queueNotifications: [{ QueueArn: 'arn:aws:sqs:us-east-1:1:p-dock-events', Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } } }],
    });
    expect(permanent).toMatchObject({
      bucket: 'p-perm',
      versioning: { Status: 'Enabled' },
      lifecycleRules: [{ ID: 'abort-incomplete-multipart-copies', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }],
    });
    // The permanent bucket's objects are the firm's: no rule there expires them.
    expect(permanent!.lifecycleRules![0]!.Expiration).toBeUndefined();
    expect(permanent!.queueNotifications).toBeUndefined();
  });
});
