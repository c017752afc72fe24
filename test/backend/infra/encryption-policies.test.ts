// The template's encryption controls, evaluated (moto enforces no bucket policy, no key policy and
// no condition, so the documents themselves are checked with test/backend/infra/iam-evaluator.ts):
//
// - the dock bucket policy refuses every write that names an encryption other than SSE-KMS under
//   the dock key (SSE-S3's AES256, another key, aws:kms without a key, DSSE, customer keys), and
//   lets through what carries no encryption header: UploadPart and CompleteMultipartUpload (S3
//   authorises both as s3:PutObject and they carry none; the upload's encryption was fixed, and
//   checked, at CreateMultipartUpload) and a plain PutObject, which gets the bucket default;
// - the bucket default is SSE-KMS under the dock key without an S3 Bucket Key, so S3's KMS
//   encryption context is the object's ARN;
// - the uploader role and the dock key's policy let the uploader use the key only through S3 in
//   the stack's region, and only for an object under the dock's uploads/.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOCKSIDE_TEMPLATE_PATH } from '../../../backend/src/aws/stack-deployer.js';
import { dockKeyFor } from '../../../backend/src/domain/key-naming.js';
import { sessionPolicyFor } from '../../../backend/src/domain/session-policy.js';
import { resolveIntrinsics, type Json, type ResolveContext, type StackTemplate } from '../../../backend/src/domain/stack-template.js';
import { conditionsHold, denyingSids, evaluate, type RequestContext, type Statement } from './iam-evaluator.js';

