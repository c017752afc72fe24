// Proves the fault proxy against a real moto and the real AWS SDK: each fault must surface in
// the client the way the real failure would, and the proxy must keep working once it has fired.
import { randomBytes } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  isCompleteMultipart,
  isCreateMultipart,
  isListParts,
  isUploadPart,
  startFaultProxy,
  type FaultProxy,
  type RequestInfo,
} from './fault-proxy.js';
import { createBucket, s3ClientFor, startMoto, uniqueBucketName, type MotoServer } from './moto-server.js';

const MiB = 1024 * 1024;
// moto enforces S3's 5 MiB minimum for every part but the last, like S3 itself.
const PART_SIZE = 5 * MiB;

let moto: MotoServer;
let proxy: FaultProxy;
/** Through the proxy, with no retries and short timeouts, so every injected fault surfaces. */
let viaProxy: S3Client;
/** Straight to moto: the ground truth of what S3 actually did. */
let direct: S3Client;
const bucket = uniqueBucketName('fault-proxy');

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
  await createBucket(moto.endpoint, bucket);
  viaProxy = new S3Client({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ socketTimeout: 1000, connectionTimeout: 1000 }),
  });
  direct = s3ClientFor(moto.endpoint);
});

afterAll(async () => {
  viaProxy?.destroy();
  direct?.destroy();
  await proxy?.close();
  await moto?.stop();
});

afterEach(() => proxy.clearRules());

type SdkError = Error & { code?: string; $metadata?: { httpStatusCode?: number } };

/** Runs the promise expecting it to fail, and returns the error for inspection. */
async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return err as SdkError;
  }
  throw new Error('expected the request to fail, but it succeeded');
}

/**
 * A dropped connection shows up as one of these codes, depending on how far the client had got.
 * Beware: @smithy/node-http-handler renames ECONNRESET/EPIPE/ETIMEDOUT errors to
 * name 'TimeoutError', so only the code (not the name) tells a reset from a real timeout.
 */
function expectNetworkError(err: SdkError): void {
  const looksLikeReset = ['ECONNRESET', 'EPIPE'].includes(err.code ?? '') || /socket hang up/i.test(err.message);
  expect(looksLikeReset, `${err.name}: ${err.message} (code ${err.code})`).toBe(true);
}

const isPutOf =
  (key: string) =>
  (req: RequestInfo): boolean =>
    req.method === 'PUT' && req.path === `/${bucket}/${key}` && !req.query.has('uploadId');

async function createUpload(key: string): Promise<string> {
  const { UploadId } = await direct.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  if (UploadId === undefined) throw new Error('moto returned no UploadId');
  return UploadId;
}

