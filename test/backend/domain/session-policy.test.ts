// moto does not enforce session policies, so the document itself is tested here with the IAM
// evaluator of test/backend/infra/iam-evaluator.ts (Allow/implicit deny for actions and resources
// with their `*`/`?` wildcards, and conditions): it answers what the credentials may do.
import { describe, expect, it } from 'vitest';
import {
  MAX_SESSION_POLICY_CHARS,
  partitionOf,
  regionOf,
  roleSessionNameFor,
  s3ServiceFor,
  SessionPolicyError,
  sessionPolicyFor,
  sessionPolicyJson,
  sessionTagValue,
  sourceIdentityFor,
  type PolicyDocument,
} from '../../../backend/src/domain/session-policy.js';
import { dockKeyFor } from '../../../backend/src/domain/key-naming.js';
import { evaluate, type Statement } from '../infra/iam-evaluator.js';

/** Allowed only if some Allow statement matches action, resource and conditions (S3 calling KMS for the object by default). */
function allows(policy: PolicyDocument, action: string, resource: string, keys?: Record<string, string>): boolean {
  const context = keys ?? (action.startsWith('kms:') ? { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': OBJECT } : {});
  return evaluate(policy.Statement as unknown as Statement[], { action, resource, keys: context }) === 'allow';
}

const BUCKET = 'firm-dock';
const KEY = 'uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/film.mov';
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/0c8e1a2b-1111-2222-3333-444455556666';
const OBJECT = `arn:aws:s3:::${BUCKET}/${KEY}`;
const policy = sessionPolicyFor({ partition: 'aws', dockBucket: BUCKET, key: KEY, kmsKeyArn: KMS });

describe('the upload session policy', () => {
  it.each(['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'])('allows %s on the upload key', (action) => {
    expect(allows(policy, action, OBJECT)).toBe(true);
  });

  it.each(['kms:GenerateDataKey', 'kms:Decrypt'])('allows %s on the dock key', (action) => {
    expect(allows(policy, action, KMS)).toBe(true);
  });

  it.each([
    ['a second key in the dock', 's3:PutObject', `arn:aws:s3:::${BUCKET}/uploads/01JBBBBBBBBBBBBBBBBBBBBBBB/other.mov`],
    ['a key that merely starts with the upload key', 's3:PutObject', `${OBJECT}.extra`],
    ['the upload folder', 's3:PutObject', `arn:aws:s3:::${BUCKET}/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/`],
    ['the same key in another bucket', 's3:PutObject', `arn:aws:s3:::permanent/${KEY}`],
    ['the bucket itself', 's3:ListBucket', `arn:aws:s3:::${BUCKET}`],
    ['listing uploads of the bucket', 's3:ListBucketMultipartUploads', `arn:aws:s3:::${BUCKET}`],
    ['reading the object', 's3:GetObject', OBJECT],
    ['deleting the object', 's3:DeleteObject', OBJECT],
    ['changing its ACL', 's3:PutObjectAcl', OBJECT],
    ['tagging it', 's3:PutObjectTagging', OBJECT],
    ['every S3 action', 's3:*', OBJECT],
    ['another KMS key', 'kms:GenerateDataKey', KMS.replace('0c8e1a2b', 'ffffffff')],
    ['encrypting directly with the dock key', 'kms:Encrypt', KMS],
    ['re-encrypting with the dock key', 'kms:ReEncryptFrom', KMS],
    ['a KMS action on the object', 'kms:Decrypt', OBJECT],
    ['an S3 action on the KMS key', 's3:PutObject', KMS],
    ['IAM', 'iam:PassRole', '*'],
  ])('does not allow %s', (_what, action, resource) => {
    expect(allows(policy, action, resource)).toBe(false);
  });

  it('is exactly two statements, no wildcards, no Deny; the key only through S3 in its region, for this object', () => {
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'WriteThisUploadOnly', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: OBJECT },
        {
          Sid: 'EncryptWithTheDockKey',
          Effect: 'Allow',
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          Resource: KMS,
          Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': OBJECT } },
        },
      ],
    });
    expect(JSON.stringify(policy)).not.toMatch(/[*?]/);
  });

  it.each<[string, Record<string, string>]>([
    ['called directly (no kms:ViaService)', { 'kms:EncryptionContext:aws:s3:arn': OBJECT }],
    ['through another service', { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': OBJECT }],
    ['through S3 in another region', { 'kms:ViaService': 's3.us-east-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': OBJECT }],
    ['for another object', { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${BUCKET}/uploads/01JBBBBBBBBBBBBBBBBBBBBBBB/x` }],
    ['for the bucket (an S3 Bucket Key’s context)', { 'kms:ViaService': 's3.eu-west-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${BUCKET}` }],
    ['without an encryption context', { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' }],
  ])('does not allow the dock key %s', (_what, keys) => {
    expect(allows(policy, 'kms:GenerateDataKey', KMS, keys)).toBe(false);
    expect(allows(policy, 'kms:Decrypt', KMS, keys)).toBe(false);
  });

  it('names S3 of the key’s region and partition as the only way to the key', () => {
    expect(regionOf(KMS)).toBe('eu-west-1');
    expect(s3ServiceFor('aws', 'eu-west-1')).toBe('s3.eu-west-1.amazonaws.com');
    expect(s3ServiceFor('aws-cn', 'cn-north-1')).toBe('s3.cn-north-1.amazonaws.com.cn');
    expect(s3ServiceFor('aws-us-gov', 'us-gov-west-1')).toBe('s3.us-gov-west-1.amazonaws.com');
    expect(() => regionOf('arn:aws:kms::111122223333:key/x')).toThrow(SessionPolicyError);
  });

  it('follows the partition of the role (GovCloud, China)', () => {
    const gov = sessionPolicyFor({ partition: partitionOf('arn:aws-us-gov:iam::111122223333:role/u'), dockBucket: BUCKET, key: KEY, kmsKeyArn: KMS });
    expect(gov.Statement[0]?.Resource).toBe(`arn:aws-us-gov:s3:::${BUCKET}/${KEY}`);
    expect(partitionOf('arn:aws-cn:iam::111122223333:role/u')).toBe('aws-cn');
    expect(partitionOf('nonsense')).toBe('aws');
  });

  it('refuses keys with policy wildcards or variables', () => {
    for (const key of ['uploads/*', 'uploads/a?b', 'uploads/${aws:username}']) {
      expect(() => sessionPolicyFor({ partition: 'aws', dockBucket: BUCKET, key, kmsKeyArn: KMS })).toThrow(SessionPolicyError);
    }
  });

  it('stays within STS limits for the longest key the server can choose', () => {
    const key = dockKeyFor('01JAAAAAAAAAAAAAAAAAAAAAAA', `${'ÿ'.repeat(300)}.mov`);
    const json = sessionPolicyJson(sessionPolicyFor({ partition: 'aws-us-gov', dockBucket: 'b'.repeat(63), key, kmsKeyArn: KMS }));
    expect(json.length).toBeLessThanOrEqual(MAX_SESSION_POLICY_CHARS);
    expect(JSON.parse(json)).toBeTruthy();
  });

  it('refuses a document STS would refuse (too long, or characters outside U+0020–U+00FF)', () => {
    const long = { ...policy, Statement: Array.from({ length: 20 }, () => policy.Statement[0]!) };
    expect(() => sessionPolicyJson(long)).toThrow(/at most 2048/);
    const cjk = sessionPolicyFor({ partition: 'aws', dockBucket: BUCKET, key: 'uploads/x/報告.pdf', kmsKeyArn: KMS });
    expect(() => sessionPolicyJson(cjk)).toThrow(/U\+0020/);
  });
});

describe('names STS records', () => {
  it('derives the role session name from the upload id alone', () => {
    expect(roleSessionNameFor('01JAAAAAAAAAAAAAAAAAAAAAAA')).toBe('dockside-01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(roleSessionNameFor('01JAAAAAAAAAAAAAAAAAAAAAAA')).toMatch(/^[\w+=,.@-]{2,64}$/);
  });

  it.each([
    ['static:alice', 'static.alice'],
    ['oidc:https://idp.example.com/realms/firm#auth0|5f7c8ec7c33c6c004bbafe82', 'oidc.auth0_5f7c8ec7c33c6c004bbafe82'],
    [`oidc:https://idp.example.com#${'s'.repeat(100)}`, `oidc.${'s'.repeat(59)}`],
    ['alice', 'alice'],
    ['alice@example.com', 'alice@example.com'],
    ['auth0|5f7c8ec7c33c6c004bbafe82', 'auth0_5f7c8ec7c33c6c004bbafe82'],
    ['x', 'u_x'],
    ['', 'u_'],
    ['Zoë Ærø', 'Zo___r_'],
    ['a'.repeat(100), 'a'.repeat(64)],
  ])('source identity for the owner %j is %j', (user, expected) => {
    const id = sourceIdentityFor(user);
    expect(id).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(id).toBe(expected);
  });

  it('keeps session tag values within the tag character set and length', () => {
    expect(sessionTagValue('Zoë Ærø <zoe@example.com>')).toBe('Zoë Ærø _zoe@example.com_');
    expect(Array.from(sessionTagValue('é'.repeat(300)))).toHaveLength(256);
  });
});
