// The uploader role's own permissions policy, enforced: moto_server runs with IAM enforcement on
// (INITIAL_NO_AUTH_ACTION_COUNT), the role is created with the inline policy taken from
// backend/infra/dockside.template.json (intrinsics resolved against the names made here), and
// credentials from AssumeRole on it can write under the dock bucket's `uploads/` and nothing else:
// not the permanent bucket, not a look-alike bucket, not another prefix of the dock, and no read,
// delete or list. The session policy the backend adds on top is not in play here (moto ignores
// session policies; it is unit-tested in test/backend/domain/session-policy.test.ts), so
// everything denied below is denied by the role's policy alone.
//
// What moto 5.2's enforcement does (moto/core/authorization.py, moto/iam/access_control.py):
// - The first INITIAL_NO_AUTH_ACTION_COUNT requests to any service it authorises (S3, IAM, STS,
//   KMS, ...) pass unchecked; after that every such request needs a known access key (an IAM
//   user's, or AssumeRole'd credentials with their session token) and a valid SigV4 signature,
//   and the action must be allowed by the principal's identity policies (a user's inline and
//   attached policies and groups; an assumed role's inline and attached policies), explicit
//   Deny first. sts:GetCallerIdentity is always allowed.
// - S3 requests are authorised against `arn:aws:s3:::bucket[/key]` with moto's own action names
//   (CreateMultipartUpload, UploadPart and CompleteMultipartUpload are all s3:PutObject; HEAD is
//   s3:GetObject; DELETE ?uploadId is s3:AbortMultipartUpload; GET ?uploadId is
//   s3:ListMultipartUploadParts), so Resource patterns in the policy really are checked for S3.
// - sts:AssumeRole is checked against the role ARN and the role's trust policy (principal ARN
//   compared literally, so an assumed-role session of BackendRole would not match the template's
//   `BackendRole.Arn` principal the way AWS matches it; see the trust policy below).
// - Not evaluated: session policies, resource policies (bucket/key policies), Conditions in
//   identity policies, and the resource of KMS calls: moto authorises every KMS action against
//   resource "*", so a statement scoped to a key ARN never matches (see the KMS test).
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKSIDE_TEMPLATE_PATH } from '../../../backend/src/aws/stack-deployer.js';
import { resolveIntrinsics, type Json, type ResolveContext, type StackTemplate } from '../../../backend/src/domain/stack-template.js';
import { startMoto, type MotoServer } from '../../support/moto-server.js';

const REGION = 'us-east-1';
const NAME_PREFIX = 'dockside';
// Requests moto lets through before it starts enforcing: exactly the three that make the admin
// user (CreateUser, CreateAccessKey, PutUserPolicy). Everything after is signed and authorised.
const UNAUTHENTICATED_SETUP_REQUESTS = 3;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
type Obj = { [key: string]: Json };

const template = JSON.parse(readFileSync(DOCKSIDE_TEMPLATE_PATH, 'utf8')) as StackTemplate;
const uploaderRole = Object.entries(template.Resources).find(
  ([logicalId, r]) => r.Type === 'AWS::IAM::Role' && logicalId === 'UploaderRole',
)?.[1];

let moto: MotoServer;
const clients: { destroy(): void }[] = [];
let adminArn: string;
let roleArn: string;
let dockBucket: string;
let permanentBucket: string;
let lookalikeBucket: string;
let dockKeyArn: string;
let permanentKeyArn: string;
let roleCredentials: Credentials;
let roleS3: S3Client;
let roleKms: KMSClient;
let adminS3: S3Client;
let admin: Credentials;
/** Raw bodies of the role's KMS error answers, newest last. */
const kmsErrorBodies: string[] = [];

const config = (credentials: Credentials) => ({ endpoint: moto.endpoint, region: REGION, credentials, maxAttempts: 1 });
function client<T extends { destroy(): void }>(c: T): T {
  clients.push(c);
  return c;
}