async function objectExists(key: string): Promise<boolean> {
  try {
    await direct.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (err) {
    if ((err as SdkError).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

describe('fault proxy against moto', () => {
  it('passes a 3 x 5 MiB multipart upload through byte for byte', async () => {
    const key = 'clean/multipart.bin';
    const parts = [randomBytes(PART_SIZE), randomBytes(PART_SIZE), randomBytes(PART_SIZE)];
    const firstLogEntry = proxy.log.length;
    const { UploadId } = await viaProxy.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const completed: CompletedPart[] = [];
    for (const [i, body] of parts.entries()) {
      const { ETag } = await viaProxy.send(
        new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: i + 1, Body: body }),
      );
      completed.push({ ETag, PartNumber: i + 1 });
    }
    const listed = await viaProxy.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(listed.Parts?.map((p) => p.PartNumber)).toEqual([1, 2, 3]);
    await viaProxy.send(
      new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: completed } }),
    );

    const got = await viaProxy.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.length).toBe(3 * PART_SIZE);
    expect(bytes.equals(Buffer.concat(parts))).toBe(true);

    // The matchers recognise the real SDK's requests.
    // The matchers recognise the real SDK's requests (create, 3 parts, list, complete, get).
    const seen = proxy.log.slice(firstLogEntry);
    const ops = seen.map((e) => ({ method: e.method, path: e.path, query: new URLSearchParams(e.query), headers: {} }));
    expect(ops).toHaveLength(7);
    expect(isCreateMultipart()(ops[0]!)).toBe(true);
    expect(ops.slice(1, 4).every((op, i) => isUploadPart(i + 1)(op))).toBe(true);
    expect(isUploadPart(2)(ops[1]!)).toBe(false);
    expect(isListParts()(ops[4]!)).toBe(true);
    expect(isCompleteMultipart()(ops[5]!)).toBe(true);
    expect(ops.slice(1).some((op) => isCreateMultipart()(op))).toBe(false);
    expect(seen.every((e) => e.fault === undefined && e.status === 200)).toBe(true);
  });

  it('reset-before-upstream: the client sees a reset, upstream sees nothing, the retry works', async () => {
    const key = 'reset/before.txt';
    proxy.addRule({ name: 'reset-put', match: isPutOf(key), action: { kind: 'reset-before-upstream' } });

    expectNetworkError(await failure(viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello' }))));
    expect(proxy.fired('reset-put')).toBe(1);
    expect(proxy.log.at(-1)).toMatchObject({ method: 'PUT', fault: 'reset-before-upstream', rule: 'reset-put' });
    expect(await objectExists(key)).toBe(false);

    await viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'hello' }));
    expect(proxy.fired('reset-put')).toBe(1);
    expect(await objectExists(key)).toBe(true);
  });

  it('reset-mid-body: a part cut off after 1 MiB never reaches upstream, the retry works', async () => {
    const key = 'reset/mid-body.bin';
    const uploadId = await createUpload(key);
    const body = randomBytes(PART_SIZE);
    proxy.addRule({ name: 'cut', match: isUploadPart(1), action: { kind: 'reset-mid-body', afterBytes: MiB } });

    const send = () =>
      viaProxy.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: body }));
    expectNetworkError(await failure(send()));
    expect(proxy.fired('cut')).toBe(1);
    const before = await direct.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    expect(before.Parts ?? []).toEqual([]);

    await send();
    const after = await direct.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
    expect(after.Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([[1, PART_SIZE]]);
  });

  it('stall: the client times out, a timed stall ends in a reset, then requests work again', async () => {
    const key = 'stall/object.txt';
    proxy.addRule({ name: 'hang', match: isPutOf(key), action: { kind: 'stall' } });
    const started = Date.now();
    const err = await failure(viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'slow' })));
    // A genuine socket timeout: same name as a reset (see expectNetworkError), but no errno code.
    expect(err.name).toBe('TimeoutError');
    expect(err.code).toBeUndefined();
    expect(err.message).toMatch(/timed out after 1000 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);

    // A stall shorter than the client's timeout ends with the proxy dropping the connection.
    proxy.addRule({ name: 'short-hang', match: isPutOf(key), action: { kind: 'stall', ms: 200 } });
    expectNetworkError(await failure(viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'slow' }))));
    expect([proxy.fired('hang'), proxy.fired('short-hang')]).toEqual([1, 1]);
    expect(await objectExists(key)).toBe(false);

    await viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'slow' }));
    expect(await objectExists(key)).toBe(true);
  });

  it('status: S3 errors reach the client as typed service errors, with or without 100-continue', async () => {
    const key = 'status/part.bin';
    const uploadId = await createUpload(key);
    const body = randomBytes(PART_SIZE);
    // A 5 MiB part is sent with Expect: 100-continue, so the proxy refuses the body outright.
    proxy.addRule({ name: 'slow-down', match: isUploadPart(1), action: { kind: 'status', status: 503, code: 'SlowDown', message: 'Reduce your request rate.' } });

    const send = () =>
      viaProxy.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: body }));
    const slowDown = await failure(send());
    expect(slowDown.name).toBe('SlowDown');
    expect(slowDown.message).toBe('Reduce your request rate.');
    expect(slowDown.$metadata?.httpStatusCode).toBe(503);
    expect(proxy.log.at(-1)).toMatchObject({ fault: 'status', status: 503 });
    await send();

    // A small body carries no Expect header: the proxy drains it and keeps the connection alive.
    const small = 'status/small.txt';
    proxy.addRule({ name: 'internal', match: isPutOf(small), action: { kind: 'status', status: 500, code: 'InternalError' }, times: 2 });
    for (let i = 0; i < 2; i++) {
      const internal = await failure(viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: small, Body: 'x' })));
      expect(internal.name).toBe('InternalError');
      expect(internal.$metadata?.httpStatusCode).toBe(500);
    }
    expect(proxy.fired('internal')).toBe(2);
    expect(await objectExists(small)).toBe(false);
    await viaProxy.send(new PutObjectCommand({ Bucket: bucket, Key: small, Body: 'x' }));
    expect(await objectExists(small)).toBe(true);
  });

  it('drop-response: upstream completes the upload, yet the client only sees a dead connection', async () => {
    const key = 'drop/complete.bin';
    const uploadId = await createUpload(key);
    const { ETag } = await direct.send(
      new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: 1, Body: 'only part' }),
    );
    proxy.addRule({ name: 'lost-complete', match: isCompleteMultipart(), action: { kind: 'drop-response' } });

    const complete = (id: string, etag: string | undefined) =>
      viaProxy.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          MultipartUpload: { Parts: [{ ETag: etag, PartNumber: 1 }] },
        }),
      );
    expectNetworkError(await failure(complete(uploadId, ETag)));
    expect(proxy.fired('lost-complete')).toBe(1);
    // The proxy saw upstream's 200 that the client never got: the operation did take effect.
    expect(proxy.log.at(-1)).toMatchObject({ fault: 'drop-response', status: 200 });
    expect(await objectExists(key)).toBe(true);

    // The rule is used up, so retrying the very same Complete through the proxy gets through.
    // moto (like S3) answers 200 again for an upload it has already completed.
    await complete(uploadId, ETag);
    const got = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await got.Body!.transformToString()).toBe('only part');
  });
});
