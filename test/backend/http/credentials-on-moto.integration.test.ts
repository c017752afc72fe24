// The service on moto_server with its real adapters (STS vendor, DynamoDB store, S3 dock), over
// real HTTP: the credentials it vends work for a multipart upload of exactly the upload's key
// with the dock's KMS key; two instances sharing the table vend for the same principal; every
// vend is audit-logged without a secret.
import type { AddressInfo } from 'node:net';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../backend/src/auth/index.js';
import { createServiceAdapters } from '../../../backend/src/aws/service-adapters.js';
import { hashStaticToken, type BackendConfig } from '../../../backend/src/config.js';
import { createLogger } from '../../../backend/src/logger.js';
import { buildServer } from '../../../backend/src/server.js';
import {
  createUploadResponseSchema,
  credentialsResponseSchema,
  uploadViewSchema,
  type CreateUploadResponse,
  type TemporaryCredentialsWire,
} from '../../../src/shared/backend-api.js';
import { captureLog } from '../log-capture.js';
import { MOTO_CREDENTIALS, startMotoBackend, type MotoBackend } from '../aws/moto-backend.js';

const TOKEN = 'dana-static-token-0123456789';
const PART = 1024 * 1024; // moto is told to accept small parts
let moto: MotoBackend;
let config: BackendConfig;
const log = captureLog();
const instances: { app: FastifyInstance; url: string }[] = [];
// SDK clients and adapters to destroy after the servers have closed.
const clients: { destroy(): void }[] = [];

/** One backend instance as production wires it, listening on its own port. */
async function startInstance(): Promise<{ app: FastifyInstance; url: string }> {
  const logger = createLogger({ level: 'info', destination: log.destination });
  const adapters = createServiceAdapters(config, logger, MOTO_CREDENTIALS);
  clients.push(adapters);
  const app = buildServer({ config, store: adapters.store, vendor: adapters.vendor, dock: adapters.dock, authenticator: createAuthenticator(config.auth), logger });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const instance = { app, url: `http://127.0.0.1:${port}` };
  instances.push(instance);
  return instance;
}

async function call(base: string, method: string, path: string, body?: object): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: await res.json() };
}

function s3With(target: CreateUploadResponse['target'], c: TemporaryCredentialsWire): S3Client {
  const client = new S3Client({
    region: target.region,
    endpoint: target.endpoint ?? undefined,
    forcePathStyle: target.forcePathStyle,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
  });
  clients.push(client);
  return client;
}

async function principalOf(c: TemporaryCredentialsWire): Promise<string> {
  const sts = new STSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken } });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
  } finally {
    sts.destroy();
  }
}

beforeAll(async () => {
  moto = await startMotoBackend({ S3_UPLOAD_PART_MIN_SIZE: String(PART) });
  config = moto.config({ DOCKSIDE_STATIC_TOKENS: JSON.stringify([{ user: 'dana', sha256: hashStaticToken(TOKEN) }]), DOCKSIDE_CREDENTIAL_TTL_SECONDS: '900' });
  await startInstance();
  await startInstance();
});

afterAll(async () => {
  for (const { app } of instances) await app.close();
  for (const c of clients) c.destroy();
  await moto?.stop();
});