/** The 403 S3 answers when IAM does not allow the request. */
async function expectS3Denied(request: Promise<unknown>): Promise<void> {
  await expect(request).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

beforeAll(async () => {
  expect(uploaderRole, 'the template defines UploaderRole as an AWS::IAM::Role').toBeDefined();
  moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: String(UNAUTHENTICATED_SETUP_REQUESTS) } });

  // 1. The only unauthenticated requests: an admin user with an access key and an allow-all policy.
  const bootstrapIam = client(new IAMClient(config({ accessKeyId: 'bootstrap', secretAccessKey: 'bootstrap' })));
  const user = await bootstrapIam.send(new CreateUserCommand({ UserName: 'dockside-test-admin' }));
  const key = await bootstrapIam.send(new CreateAccessKeyCommand({ UserName: 'dockside-test-admin' }));
  await bootstrapIam.send(
    new PutUserPolicyCommand({
      UserName: 'dockside-test-admin',
      PolicyName: 'admin',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    }),
  );
  adminArn = user.User!.Arn!;
  admin = { accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! };

  // 2. Everything else is made with the admin's signed requests.
  const iam = client(new IAMClient(config(admin)));
  const kms = client(new KMSClient(config(admin)));
  const sts = client(new STSClient(config(admin)));
  adminS3 = client(new S3Client({ ...config(admin), forcePathStyle: true }));
  const account = (await sts.send(new GetCallerIdentityCommand({}))).Account!;

  dockKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'dock' }))).KeyMetadata!.Arn!;
  permanentKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'permanent' }))).KeyMetadata!.Arn!;

  const parameters: Record<string, string> = {
    NamePrefix: NAME_PREFIX,
    UploaderMaxSessionSeconds: String(template.Parameters?.['UploaderMaxSessionSeconds']?.Default ?? 3600),
    'AWS::AccountId': account,
    'AWS::Region': REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const names: ResolveContext = { parameters, refs: {}, attributes: {} };
  const bucketName = (logicalId: string): string =>
    String(resolveIntrinsics((template.Resources[logicalId]!.Properties as Obj)['BucketName']!, names));
  dockBucket = bucketName('DockBucket');
  permanentBucket = bucketName('PermanentBucket');
  // A bucket whose name starts with the dock's: the policy's `${DockBucket.Arn}/uploads/*` must
  // not match it.
  lookalikeBucket = `${dockBucket}-lookalike`;
  for (const bucket of [dockBucket, permanentBucket, lookalikeBucket]) {
    await adminS3.send(new CreateBucketCommand({ Bucket: bucket }));
  }

  const ctx: ResolveContext = {
    parameters,
    refs: { DockKey: dockKeyArn.split('/').pop()!, DockBucket: dockBucket, PermanentBucket: permanentBucket },
    attributes: {
      'DockBucket.Arn': `arn:aws:s3:::${dockBucket}`,
      'PermanentBucket.Arn': `arn:aws:s3:::${permanentBucket}`,
      'DockKey.Arn': dockKeyArn,
      'PermanentKey.Arn': permanentKeyArn,
      // The template trusts BackendRole. moto compares the caller's ARN with the trust policy's
      // principal literally, and a BackendRole session's ARN (arn:aws:sts::…:assumed-role/…)
      // would not equal the role's ARN as it does on AWS, so the admin user stands in for it.
      'BackendRole.Arn': adminArn,
    },
  };
  const props = resolveIntrinsics(uploaderRole!.Properties as Json, ctx) as Obj;
  const policies = props['Policies'] as Obj[];
  expect(policies).toHaveLength(1);
  const role = await iam.send(
    new CreateRoleCommand({
      RoleName: String(props['RoleName']),
      AssumeRolePolicyDocument: JSON.stringify(props['AssumeRolePolicyDocument']),
      MaxSessionDuration: Number(props['MaxSessionDuration']),
    }),
  );
  roleArn = role.Role!.Arn!;
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: String(props['RoleName']),
      PolicyName: String(policies[0]!['PolicyName']),
      PolicyDocument: JSON.stringify(policies[0]!['PolicyDocument']),
    }),
  );

  // 3. The uploader's credentials, as the backend gets them (without its session policy, which
  // moto would ignore anyway: what is denied below is denied by the role's own policy).
  const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'upload-01TESTIAMENFORCEMENT', DurationSeconds: 900 }));
  roleCredentials = {
    accessKeyId: assumed.Credentials!.AccessKeyId!,
    secretAccessKey: assumed.Credentials!.SecretAccessKey!,
    sessionToken: assumed.Credentials!.SessionToken!,
  };
  roleS3 = client(new S3Client({ ...config(roleCredentials), forcePathStyle: true }));
  roleKms = client(new KMSClient(config(roleCredentials)));
  // Inside the deserializer (priority low), so it sees the raw answer before it is parsed.
  roleKms.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      const response = out.response as { statusCode?: number; body?: unknown };
      if ((response.statusCode ?? 200) >= 400 && response.body instanceof Readable) {
        const chunks: Buffer[] = [];
        for await (const chunk of response.body) chunks.push(Buffer.from(chunk as Uint8Array));
        const body = Buffer.concat(chunks);
        kmsErrorBodies.push(body.toString('utf8'));
        response.body = Readable.from([body]);
      }
      return out;
    },
    { step: 'deserialize', priority: 'low', name: 'keepKmsErrorBody' },
  );
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await moto?.stop();
});

