// What the vendor asks STS for (moto ignores session policies and tags, so the request itself is
// checked here), how it reports STS failures, and what it audits.
import type { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { SESSION_TAG_UPLOAD, SESSION_TAG_USER, StsCredentialVendor } from '../../../backend/src/aws/sts-credential-vendor.js';
import { CredentialVendError } from '../../../backend/src/domain/credential-vendor.js';
import { createLogger } from '../../../backend/src/logger.js';
import { captureLog } from '../log-capture.js';

const ROLE = 'arn:aws:iam::111122223333:role/dockside-uploader';
const KMS = 'arn:aws:kms:eu-west-1:111122223333:key/0c8e1a2b-1111-2222-3333-444455556666';
const ID = '01JAAAAAAAAAAAAAAAAAAAAAAA';
const OWNER = 'oidc:https://idp.example.com#auth0|ana';
const REQUEST = { uploadId: ID, owner: OWNER, bucket: 'firm-dock', key: `uploads/${ID}/film.mov` };

function setup(answer: (input: AssumeRoleCommand['input']) => unknown) {
  const inputs: AssumeRoleCommand['input'][] = [];
  const log = captureLog();
  const sts = {
    send: async (command: AssumeRoleCommand) => {
      inputs.push(command.input);
      return answer(command.input);
    },
  } as unknown as STSClient;
  const auditLogger = createLogger({ level: 'info', destination: log.destination });
  const vendor = new StsCredentialVendor({ sts, roleArn: ROLE, dockKmsKeyArn: KMS, durationSeconds: 7200, auditLogger });
  return { vendor, inputs, audit: () => log.entries() };
}

const ok = (input: AssumeRoleCommand['input']) => ({
  Credentials: { AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'very-secret', SessionToken: 'very-long-session-token', Expiration: new Date('2030-01-01T00:00:00Z') },
  AssumedRoleUser: { Arn: `arn:aws:sts::111122223333:assumed-role/dockside-uploader/${input.RoleSessionName}`, AssumedRoleId: 'AROA:x' },
});

describe('StsCredentialVendor', () => {
  it('assumes the uploader role as dockside-<id>, narrowed to the key, with the user as source identity and tags', async () => {
    const { vendor, inputs } = setup(ok);
    const credentials = await vendor.vend(REQUEST);
    expect(credentials).toEqual({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'very-secret', sessionToken: 'very-long-session-token', expiration: new Date('2030-01-01T00:00:00Z') });
    const input = inputs[0]!;
    expect(input).toMatchObject({ RoleArn: ROLE, RoleSessionName: `dockside-${ID}`, DurationSeconds: 7200, SourceIdentity: 'oidc.auth0_ana' });
    expect(input.Tags).toEqual([
      { Key: SESSION_TAG_USER, Value: 'oidc:https://idp.example.com_auth0_ana' },
      { Key: SESSION_TAG_UPLOAD, Value: ID },
    ]);
    const policy = JSON.parse(input.Policy!) as { Statement: { Action: string[]; Resource: string }[] };
    expect(policy.Statement.map((s) => s.Resource)).toEqual([`arn:aws:s3:::firm-dock/uploads/${ID}/film.mov`, KMS]);
  });

  it('asks for the same principal on every call for one upload', async () => {
    const { vendor, inputs } = setup(ok);
    await vendor.vend(REQUEST);
    await vendor.vend(REQUEST);
    expect(inputs[0]).toEqual(inputs[1]);
  });

  it('audits each vend with who, what and until when, never the secret or the token', async () => {
    const { vendor, audit } = setup(ok);
    await vendor.vend(REQUEST);
    const [entry] = audit();
    expect(entry).toMatchObject({
      audit: true,
      event: 'credentials.vended',
      user: OWNER,
      uploadId: ID,
      key: REQUEST.key,
      roleSessionName: `dockside-${ID}`,
      accessKeyId: 'ASIAEXAMPLE',
      expiration: '2030-01-01T00:00:00.000Z',
    });
    const text = JSON.stringify(audit());
    expect(text).not.toContain('very-secret');
    expect(text).not.toContain('very-long-session-token');
  });

  it.each([
    ['Throttling', true],
    ['ServiceUnavailable', true],
    ['TimeoutError', true],
    ['AccessDenied', false],
    ['MalformedPolicyDocument', false],
    ['PackedPolicyTooLarge', false],
  ])('reports STS %s as CredentialVendError (retryable: %s) and audits the refusal', async (name, retryable) => {
    const { vendor, audit } = setup(() => {
      throw Object.assign(new Error(`${name} happened`), { name });
    });
    const error = await vendor.vend(REQUEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialVendError);
    expect((error as CredentialVendError).retryable).toBe(retryable);
    expect(audit()[0]).toMatchObject({ audit: true, event: 'credentials.refused', stsError: name, uploadId: ID });
  });

  it('refuses an answer without credentials', async () => {
    const { vendor } = setup(() => ({}));
    await expect(vendor.vend(REQUEST)).rejects.toBeInstanceOf(CredentialVendError);
  });
});
