/**
 * Credential vending with STS AssumeRole. The role session name is derived from the upload id, so
 * every backend instance hands out credentials of the same principal for one upload; a session
 * policy narrows them to that upload's key and the dock's KMS key. Every vend is audit-logged
 * without the secret or the session token.
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Logger } from 'pino';
import { CredentialVendError, type CredentialVendor, type VendRequest, type VendedCredentials } from '../domain/credential-vendor.js';
import {
  partitionOf,
  roleSessionNameFor,
  sessionPolicyFor,
  sessionPolicyJson,
  sessionTagValue,
  sourceIdentityFor,
} from '../domain/session-policy.js';

export interface StsCredentialVendorOptions {
  readonly sts: STSClient;
  readonly roleArn: string;
  readonly dockKmsKeyArn: string;
  /** 900–43200, and at most the role's MaxSessionDuration. */
  readonly durationSeconds: number;
  /** Receives one `audit: true` entry per vend (and per refused vend). */
  readonly auditLogger: Logger;
}

/** Session tag keys: visible in CloudTrail next to every S3 call made with the credentials. */
export const SESSION_TAG_USER = 'dockside-user';
export const SESSION_TAG_UPLOAD = 'dockside-upload';

// STS errors that a retry will not fix (configuration, policy, permissions).
const PERMANENT_STS_ERRORS = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'PackedPolicyTooLarge',
  'PackedPolicyTooLargeException',
  'RegionDisabledException',
  'ValidationError',
  'InvalidParameterValue',
]);

export class StsCredentialVendor implements CredentialVendor {
  private readonly audit: Logger;

  constructor(private readonly options: StsCredentialVendorOptions) {
    this.audit = options.auditLogger.child({ audit: true });
  }

  async vend(request: VendRequest): Promise<VendedCredentials> {
    const roleSessionName = roleSessionNameFor(request.uploadId);
    const policy = sessionPolicyJson(
      sessionPolicyFor({
        partition: partitionOf(this.options.roleArn),
        dockBucket: request.bucket,
        key: request.key,
        kmsKeyArn: this.options.dockKmsKeyArn,
      }),
    );
    const sourceIdentity = sourceIdentityFor(request.owner);
    const who = {
      user: request.owner,
      uploadId: request.uploadId,
      bucket: request.bucket,
      key: request.key,
      roleArn: this.options.roleArn,
      roleSessionName,
      sourceIdentity,
    };
    let answer;
    try {
      answer = await this.options.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.options.roleArn,
          RoleSessionName: roleSessionName,
          Policy: policy,
          DurationSeconds: this.options.durationSeconds,
          SourceIdentity: sourceIdentity,
          Tags: [
            { Key: SESSION_TAG_USER, Value: sessionTagValue(request.owner) },
            { Key: SESSION_TAG_UPLOAD, Value: request.uploadId },
          ],
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      const retryable = !PERMANENT_STS_ERRORS.has(name);
      this.audit.warn({ event: 'credentials.refused', ...who, stsError: name, retryable }, 'STS refused to vend upload credentials');
      throw new CredentialVendError(`STS AssumeRole failed (${name})`, retryable, { cause: error });
    }
    const c = answer.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new CredentialVendError('STS AssumeRole answered without credentials', true);
    }
    this.audit.info(
      {
        event: 'credentials.vended',
        ...who,
        principalArn: answer.AssumedRoleUser?.Arn ?? null,
        // The key id is not a secret (CloudTrail records it); it ties S3 calls back to this vend.
        accessKeyId: c.AccessKeyId,
        expiration: c.Expiration.toISOString(),
        durationSeconds: this.options.durationSeconds,
      },
      'vended upload credentials',
    );
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  }
}