describe('uploader role policy from the template, under moto IAM enforcement', () => {
  it('enforcement is on: unknown credentials are refused, the admin is allowed, the role session is the uploader role', async () => {
    const stranger = client(new S3Client({ ...config({ accessKeyId: 'AKIASTRANGER0000000', secretAccessKey: 'nope' }), forcePathStyle: true }));
    await expect(stranger.send(new PutObjectCommand({ Bucket: dockBucket, Key: 'uploads/stranger.bin', Body: 'x' }))).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
      $metadata: { httpStatusCode: 403 },
    });
    // The same writes that the role is denied below are allowed to the admin: the denials come
    // from the role's policy, not from the buckets.
    await adminS3.send(new PutObjectCommand({ Bucket: permanentBucket, Key: 'uploads/admin.bin', Body: 'admin' }));
    await adminS3.send(new PutObjectCommand({ Bucket: dockBucket, Key: 'outside/admin.bin', Body: 'admin' }));

    const sts = client(new STSClient(config(roleCredentials)));
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Arn).toMatch(new RegExp(`:assumed-role/${NAME_PREFIX}-uploader/upload-01TESTIAMENFORCEMENT$`));
  });

  it('only the principal the trust policy names may assume the role', async () => {
    // Another user with an allow-all policy of its own: its sts:AssumeRole is allowed by its
    // policy, but the role's trust policy (the template's, principal resolved to the admin) is not.
    const iam = client(new IAMClient(config(admin)));
    await iam.send(new CreateUserCommand({ UserName: 'not-the-backend' }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'not-the-backend',
        PolicyName: 'admin',
        PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
      }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'not-the-backend' }))).AccessKey!;
    const sts = client(new STSClient(config({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })));
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'upload-01TESTINTRUDER' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('the role may write under uploads/ in the dock bucket: PutObject and a whole multipart upload', async () => {
    const put = await roleS3.send(
      new PutObjectCommand({
        Bucket: dockBucket,
        Key: 'uploads/01TEST-single.bin',
        Body: 'hello dock',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: dockKeyArn,
      }),
    );
    expect(put.ETag).toBeTruthy();

    const key = 'uploads/01TEST-multipart.bin';
    const created = await roleS3.send(
      new CreateMultipartUploadCommand({ Bucket: dockBucket, Key: key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: dockKeyArn }),
    );
    const uploadId = created.UploadId!;
    const part = await roleS3.send(new UploadPartCommand({ Bucket: dockBucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'one part' }));
    const parts = await roleS3.send(new ListPartsCommand({ Bucket: dockBucket, Key: key, UploadId: uploadId }));
    expect(parts.Parts?.map((p) => p.PartNumber)).toEqual([1]);
    await roleS3.send(
      new CompleteMultipartUploadCommand({ Bucket: dockBucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }),
    );

    const abandoned = await roleS3.send(new CreateMultipartUploadCommand({ Bucket: dockBucket, Key: 'uploads/01TEST-abandoned.bin' }));
    await roleS3.send(new AbortMultipartUploadCommand({ Bucket: dockBucket, Key: 'uploads/01TEST-abandoned.bin', UploadId: abandoned.UploadId! }));

    // The objects really are there (checked with the admin, since the role cannot read).
    await adminS3.send(new HeadObjectCommand({ Bucket: dockBucket, Key: 'uploads/01TEST-single.bin' }));
    await adminS3.send(new HeadObjectCommand({ Bucket: dockBucket, Key: key }));
  });

  it.each([
    ['the permanent bucket', () => permanentBucket],
    ['a bucket whose name starts with the dock bucket’s', () => lookalikeBucket],
  ])('denies writes to %s, even under uploads/', async (_what, bucket) => {
    await expectS3Denied(roleS3.send(new PutObjectCommand({ Bucket: bucket(), Key: 'uploads/01TEST-elsewhere.bin', Body: 'x' })));
    await expectS3Denied(roleS3.send(new CreateMultipartUploadCommand({ Bucket: bucket(), Key: 'uploads/01TEST-elsewhere.bin' })));
  });

  it.each(['01TEST-at-the-root.bin', 'outside/01TEST.bin', 'uploadsX/01TEST.bin', 'Uploads/01TEST.bin'])(
    'denies writes to the dock key %s, outside uploads/',
    async (key) => {
      await expectS3Denied(roleS3.send(new PutObjectCommand({ Bucket: dockBucket, Key: key, Body: 'x' })));
      await expectS3Denied(roleS3.send(new CreateMultipartUploadCommand({ Bucket: dockBucket, Key: key })));
    },
  );

  it('denies reading, deleting and listing, even the role’s own dock object', async () => {
    const Key = 'uploads/01TEST-single.bin';
    await roleS3.send(new PutObjectCommand({ Bucket: dockBucket, Key, Body: 'hello dock' }));
    await expectS3Denied(roleS3.send(new GetObjectCommand({ Bucket: dockBucket, Key })));
    // HEAD answers have no body, so the SDK can only report the status.
    await expect(roleS3.send(new HeadObjectCommand({ Bucket: dockBucket, Key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    await expectS3Denied(roleS3.send(new DeleteObjectCommand({ Bucket: dockBucket, Key })));
    await expectS3Denied(roleS3.send(new ListObjectsV2Command({ Bucket: dockBucket })));
    await expectS3Denied(roleS3.send(new ListMultipartUploadsCommand({ Bucket: dockBucket })));
    await adminS3.send(new PutObjectCommand({ Bucket: permanentBucket, Key: 'uploads/01TEST-promoted.bin', Body: 'promoted' }));
    await expectS3Denied(roleS3.send(new GetObjectCommand({ Bucket: permanentBucket, Key: 'uploads/01TEST-promoted.bin' })));

    // Still there: the denied delete did nothing.
    const head = await adminS3.send(new HeadObjectCommand({ Bucket: dockBucket, Key }));
    expect(head.ContentLength).toBe('hello dock'.length);
  });

  it('KMS: the permanent key is denied; moto cannot show the dock-key grant (it authorises KMS against resource "*")', async () => {
    // moto answers KMS's IAM denials in XML, which the JSON-protocol SDK cannot parse; the raw
    // body (kept by kmsErrorBodies) shows it is an IAM AccessDenied, not a signature failure.
    const deniedFor = async (keyArn: string): Promise<void> => {
      const request = roleKms.send(new GenerateDataKeyCommand({ KeyId: keyArn, KeySpec: 'AES_256' }));
      await expect(request).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
      expect(kmsErrorBodies.at(-1)).toMatch(/<Code>AccessDenied<\/Code>[\s\S]*not authorized to perform: kms:GenerateDataKey/);
    };
    // AWS and moto agree here: the role's policy grants nothing on the permanent key.
    await deniedFor(permanentKeyArn);
    // GAP: on AWS the template's EncryptWithTheDockKey statement allows this. moto evaluates KMS
    // actions against resource "*", which the statement's key ARN never matches, so moto denies
    // it. (The SSE-KMS writes above are not affected: moto does not check the caller's KMS
    // permissions when S3 encrypts.) If this starts failing, moto has learnt to check KMS
    // resources, and this should become an assertion that the dock key is allowed.
    await deniedFor(dockKeyArn);
    // The admin (Resource "*") may: the denials above are the role's policy, not a broken key.
    const adminKms = client(new KMSClient(config(admin)));
    const dataKey = await adminKms.send(new GenerateDataKeyCommand({ KeyId: dockKeyArn, KeySpec: 'AES_256' }));
    expect(dataKey.KeyId).toBe(dockKeyArn);
  });
});
