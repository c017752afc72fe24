// The runner's handling of targets the companion backend chose, on moto through the fault proxy:
//  - a backend-linked transfer counts any object at its key as its own, and when S3 will not
//    answer HeadObject (the vended credentials may not) it verifies against the backend's view;
//  - a backend-linked transfer whose upload the backend ended stops as cancelled, and starts no
//    new multipart upload when S3 has forgotten its own;
//  - a standalone transfer still recognises only an object carrying its transfer id;
//  - a target's KMS key makes the upload SSE-KMS with that key.
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  BackendClient,
  BackendObjectStore,
  crc32Of,
  crc32ToBase64,
  RefreshingCredentialProvider,
  S3ObjectStore,
  type ObjectStore,
  type RemoteObject,
} from '../../../src/main/engine/index.js';
import type { UploadView } from '../../../src/shared/backend-api.js';
import type { TransferTarget } from '../../../src/shared/transfer-model.js';
import { UPLOAD_ID, uploadView } from '../../support/backend-fixtures.js';
import { isCompleteMultipart, isCreateMultipart, isUploadPart } from '../../support/fault-proxy.js';
import { getObject, makeEngine, randomFile, sha256, target, tempDir, testCredentials, TINY_PARTS, useLocalS3, type Harness } from '../../support/engine-harness.js';
import { s3ClientFor } from '../../support/moto-server.js';

const local = useLocalS3();

const BACKEND_URL = 'https://dockside.example.com';

/**
 * The backend as the engine sees it: a BackendClient on a fake fetch that vends moto-accepted
 * credentials for UPLOAD_ID and answers its view with `view()`. Records what was asked.
 */
function fakeBackend(view: () => UploadView) {
  const asked: string[] = [];
  const fake: typeof fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    const path = new URL(String(input)).pathname;
    asked.push(`${method} ${path}`);
    const body =
      method === 'POST' && path === `/v1/uploads/${UPLOAD_ID}/credentials`
        ? { id: UPLOAD_ID, credentials: { accessKeyId: 'test', secretAccessKey: 'test', sessionToken: 'vended', expiration: new Date(Date.now() + 3_600_000).toISOString() } }
        : method === 'GET' && path === `/v1/uploads/${UPLOAD_ID}`
          ? view()
          : null;
    return body ? Response.json(body) : Response.json({ error: { code: 'NOT_FOUND', message: 'no such route' } }, { status: 404 });
  };
  return { client: new BackendClient({ url: BACKEND_URL, token: 'tok', fetch: fake }), asked };
}

/** The proxy's log as requests (for the fault proxy's matchers). */
const sent = (is: (req: { method: string; path: string; query: URLSearchParams; headers: Record<string, never> }) => boolean) =>
  local.proxy.log.filter((e) => is({ method: e.method, path: e.path, query: new URLSearchParams(e.query), headers: {} })).length;

/** The backend's view: `uploading` until S3 is asked to complete an upload (from now on), then `after`. */
function onceCompleted(after: UploadView): () => UploadView {
  const before = sent(isCompleteMultipart());
  return () => (sent(isCompleteMultipart()) > before ? after : uploadView({ status: 'uploading', size: after.size }));
}

/** A backend-linked target on the fault proxy, as `dockside upload` builds it from the backend's answer. */
function linkedTarget(bucket: string, key: string): TransferTarget {
  return { ...target(local.proxy.endpoint, bucket, key), backend: { url: BACKEND_URL, uploadId: UPLOAD_ID } };
}

/** Wires a backend-linked store as the CLI's composition root does (vended credentials, backend view). */
function backendEngine(home: string, client: BackendClient): Harness {
  return makeEngine(home, {
    planLimits: TINY_PARTS,
    storeFor: (t): ObjectStore => {
      const credentials = new RefreshingCredentialProvider(() => client.credentials(t.backend!.uploadId));
      return new BackendObjectStore(new S3ObjectStore({ target: t, credentials, stallTimeoutMs: 2_000 }), client, t.backend!.uploadId);
    },
  });
}

/** An S3 store that shows every object without our metadata: someone else's object at the key. */
class ForeignObjectStore extends S3ObjectStore {
  override async headObject(req: { bucket: string; key: string }, signal?: AbortSignal): Promise<RemoteObject | null> {
    const object = await super.headObject(req, signal);
    return object && { ...object, metadata: {} };
  }
}

