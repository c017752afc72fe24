/**
 * What an uploader's temporary credentials may do, and the names STS records them under.
 *
 * The session policy narrows the uploader role to one object key in the dock and the dock's KMS
 * key; the effective permissions are the intersection with the role's own policy. The role
 * session name depends on the upload id alone, so every backend instance that vends credentials
 * for one upload yields the same principal (`assumed-role/<role>/dockside-<id>`): parts of one
 * multipart upload signed by different principals are refused by S3 with 403. It is deliberately
 * not derived from the owner: `dockside-` + a 26-character ULID is 35 characters of STS's
 * `[\w+=,.@-]{2,64}` whatever the user's name, and namespacing owner keys (domain/owner.ts)
 * changed no principal, not even of an upload in flight. Who asked is recorded beside it, as the
 * source identity and a session tag.
 *
 * The dock key is usable only the way S3 uses it for this one object: `kms:ViaService` is S3 in
 * the key's region, and `kms:EncryptionContext:aws:s3:arn` is the object's ARN (S3 sends that as
 * the encryption context of SSE-KMS; the dock bucket has no S3 Bucket Key, which would send the
 * bucket's ARN instead, and a client that asks for one on its upload is refused by KMS). The
 * credentials cannot call KMS directly, nor through S3 for any other object.
 */
import { parseOwner } from './owner.js';

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
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string>>>>;
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
  const objectArn = `arn:${input.partition}:s3:::${input.dockBucket}/${input.key}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'WriteThisUploadOnly',
        Effect: 'Allow',
        Action: [...UPLOADER_S3_ACTIONS],
        Resource: objectArn,
      },
      {
        Sid: 'EncryptWithTheDockKey',
        Effect: 'Allow',
        Action: [...UPLOADER_KMS_ACTIONS],
        Resource: input.kmsKeyArn,
        Condition: {
          StringEquals: {
            'kms:ViaService': s3ServiceFor(input.partition, regionOf(input.kmsKeyArn)),
            'kms:EncryptionContext:aws:s3:arn': objectArn,
          },
        },
      },
    ],
  };
}

// The DNS suffix of each partition's endpoints (CloudFormation's AWS::URLSuffix).
const URL_SUFFIXES: Readonly<Record<string, string>> = {
  aws: 'amazonaws.com',
  'aws-us-gov': 'amazonaws.com',
  'aws-cn': 'amazonaws.com.cn',
  'aws-iso': 'c2s.ic.gov',
  'aws-iso-b': 'sc2s.sgov.gov',
};

/** `kms:ViaService` of S3 in `region`: `s3.<region>.amazonaws.com` (`….com.cn` in China). */
export function s3ServiceFor(partition: string, region: string): string {
  return `s3.${region}.${URL_SUFFIXES[partition] ?? 'amazonaws.com'}`;
}

/** The region named by an ARN (`arn:<partition>:<service>:<region>:…`); refused when it has none. */
export function regionOf(arn: string): string {
  const region = /^arn:[a-z0-9-]+:[a-z0-9-]+:([a-z0-9-]+):/.exec(arn)?.[1];
  if (region === undefined) throw new SessionPolicyError(`the ARN ${arn} names no region`);
  return region;
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
 * The caller as STS SourceIdentity (2–64 characters of `[A-Za-z0-9_+=,.@-]`): `static.<user>` or
 * `oidc.<sub>` for an owner key (the issuer does not fit in 64 characters; a deployment has one),
 * anything else as it is. OIDC subjects and static user names may hold anything, so the rest
 * become `_`. It is for audit in CloudTrail; the exact owner key is in the session tag and in our
 * own audit log. It does not name the principal: that is the role session name, the upload's alone.
 */
export function sourceIdentityFor(owner: string): string {
  const parsed = parseOwner(owner);
  const readable = parsed === null ? owner : `${parsed.method}.${parsed.subject}`;
  const cleaned = readable.replace(/[^\w+=,.@-]/g, '_').slice(0, 64);
  return cleaned.length >= 2 ? cleaned : `u_${cleaned}`.slice(0, 64);
}

/** A session tag value: up to 256 characters of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. */
export function sessionTagValue(value: string): string {
  const cleaned = value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_');
  return Array.from(cleaned).slice(0, 256).join('');
}