const template = JSON.parse(readFileSync(DOCKSIDE_TEMPLATE_PATH, 'utf8')) as StackTemplate;
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const DOCK = `dockside-dock-${ACCOUNT}-${REGION}`;
const DOCK_ARN = `arn:aws:s3:::${DOCK}`;
const DOCK_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0c8e1a2b-1111-2222-3333-444455556666`;
const OTHER_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/ffffffff-1111-2222-3333-444455556666`;
const UPLOADER_ROLE = `arn:aws:iam::${ACCOUNT}:role/dockside-uploader`;
const ctx: ResolveContext = {
  parameters: { NamePrefix: 'dockside', UploaderMaxSessionSeconds: '3600', 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' },
  refs: { DockBucket: DOCK, DockKey: '0c8e1a2b-1111-2222-3333-444455556666' },
  attributes: { 'DockBucket.Arn': DOCK_ARN, 'DockKey.Arn': DOCK_KEY, 'BackendRole.Arn': `arn:aws:iam::${ACCOUNT}:role/dockside-backend` },
};
type Obj = { [key: string]: Json };
/** A resource's properties (or one of them), intrinsics resolved. */
const resolved = (logicalId: string, property?: string): Obj => {
  const props = template.Resources[logicalId]!.Properties as Obj;
  return resolveIntrinsics((property === undefined ? props : { [property]: props[property]! }) as Json, ctx) as Obj;
};
const statementsOf = (doc: Json): Statement[] => (doc as { Statement: Statement[] }).Statement;

describe('the test evaluator follows the IAM documentation', () => {
  it('a missing key: false for an operator, true for a negated one and for ...IfExists; Null tests presence', () => {
    expect(conditionsHold({ StringEquals: { k: 'v' } }, {})).toBe(false);
    expect(conditionsHold({ StringNotEquals: { k: 'v' } }, {})).toBe(true);
    expect(conditionsHold({ StringEqualsIfExists: { k: 'v' } }, {})).toBe(true);
    expect(conditionsHold({ StringNotEqualsIfExists: { k: 'v' } }, {})).toBe(true);
    expect(conditionsHold({ Null: { k: 'true' } }, {})).toBe(true);
    expect(conditionsHold({ Null: { k: 'false' } }, { K: 'x' })).toBe(true);
    expect(conditionsHold({ StringNotEquals: { k: ['a', 'b'] } }, { k: 'b' })).toBe(false);
    expect(conditionsHold({ StringLike: { k: 'arn:*/uploads/*' } }, { k: 'arn:x/uploads/y' })).toBe(true);
  });
});

describe('the dock bucket policy', () => {
  const policy = statementsOf(resolved('DockBucketPolicy')['PolicyDocument']!);
  const object = `${DOCK_ARN}/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/film.mov`;
  const put = (keys: Record<string, string>): RequestContext => ({ action: 's3:PutObject', resource: object, keys: { 'aws:SecureTransport': 'true', ...keys } });
  const SSE = 's3:x-amz-server-side-encryption';
  const KEY_ID = 's3:x-amz-server-side-encryption-aws-kms-key-id';
  const SSE_C = 's3:x-amz-server-side-encryption-customer-algorithm';

  it.each<[string, Record<string, string>]>([
    ['PutObject or CreateMultipartUpload with SSE-KMS under the dock key (what the clients send)', { [SSE]: 'aws:kms', [KEY_ID]: DOCK_KEY }],
    ['UploadPart and CompleteMultipartUpload (s3:PutObject without any encryption header)', {}],
    ['a PutObject without encryption headers (the bucket default, the dock key, applies)', {}],
  ])('lets through %s', (_what, keys) => {
    expect(denyingSids(policy, put(keys))).toEqual([]);
  });

  it.each<[string, Record<string, string>, string]>([
    ['SSE-S3 (AES256), on PutObject or CreateMultipartUpload', { [SSE]: 'AES256' }, 'NoEncryptionButSseKms'],
    ['SSE-KMS under another key', { [SSE]: 'aws:kms', [KEY_ID]: OTHER_KEY }, 'NoKmsKeyButTheDockKey'],
    ['SSE-KMS naming no key (S3 would use the AWS managed aws/s3 key)', { [SSE]: 'aws:kms' }, 'NoSseKmsWithoutNamingTheDockKey'],
    ['DSSE-KMS, even under the dock key', { [SSE]: 'aws:kms:dsse', [KEY_ID]: DOCK_KEY }, 'NoEncryptionButSseKms'],
    ['the dock key named by key id rather than ARN', { [SSE]: 'aws:kms', [KEY_ID]: '0c8e1a2b-1111-2222-3333-444455556666' }, 'NoKmsKeyButTheDockKey'],
    ['a customer-provided key (SSE-C), on any write including its UploadParts', { [SSE_C]: 'AES256' }, 'NoCustomerProvidedKeys'],
    ['plain HTTP', { 'aws:SecureTransport': 'false', [SSE]: 'aws:kms', [KEY_ID]: DOCK_KEY }, 'TlsOnly'],
  ])('refuses %s', (_what, keys, sid) => {
    expect(evaluate(policy, put(keys))).toBe('deny');
    expect(denyingSids(policy, put(keys))).toContain(sid);
  });

  it('replaces a statement that, by the same rules, refused every UploadPart and CompleteMultipartUpload', () => {
    // The statement before: a negated ...IfExists operator is true when the key is missing, so
    // this Deny applied to every write without a key id header (every part, every completion).
    const before: Statement = {
      Sid: 'OnlyTheDockKey',
      Effect: 'Deny',
      Action: 's3:PutObject',
      Resource: `${DOCK_ARN}/*`,
      Condition: { StringNotEqualsIfExists: { [KEY_ID]: DOCK_KEY } },
    };
    expect(evaluate([before], put({}))).toBe('deny');
    expect(policy.map((s) => s.Sid)).not.toContain('OnlyTheDockKey');
  });

  it('is paired with a bucket default of SSE-KMS under the dock key, without an S3 Bucket Key', () => {
    const rules = (resolved('DockBucket', 'BucketEncryption')['BucketEncryption'] as Obj)['ServerSideEncryptionConfiguration'] as Obj[];
    expect(rules).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: DOCK_KEY }, BucketKeyEnabled: false }]);
  });
});