describe('credentials vended on moto', () => {
  it('let the client upload exactly its key with SSE-KMS, as assumed-role/<role>/dockside-<id>', async () => {
    const [a] = instances;
    const created = await call(a!.url, 'POST', '/v1/uploads', { fileName: 'site survey.bin', size: 2 * PART, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' } });
    expect(created.status).toBe(201);
    const { id, target, credentials } = createUploadResponseSchema.parse(created.json);
    expect(target).toMatchObject({ bucket: moto.dockBucket, key: `uploads/${id}/site_survey.bin`, endpoint: moto.endpoint, forcePathStyle: true, kmsKeyId: moto.dockKmsKeyArn });
    expect(await principalOf(credentials)).toBe(`arn:aws:sts::123456789012:assumed-role/${moto.roleName}/dockside-${id}`);
    const expiresIn = Date.parse(credentials.expiration) - Date.now();
    expect(expiresIn).toBeGreaterThan(800_000);
    expect(expiresIn).toBeLessThanOrEqual(900_000 + 5_000);

    const s3 = s3With(target, credentials);
    const mpu = await s3.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: target.kmsKeyId, ChecksumAlgorithm: 'CRC32' }));
    const parts = [];
    for (let n = 1; n <= 2; n++) {
      const part = await s3.send(new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId: mpu.UploadId, PartNumber: n, Body: Buffer.alloc(PART, n), ChecksumAlgorithm: 'CRC32' }));
      parts.push({ PartNumber: n, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 });
    }
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: mpu.UploadId, MultipartUpload: { Parts: parts } }));
    const head = await moto.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }));
    expect(head.ContentLength).toBe(2 * PART);
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toContain(moto.dockKmsKeyArn.split('/').at(-1));

    // The GET sees the finished object and records `docked`; no more credentials after that.
    const view = uploadViewSchema.parse((await call(a!.url, 'GET', `/v1/uploads/${id}`)).json);
    expect(view.status).toBe('docked');
    expect((await call(a!.url, 'POST', `/v1/uploads/${id}/credentials`)).status).toBe(409);
  });

  it('resolve to the same principal from two instances answering alternately, and the upload completes', async () => {
    const [a, b] = instances;
    const created = createUploadResponseSchema.parse((await call(a!.url, 'POST', '/v1/uploads', { fileName: 'alternating.bin', size: 4 * PART, checksum: { algorithm: 'CRC32', type: 'COMPOSITE' } })).json);
    const { id, target } = created;
    const expected = `arn:aws:sts::123456789012:assumed-role/${moto.roleName}/dockside-${id}`;
    const creds: TemporaryCredentialsWire[] = [created.credentials];
    for (let i = 0; i < 6; i++) {
      const from = i % 2 === 0 ? b! : a!;
      const refreshed = await call(from.url, 'POST', `/v1/uploads/${id}/credentials`);
      expect(refreshed.status).toBe(200);
      creds.push(credentialsResponseSchema.parse(refreshed.json).credentials);
    }
    const principals = await Promise.all(creds.map(principalOf));
    expect(new Set(principals)).toEqual(new Set([expected]));
    expect(new Set(creds.map((c) => c.accessKeyId)).size).toBe(creds.length);

    // Each part signed with a different set (from alternating instances): all one principal.
    const mpu = await s3With(target, creds[0]!).send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: target.kmsKeyId }));
    const parts = [];
    for (let n = 1; n <= 4; n++) {
      const part = await s3With(target, creds[n]!).send(new UploadPartCommand({ Bucket: target.bucket, Key: target.key, UploadId: mpu.UploadId, PartNumber: n, Body: Buffer.alloc(PART, n) }));
      parts.push({ PartNumber: n, ETag: part.ETag });
    }
    await s3With(target, creds[5]!).send(new CompleteMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: mpu.UploadId, MultipartUpload: { Parts: parts } }));
    expect(uploadViewSchema.parse((await call(b!.url, 'GET', `/v1/uploads/${id}`)).json).status).toBe('docked');
  });

  it('abort the dock multipart uploads of the key on DELETE, from either instance', async () => {
    const [a, b] = instances;
    const { id, target, credentials } = createUploadResponseSchema.parse((await call(a!.url, 'POST', '/v1/uploads', { fileName: 'abandon.bin', size: PART, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' } })).json);
    const s3 = s3With(target, credentials);
    for (let i = 0; i < 2; i++) await s3.send(new CreateMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: target.kmsKeyId }));
    const open = async () => ((await moto.s3.send(new ListMultipartUploadsCommand({ Bucket: target.bucket, Prefix: target.key }))).Uploads ?? []).filter((u) => u.Key === target.key);
    expect(await open()).toHaveLength(2);
    const deleted = await call(b!.url, 'DELETE', `/v1/uploads/${id}`);
    expect(deleted.status).toBe(200);
    expect(uploadViewSchema.parse(deleted.json).status).toBe('aborted');
    expect(await open()).toHaveLength(0);
    expect((await call(a!.url, 'DELETE', `/v1/uploads/${id}`)).status).toBe(200);
    expect((await call(a!.url, 'POST', `/v1/uploads/${id}/credentials`)).status).toBe(409);
  });

  it('are audit-logged for every vend, and no secret or session token reaches any log line', async () => {
    const [a, b] = instances;
    const created = createUploadResponseSchema.parse((await call(a!.url, 'POST', '/v1/uploads', { fileName: 'audit.bin', size: 1, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' } })).json);
    const refreshed = credentialsResponseSchema.parse((await call(b!.url, 'POST', `/v1/uploads/${created.id}/credentials`)).json);
    const entries = log.entries().filter((e) => e.audit === true && e.uploadId === created.id);
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        event: 'credentials.vended',
        user: 'static:dana',
        uploadId: created.id,
        bucket: moto.dockBucket,
        key: created.target.key,
        roleArn: moto.roleArn,
        roleSessionName: `dockside-${created.id}`,
        sourceIdentity: 'static.dana',
        principalArn: `arn:aws:sts::123456789012:assumed-role/${moto.roleName}/dockside-${created.id}`,
      });
      expect(typeof entry.expiration).toBe('string');
    }
    expect(entries.map((e) => e.accessKeyId)).toEqual([created.credentials.accessKeyId, refreshed.credentials.accessKeyId]);
    const everything = log.lines.join('');
    for (const c of [created.credentials, refreshed.credentials]) {
      expect(everything).not.toContain(c.secretAccessKey);
      expect(everything).not.toContain(c.sessionToken);
    }
    expect(everything).not.toContain(TOKEN);
  });

  it('report ready while the table answers', async () => {
    const res = await fetch(`${instances[0]!.url}/readyz`);
    expect(res.status).toBe(200);
  });
});