/** Denies every HeadObject as S3 does under the backend's session policy. */
function denyHeadObject(): void {
  local.proxy.addRule({ name: 'head-denied', match: (req) => req.method === 'HEAD', action: { kind: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied' }, times: Infinity });
}

async function run(engine: Harness, filePath: string, to: TransferTarget) {
  const record = await engine.manager.add({ filePath, target: to, partSize: 1024 });
  const done = engine.manager.waitFor(record.id);
  engine.manager.start(record.id);
  return { record, outcome: await done };
}

describe('a backend-linked transfer', () => {
  it('completes without HeadObject (which S3 would deny), checked against the CRC32 the backend reports', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 3 * 1024 + 100);
    const crc = crc32ToBase64(crc32Of(file.bytes));
    const backend = fakeBackend(
      onceCompleted(uploadView({ status: 'available', size: file.bytes.length, available: { bucket: 'firm-records', key: 'scan.bin', checksum: crc, checksumType: 'FULL_OBJECT' } })),
    );
    denyHeadObject();
    const engine = backendEngine(home, backend.client);
    try {
      const { record, outcome } = await run(engine, file.path, linkedTarget(b, 'dock/scan.bin'));
      expect(outcome.kind, JSON.stringify(outcome)).toBe('completed');
      if (outcome.kind !== 'completed') return;
      expect(outcome.result.checksum).toBe(crc);
      // S3 is never asked: the backend's view is the answer (HeadObject would be denied here).
      expect(local.proxy.fired('head-denied')).toBe(0);
      expect(backend.asked).toContain(`POST /v1/uploads/${UPLOAD_ID}/credentials`);
      expect(backend.asked).toContain(`GET /v1/uploads/${UPLOAD_ID}`);
      const completed = engine.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'transfer.completed');
      // moto checks no part checksum, so the object is not called verified for the backend's CRC32
      // alone (the sink's tests, in verification.integration.test.ts, show the verified case).
      expect(completed?.data).toMatchObject({ checksumCrc32: crc, verification: 'size-only' });
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'completed', fullChecksum: crc });
      expect(sha256(await getObject(local.moto.endpoint, b, 'dock/scan.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('completes, unverified by a checksum, when the backend has the object docked but not yet checked', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 2 * 1024);
    const backend = fakeBackend(onceCompleted(uploadView({ status: 'docked', size: file.bytes.length })));
    denyHeadObject();
    const engine = backendEngine(home, backend.client);
    try {
      const { record, outcome } = await run(engine, file.path, linkedTarget(b, 'dock/docked.bin'));
      expect(outcome.kind, JSON.stringify(outcome)).toBe('completed');
      const completed = engine.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'transfer.completed');
      expect(completed?.data).toMatchObject({ verification: 'size-only' });
    } finally {
      await engine.close();
    }
  });

  it('fails with INTEGRITY when the backend reports a CRC32 other than the file’s', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 2 * 1024);
    const backend = fakeBackend(
      onceCompleted(uploadView({ status: 'available', size: file.bytes.length, available: { bucket: 'firm-records', key: 'x.bin', checksum: 'AAAAAA==', checksumType: 'FULL_OBJECT' } })),
    );
    denyHeadObject();
    const engine = backendEngine(home, backend.client);
    try {
      const { outcome } = await run(engine, file.path, linkedTarget(b, 'dock/corrupt.bin'));
      expect(outcome.kind).toBe('failed');
      if (outcome.kind !== 'failed') return;
      expect(outcome.error.code).toBe('INTEGRITY');
      expect(outcome.error.message).toMatch(/CRC32 \(AAAAAA==\) does not match/);
    } finally {
      await engine.close();
    }
  });

  it('stops as cancelled on the server, starting no new multipart upload, when S3 forgets the upload and the backend says aborted', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 6 * 1024);
    let status: 'uploading' | 'aborted' = 'uploading';
    const backend = fakeBackend(() => uploadView({ status, size: file.bytes.length }));
    // DELETE /v1/uploads/{id} between parts: the record is aborted and S3 forgets the upload.
    local.proxy.addRule({
      name: 'aborted-behind-its-back',
      match: (req) => {
        const hit = isUploadPart(3)(req);
        if (hit) status = 'aborted';
        return hit;
      },
      action: { kind: 'status', status: 404, code: 'NoSuchUpload', message: 'The specified upload does not exist.' },
      times: Infinity,
    });
    const engine = backendEngine(home, backend.client);
    try {
      const [creates, completes] = [sent(isCreateMultipart()), sent(isCompleteMultipart())];
      const { record, outcome } = await run(engine, file.path, linkedTarget(b, 'dock/cancelled.bin'));
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'UPLOAD_CANCELLED', retryable: false, message: expect.stringMatching(/cancelled on the Dockside server/) } });
      // Over: the transfer is cancelled with why, and nothing resumes it.
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'cancelled', errorCode: 'UPLOAD_CANCELLED' });
      expect(() => engine.manager.start(record.id)).toThrow(/is cancelled; there is nothing to resume/);
      // One CreateMultipartUpload (the first), none after S3 forgot it: the backend said no first.
      expect(sent(isCreateMultipart()) - creates).toBe(1);
      expect(sent(isCompleteMultipart()) - completes).toBe(0);
      expect(backend.asked.filter((a) => a === `GET /v1/uploads/${UPLOAD_ID}`)).toHaveLength(2);
      await expect(s3ClientFor(local.moto.endpoint).send(new HeadObjectCommand({ Bucket: b, Key: 'dock/cancelled.bin' }))).rejects.toMatchObject({ name: 'NotFound' });
    } finally {
      local.proxy.clearRules();
      await engine.close();
    }
  });

  it('counts an object at its key as its own without our metadata', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 2 * 1024);
    const engine = makeEngine(home, { planLimits: TINY_PARTS, storeFor: (t) => new ForeignObjectStore({ target: t, credentials: testCredentials() }) });
    try {
      const { outcome } = await run(engine, file.path, linkedTarget(b, 'dock/foreign.bin'));
      expect(outcome.kind, JSON.stringify(outcome)).toBe('completed');
    } finally {
      await engine.close();
    }
  });
});