describe('the uploader’s use of the dock key', () => {
  const id = '01JAAAAAAAAAAAAAAAAAAAAAAA';
  const key = dockKeyFor(id, 'Film final.mov');
  const objectArn = `${DOCK_ARN}/${key}`;
  const session = sessionPolicyFor({ partition: 'aws', dockBucket: DOCK, key, kmsKeyArn: DOCK_KEY }).Statement as unknown as Statement[];
  const role = statementsOf(((resolved('UploaderRole')['Policies'] as Obj[])[0]!)['PolicyDocument']!);
  const keyPolicy = statementsOf(resolved('DockKey')['KeyPolicy']!);
  const uploaderDenies = keyPolicy.filter((s) => s.Effect === 'Deny');

  const VIA_S3 = `s3.${REGION}.amazonaws.com`;
  const kms = (action: string, keys: Record<string, string>): RequestContext => ({ action, resource: DOCK_KEY, keys: { 'aws:PrincipalArn': UPLOADER_ROLE, ...keys } });
  const asS3For = (arn: string): Record<string, string> => ({ 'kms:ViaService': VIA_S3, 'kms:EncryptionContext:aws:s3:arn': arn });

  it.each(['kms:GenerateDataKey', 'kms:Decrypt'])('allows %s through S3 for this upload’s object: session policy, role policy and key policy agree', (action) => {
    const request = kms(action, asS3For(objectArn));
    expect(evaluate(session, request)).toBe('allow');
    expect(evaluate(role, request)).toBe('allow');
    expect(denyingSids(uploaderDenies, request)).toEqual([]);
  });

  it.each<[string, RequestContext]>([
    ['a direct KMS call (no kms:ViaService)', kms('kms:GenerateDataKey', { 'kms:EncryptionContext:aws:s3:arn': objectArn })],
    ['through another service', kms('kms:Decrypt', { 'kms:ViaService': `ec2.${REGION}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': objectArn })],
    ['through S3 in another region', kms('kms:Decrypt', { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': objectArn })],
    ['without an encryption context', kms('kms:Decrypt', { 'kms:ViaService': VIA_S3 })],
  ])('denies %s everywhere', (_what, request) => {
    expect(evaluate(session, request)).not.toBe('allow');
    expect(evaluate(role, request)).not.toBe('allow');
    expect(evaluate(uploaderDenies, request)).toBe('deny');
  });

  it.each<[string, string]>([
    ['another upload’s object', `${DOCK_ARN}/uploads/01JBBBBBBBBBBBBBBBBBBBBBBB/other.mov`],
    ['the bucket (what S3 sends with an S3 Bucket Key)', DOCK_ARN],
  ])('the session policy denies it for %s', (_what, arn) => {
    expect(evaluate(session, kms('kms:GenerateDataKey', asS3For(arn)))).toBe('implicit-deny');
  });

  it.each<[string, string]>([
    ['an object outside the dock’s uploads/', `${DOCK_ARN}/elsewhere/x`],
    ['an object of another bucket', `arn:aws:s3:::dockside-permanent-${ACCOUNT}-${REGION}/uploads/${id}/x`],
    ['the bucket (an S3 Bucket Key)', DOCK_ARN],
  ])('the role and the key policy deny it for %s', (_what, arn) => {
    const request = kms('kms:Decrypt', asS3For(arn));
    expect(evaluate(role, request)).toBe('implicit-deny');
    expect(evaluate(uploaderDenies, request)).toBe('deny');
  });

  it('the key policy lets the uploader do nothing with the key but GenerateDataKey and Decrypt, and binds no one else', () => {
    for (const action of ['kms:Encrypt', 'kms:ReEncryptFrom', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant', 'kms:DescribeKey']) {
      expect(denyingSids(uploaderDenies, kms(action, asS3For(objectArn))), action).toContain('UploaderOnlyGeneratesAndDecrypts');
    }
    // The backend (promotion reads the dock through S3, cleanup does not touch KMS) is not the uploader.
    const backend = { action: 'kms:Decrypt', resource: DOCK_KEY, keys: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/dockside-backend` } };
    expect(evaluate(uploaderDenies, backend)).toBe('implicit-deny');
    // The account keeps administering the key through IAM.
    expect(keyPolicy[0]).toMatchObject({ Sid: 'AccountAdministersTheKeyThroughIam', Effect: 'Allow', Action: 'kms:*' });
  });

  it('names the uploader role in the key policy exactly as the template names the role', () => {
    expect(resolved('UploaderRole')['RoleName']).toBe('dockside-uploader');
    const named = uploaderDenies.map((s) => (s.Condition?.['ArnEquals'] as Record<string, string>)['aws:PrincipalArn']);
    expect(new Set(named)).toEqual(new Set([UPLOADER_ROLE]));
  });
});
