// moto does not enforce session policies, so the document itself is tested here: a small
// evaluator (IAM's Allow/implicit-deny for actions and resources, with its `*`/`?` wildcards)
// answers what the credentials may do.
import { describe, expect, it } from 'vitest';
import {
  MAX_SESSION_POLICY_CHARS,
  partitionOf,
  roleSessionNameFor,
  SessionPolicyError,
  sessionPolicyFor,
  sessionPolicyJson,
  sessionTagValue,
  sourceIdentityFor,
  type PolicyDocument,
} from '../../../backend/src/domain/session-policy.js';
import { dockKeyFor } from '../../../backend/src/domain/key-naming.js';

const wildcard = (pattern: string, caseInsensitive: boolean): RegExp =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'i' : '');

/** IAM evaluation for one identity policy: allowed only if some Allow statement matches both. */
function allows(policy: PolicyDocument, action: string, resource: string): boolean {
  return policy.Statement.some(
    (s) =>
      s.Effect === 'Allow' &&
      s.Action.some((a) => wildcard(a, true).test(action)) && // actions are case-insensitive
      [s.Resource].flat().some((r) => wildcard(r, false).test(resource)),
  );
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

  it('is exactly two statements, no wildcards, no Deny, no conditions to misread', () => {
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'WriteThisUploadOnly', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: OBJECT },
        { Sid: 'EncryptWithTheDockKey', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KMS },
      ],
    });
    expect(JSON.stringify(policy)).not.toMatch(/[*?]/);
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
    ['alice', 'alice'],
    ['alice@example.com', 'alice@example.com'],
    ['auth0|5f7c8ec7c33c6c004bbafe82', 'auth0_5f7c8ec7c33c6c004bbafe82'],
    ['x', 'u_x'],
    ['', 'u_'],
    ['Zoë Ærø', 'Zo___r_'],
    ['a'.repeat(100), 'a'.repeat(64)],
  ])('source identity for %j is %j', (user, expected) => {
    const id = sourceIdentityFor(user);
    expect(id).toMatch(/^[\w+=,.@-]{2,64}$/);
    expect(id).toBe(expected);
  });

  it('keeps session tag values within the tag character set and length', () => {
    expect(sessionTagValue('Zoë Ærø <zoe@example.com>')).toBe('Zoë Ærø _zoe@example.com_');
    expect(Array.from(sessionTagValue('é'.repeat(300)))).toHaveLength(256);
  });
});
