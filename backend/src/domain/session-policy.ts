/**
 * What an uploader's temporary credentials may do, and the names STS records them under.
 *
 * The session policy narrows the uploader role to one object key in the dock and the dock's KMS
 * key; the effective permissions are the intersection with the role's own policy. The role
 * session name depends on the upload id alone, so every backend instance that vends credentials
 * for one upload yields the same principal (`assumed-role/<role>/dockside-<id>`): parts of one
 * multipart upload signed by different principals are refused by S3 with 403.
 */

/** Exactly what a multipart upload of one object needs, and nothing to read or delete. */
export const UPLOADER_S3_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'] as const;
/** SSE-KMS: a data key for each part, and Decrypt because S3 unwraps it again on completion. */
export const UPLOADER_KMS_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** STS refuses session policy plain text over this many characters. */
export const MAX_SESSION_POLICY_CHARS = 2048;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface SessionPolicyInput {
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`), as in the uploader role's ARN. */
  readonly partition: string;
  readonly dockBucket: string;
  readonly key: string;
  readonly kmsKeyArn: string;
}

export class SessionPolicyError extends Error {
  override readonly name = 'SessionPolicyError';
  readonly code = 'INVALID_SESSION_POLICY' as const;
  readonly retryable = false;
}

/** The session policy document for one upload's credentials. */
export function sessionPolicyFor(input: SessionPolicyInput): PolicyDocument {
  // Wildcards or policy variables in the key would widen the grant beyond the one object.
  if (/[*?]|\$\{/.test(input.key) || /[*?]|\$\{/.test(input.dockBucket)) {
    throw new SessionPolicyError('the dock key and bucket must not contain policy wildcards or variables');
  }
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteThisUploadOnly',
        Effect: 'Allow',
        Action: [...UPLOADER_S3_ACTIONS],
        Resource: `arn:${input.partition}:s3:::${input.dockBucket}/${input.key}`,
      },
      {
        Sid: 'EncryptWithTheDockKey',
        Effect: 'Allow',
        Action: [...UPLOADER_KMS_ACTIONS],
        Resource: input.kmsKeyArn,
      },
    ],
  };
}

/**
 * The policy as STS wants it: compact JSON, checked against STS's limits here so a bad name fails
 * with a clear error rather than a remote ValidationError.
 */
export function sessionPolicyJson(policy: PolicyDocument): string {
  const json = JSON.stringify(policy);
  if (json.length > MAX_SESSION_POLICY_CHARS) {
    throw new SessionPolicyError(`session policy is ${json.length} characters; STS accepts at most ${MAX_SESSION_POLICY_CHARS}`);
  }
  const allowed = (c: number): boolean => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xff);
  if (!Array.from(json).every((ch) => allowed(ch.codePointAt(0) ?? 0))) {
    throw new SessionPolicyError('session policy contains characters outside U+0020–U+00FF, which STS refuses');
  }
  return json;
}

/** The partition named by an ARN (`arn:<partition>:…`); `aws` when it cannot be read. */
export function partitionOf(arn: string): string {
  const match = /^arn:([a-z0-9-]+):/.exec(arn);
  return match?.[1] ?? 'aws';
}

/** `dockside-<upload id>`: a function of the upload alone, never of the instance or the time. */
export function roleSessionNameFor(uploadId: string): string {
  return `dockside-${uploadId}`;
}

/**
 * The user as STS SourceIdentity (2–64 characters of `[A-Za-z0-9_+=,.@-]`): OIDC subjects and
 * static user names may hold anything, so the rest become `_`. It is for audit in CloudTrail;
 * the exact user is in the session tag and in our own audit log.
 */
export function sourceIdentityFor(user: string): string {
  const cleaned = user.replace(/[^\w+=,.@-]/g, '_').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `u_${cleaned}`.slice(0, 64);
}

/** A session tag value: up to 256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. */
export function sessionTagValue(value: string): string {
  const cleaned = value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_');
  return Array.from(cleaned).slice(0, 256).join('');
}