describe('a standalone transfer', () => {
  it('still recognises only an object carrying its transfer id', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 2 * 1024);
    const engine = makeEngine(home, { planLimits: TINY_PARTS, storeFor: (t) => new ForeignObjectStore({ target: t, credentials: testCredentials() }) });
    try {
      const { outcome } = await run(engine, file.path, target(local.proxy.endpoint, b, 'mine.bin'));
      expect(outcome.kind).toBe('failed');
      if (outcome.kind !== 'failed') return;
      expect(outcome.error.code).toBe('INTEGRITY');
      expect(outcome.error.message).toMatch(/is not ours or not there/);
    } finally {
      await engine.close();
    }
  });
});

describe('a target with a KMS key', () => {
  it('is uploaded with SSE-KMS under that key; without one, it is not', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const kms = new KMSClient({ endpoint: local.moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const s3 = s3ClientFor(local.moto.endpoint);
    const engine = makeEngine(home, { planLimits: TINY_PARTS });
    try {
      const key = (await kms.send(new CreateKeyCommand({ Description: 'dockside test dock key' }))).KeyMetadata!.Arn!;
      const sealed = randomFile(home, 2 * 1024 + 7);
      const plain = randomFile(home, 1024);
      const withKey = await run(engine, sealed.path, { ...target(local.moto.endpoint, b, 'sealed.bin'), kmsKeyId: key });
      const withoutKey = await run(engine, plain.path, target(local.moto.endpoint, b, 'plain.bin'));
      expect(withKey.outcome.kind).toBe('completed');
      expect(withoutKey.outcome.kind).toBe('completed');

      const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'sealed.bin' }));
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.SSEKMSKeyId).toBe(key);
      expect(engine.journal.getTransfer(withKey.record.id)?.target.kmsKeyId).toBe(key);
      const plainHead = await s3.send(new HeadObjectCommand({ Bucket: b, Key: 'plain.bin' }));
      expect(plainHead.SSEKMSKeyId).toBeUndefined();
      expect(plainHead.ServerSideEncryption).not.toBe('aws:kms');
    } finally {
      kms.destroy();
      s3.destroy();
      await engine.close();
    }
  });
});
