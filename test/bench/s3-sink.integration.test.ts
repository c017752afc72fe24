// The benchmark S3 sink (bench/sink/s3-sink.ts) against the AWS SDK v3, lib-storage's Upload and
// Dockside's own engine: it must answer like S3 (ETags, checksums, part-list checks, pagination)
// while keeping no bytes.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { readFileSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketLocationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Sink, type S3Sink } from '../../bench/sink/s3-sink.js';
import { crc32Of, crc32ToBase64 } from '../../src/main/engine/index.js';
import { MiB } from '../../src/shared/part-planner.js';
import { makeEngine, randomFile, target, tempDir } from '../support/engine-harness.js';

const md5hex = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');
const crcB64 = (data: Uint8Array): string => crc32ToBase64(crc32Of(data));
/** S3's multipart ETag: md5 of the concatenated binary part md5s, then -N. */
const multipartEtag = (parts: Uint8Array[]): string =>
  `"${createHash('md5').update(Buffer.concat(parts.map((p) => createHash('md5').update(p).digest()))).digest('hex')}-${parts.length}"`;

const quiet = (): void => undefined;
const SILENT = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet };

let tlsSink: S3Sink;
let plainSink: S3Sink;
const clients: S3Client[] = [];

/** An S3 client for `sink` (trusting its test CA); `headers` collects each request's final headers. */
function clientFor(sink: S3Sink, config: Partial<S3ClientConfig> = {}, headers?: Record<string, string>[]): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: sink.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    logger: SILENT, // refused streaming requests are expected here; the SDK would warn about each
    requestHandler: new NodeHttpHandler({
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 32, ...(sink.caFile ? { ca: readFileSync(sink.caFile) } : {}) }),
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 32 }),
    }),
    ...config,
  });
  if (headers) {
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) headers.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'captureHeaders' },
    );
  }
  clients.push(client);
  return client;
}

/** Like Dockside's S3ObjectStore: no SDK checksums of its own, it sends its CRC32 explicitly. */
const docksideStyle = { requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } as const;

/** A stream of `data` in irregular pieces, as a file or socket would deliver it. */
function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0, step = 1; i < data.length; i += step, step = (step * 7 + 12_345) % 300_000) yield data.subarray(i, i + step);
    })(),
  );
}

async function rejection(promise: Promise<unknown>): Promise<{ name?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name?: string };
  }
  throw new Error('expected the request to fail');
}

beforeAll(async () => {
  [tlsSink, plainSink] = await Promise.all([startS3Sink({ tls: true }), startS3Sink({ tls: false })]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all([tlsSink?.close(), plainSink?.close()]);
});

describe('S3 sink', () => {
  it('serves TLS with the test CA and plain HTTP', () => {
    expect(tlsSink.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(tlsSink.caFile).toMatch(/ca\.pem$/);
    expect(plainSink.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(plainSink.caFile).toBeUndefined();
  });

  it('takes a Dockside-style multipart upload (CRC32 per part, FULL_OBJECT) and answers HeadObject like S3', async () => {
    const s3 = clientFor(tlsSink, docksideStyle);
    const parts = [randomBytes(5 * MiB), randomBytes(1 * MiB + 123)];
    const whole = Buffer.concat(parts);
    const Bucket = 'dockside';
    const Key = 'dir/object one.bin';
    const created = await s3.send(
      new CreateMultipartUploadCommand({
        Bucket,
        Key,
        ContentType: 'application/x-test',
        Metadata: { 'dockside-transfer-id': 'tx-1' },
        ChecksumAlgorithm: 'CRC32',
        ChecksumType: 'FULL_OBJECT',
      }),
    );
    const UploadId = created.UploadId!;
    expect(created.ChecksumAlgorithm).toBe('CRC32');
    expect(created.ChecksumType).toBe('FULL_OBJECT');

    const completed: CompletedPart[] = [];
    for (const [i, data] of parts.entries()) {
      const out = await s3.send(
        new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: streamOf(data), ContentLength: data.length, ChecksumCRC32: crcB64(data) }),
      );
      expect(out.ETag).toBe(`"${md5hex(data)}"`);
      expect(out.ChecksumCRC32).toBe(crcB64(data));
      completed.push({ PartNumber: i + 1, ETag: out.ETag!, ChecksumCRC32: out.ChecksumCRC32! });
    }
    const listed = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag, p.ChecksumCRC32])).toEqual(
      completed.map((p, i) => [p.PartNumber, parts[i]!.length, p.ETag, p.ChecksumCRC32]),
    );

    const complete = (partsList: CompletedPart[], full: string) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: partsList }, ChecksumCRC32: full, ChecksumType: 'FULL_OBJECT' }));
    const failuresBefore = tlsSink.stats().checksumFailures;
    expect((await rejection(complete(completed, crcB64(parts[0]!)))).name).toBe('BadDigest');
    expect(tlsSink.stats().checksumFailures).toBe(failuresBefore + 1);
    expect((await rejection(complete([completed[1]!, completed[0]!], crcB64(whole)))).name).toBe('InvalidPartOrder');
    expect((await rejection(complete([completed[0]!, { ...completed[1]!, ETag: '"0123"' }], crcB64(whole)))).name).toBe('InvalidPart');
    expect((await rejection(complete([completed[0]!, { ...completed[1]!, ChecksumCRC32: crcB64(parts[0]!) }], crcB64(whole)))).name).toBe('InvalidPart');

    const done = await complete(completed, crcB64(whole));
    expect(done.ETag).toBe(multipartEtag(parts));
    expect(done.ChecksumCRC32).toBe(crcB64(whole));
    expect(done.ChecksumType).toBe('FULL_OBJECT');
    // A Complete whose answer was lost can be repeated, as on S3.
    expect((await complete(completed, crcB64(whole))).ETag).toBe(done.ETag);

    const head = await s3.send(new HeadObjectCommand({ Bucket, Key, ChecksumMode: 'ENABLED' }));
    expect(head.ContentLength).toBe(whole.length);
    expect(head.ETag).toBe(done.ETag);
    expect(head.ChecksumCRC32).toBe(crcB64(whole));
    expect(head.ChecksumType).toBe('FULL_OBJECT');
    expect(head.Metadata).toEqual({ 'dockside-transfer-id': 'tx-1' });
    expect(head.ContentType).toBe('application/x-test');
    const plainHead = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(plainHead.ChecksumCRC32).toBeUndefined();
    expect(tlsSink.object(Bucket, Key)).toMatchObject({ size: whole.length, crc32: crcB64(whole), partCount: 2 });

    const list = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'dir/' }));
    expect(list.Contents?.map((c) => [c.Key, c.Size, c.ETag])).toEqual([[Key, whole.length, done.ETag]]);
    expect(await rejection(s3.send(new ListPartsCommand({ Bucket, Key, UploadId })))).toMatchObject({ name: 'NoSuchUpload' });
    expect(await rejection(s3.send(new HeadObjectCommand({ Bucket, Key: 'missing' })))).toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses a part whose CRC32 or Content-MD5 does not match the body (BadDigest), and forgets it', async () => {
    const s3 = clientFor(tlsSink, docksideStyle);
    const Bucket = 'dockside';
    const Key = 'bad-part.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32', ChecksumType: 'FULL_OBJECT' }));
    const data = randomBytes(256 * 1024);
    const before = tlsSink.stats();
    const wrongCrc = await rejection(
      s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: streamOf(data), ContentLength: data.length, ChecksumCRC32: crcB64(randomBytes(8)) })),
    );
    expect(wrongCrc).toMatchObject({ name: 'BadDigest', $metadata: { httpStatusCode: 400 } });
    const wrongMd5 = await rejection(
      s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: data, ContentMD5: createHash('md5').update('x').digest('base64') })),
    );
    expect(wrongMd5).toMatchObject({ name: 'BadDigest' });
    const after = tlsSink.stats();
    expect(after.checksumFailures).toBe(before.checksumFailures + 2);
    expect(after.partsReceived).toBe(before.partsReceived);
    expect((await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }))).Parts ?? []).toEqual([]);
    // The connection is still usable, and a correct part is taken.
    const ok = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: data, ChecksumCRC32: crcB64(data) }));
    expect(ok.ETag).toBe(`"${md5hex(data)}"`);
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
  });

  it('paginates ListParts honestly over more than 1,000 parts; Complete of tiny parts is EntityTooSmall', async () => {
    const s3 = clientFor(tlsSink, docksideStyle);
    const Bucket = 'many';
    const Key = 'tiny-parts.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const count = 1_005;
    const bodies = Array.from({ length: count }, (_, i) => Buffer.from(`part ${i + 1}`));
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = next++; i < count; i = next++) {
          await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: i + 1, Body: bodies[i] }));
        }
      }),
    );

    const first = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(first.Parts).toHaveLength(1000);
    expect(first.IsTruncated).toBe(true);
    expect(first.NextPartNumberMarker).toBe('1000');
    const second = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId, PartNumberMarker: first.NextPartNumberMarker }));
    expect(second.Parts?.map((p) => p.PartNumber)).toEqual([1001, 1002, 1003, 1004, 1005]);
    expect(second.IsTruncated).toBe(false);

    const seen: { n: number; size: number; etag: string }[] = [];
    let marker: string | undefined;
    for (let pages = 0; ; pages++) {
      expect(pages).toBeLessThan(20);
      const page = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId, MaxParts: 300, PartNumberMarker: marker }));
      for (const p of page.Parts ?? []) seen.push({ n: p.PartNumber!, size: p.Size!, etag: p.ETag! });
      if (!page.IsTruncated) break;
      marker = page.NextPartNumberMarker;
    }
    expect(seen).toEqual(bodies.map((b, i) => ({ n: i + 1, size: b.length, etag: `"${md5hex(b)}"` })));

    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((u) => [u.Key, u.UploadId])).toContainEqual([Key, UploadId]);

    const all = seen.map((p) => ({ PartNumber: p.n, ETag: p.etag }));
    const tooSmall = await rejection(s3.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: all } })));
    expect(tooSmall).toMatchObject({ name: 'EntityTooSmall', $metadata: { httpStatusCode: 400 } });

    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    expect(await rejection(s3.send(new ListPartsCommand({ Bucket, Key, UploadId })))).toMatchObject({ name: 'NoSuchUpload' });
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
  });

  it('completes lib-storage Uploads of a 20 MiB Buffer and of a Readable, with the CRC32 the SDK sent', async () => {
    const headers: Record<string, string>[] = [];
    const s3 = clientFor(tlsSink, {}, headers); // SDK defaults: CRC32 on every request
    const buffer = randomBytes(20 * MiB);
    const fromBuffer = await new Upload({ client: s3, params: { Bucket: 'lib', Key: 'buffer.bin', Body: buffer } }).done();
    expect(fromBuffer.ETag).toBe(multipartEtag([0, 1, 2, 3].map((i) => buffer.subarray(i * 5 * MiB, (i + 1) * 5 * MiB))));
    expect(tlsSink.object('lib', 'buffer.bin')).toMatchObject({ size: buffer.length, crc32: crcB64(buffer), partCount: 4 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'lib', Key: 'buffer.bin', ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumType).toBe('COMPOSITE');
    expect(head.ChecksumCRC32).toMatch(/-4$/);
    const partRequests = headers.filter((h) => h['x-amz-checksum-crc32'] !== undefined);
    expect(partRequests.length).toBeGreaterThanOrEqual(4);

    const streamed = randomBytes(13 * MiB + 777);
    await new Upload({ client: s3, params: { Bucket: 'lib', Key: 'stream.bin', Body: streamOf(streamed) } }).done();
    expect(tlsSink.object('lib', 'stream.bin')).toMatchObject({ size: streamed.length, crc32: crcB64(streamed), partCount: 3 });
  });

  for (const which of ['tls', 'plain'] as const) {
    it(`takes aws-chunked stream bodies with a CRC32 trailer (${which})`, async () => {
      const sink = which === 'tls' ? tlsSink : plainSink;
      const headers: Record<string, string>[] = [];
      const s3 = clientFor(sink, {}, headers);
      const data = randomBytes(3 * MiB + 5);
      const put = await s3.send(new PutObjectCommand({ Bucket: 'chunked', Key: 'put.bin', Body: streamOf(data), ContentLength: data.length, Metadata: { a: 'b' } }));
      expect(headers.at(-1)).toMatchObject({ 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': String(data.length) });
      expect(put.ETag).toBe(`"${md5hex(data)}"`);
      expect(put.ChecksumCRC32).toBe(crcB64(data));
      const head = await s3.send(new HeadObjectCommand({ Bucket: 'chunked', Key: 'put.bin', ChecksumMode: 'ENABLED' }));
      expect([head.ContentLength, head.ChecksumCRC32, head.Metadata]).toEqual([data.length, crcB64(data), { a: 'b' }]);

      // UploadPart of a stream, also aws-chunked, then a COMPOSITE complete.
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'chunked', Key: 'mpu.bin', ChecksumAlgorithm: 'CRC32' }));
      const part = await s3.send(new UploadPartCommand({ Bucket: 'chunked', Key: 'mpu.bin', UploadId, PartNumber: 1, Body: streamOf(data), ContentLength: data.length }));
      expect(headers.at(-1)?.['content-encoding']).toBe('aws-chunked');
      expect(part.ChecksumCRC32).toBe(crcB64(data));
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: 'chunked',
          Key: 'mpu.bin',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag!, ChecksumCRC32: part.ChecksumCRC32! }] },
        }),
      );
      expect(sink.object('chunked', 'mpu.bin')).toMatchObject({ size: data.length, crc32: crcB64(data), checksum: { type: 'COMPOSITE' } });
    });
  }

  it('refuses an aws-chunked body whose trailer checksum or decoded length is wrong', async () => {
    const url = new URL(plainSink.endpoint);
    const send = (body: Buffer, headers: Record<string, string | number>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path: '/raw/obj.bin', headers: { 'Content-Length': body.length, ...headers } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const data = Buffer.from('hello, aws-chunked world');
    const sig = ';chunk-signature=' + 'f'.repeat(64);
    const framed = (crc: string) => Buffer.from(`${data.length.toString(16)}${sig}\r\n${data.toString()}\r\n0${sig}\r\nx-amz-checksum-crc32:${crc}\r\nx-amz-trailer-signature:${'e'.repeat(64)}\r\n\r\n`);
    const headers = {
      'Content-Encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-trailer': 'x-amz-checksum-crc32',
      'x-amz-decoded-content-length': data.length,
    };
    expect((await send(framed(crcB64(data)), headers)).status).toBe(200);
    expect(plainSink.object('raw', 'obj.bin')).toMatchObject({ size: data.length, etag: `"${md5hex(data)}"`, checksum: { value: crcB64(data) } });
    const bad = await send(framed(crcB64(Buffer.from('other'))), headers);
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>BadDigest</Code>');
    const short = await send(framed(crcB64(data)), { ...headers, 'x-amz-decoded-content-length': data.length + 1 });
    expect(short.status).toBe(400);
    expect(short.body).toContain('<Code>IncompleteBody</Code>');
  });

  it('answers the bucket calls peers make first: CreateBucket (idempotent), HeadBucket, GetBucketLocation, ListObjectsV2 pages', async () => {
    const s3 = clientFor(plainSink);
    await s3.send(new CreateBucketCommand({ Bucket: 'peers' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'peers' }));
    await s3.send(new HeadBucketCommand({ Bucket: 'peers' }));
    expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'peers' }))).LocationConstraint ?? '').toBe('');
    for (const key of ['a/1', 'a/2', 'b/1', 'c', 'd']) await s3.send(new PutObjectCommand({ Bucket: 'peers', Key: key, Body: Buffer.from(key) }));
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'peers', Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['a/', 'b/']);
    expect(top.Contents?.map((c) => c.Key)).toEqual(['c', 'd']);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'peers', MaxKeys: 2, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    expect(keys).toEqual(['a/1', 'a/2', 'b/1', 'c', 'd']);
  });

  it('with md5: false, ETags come from CRC32 and size; Content-MD5 is still checked unless trusted', async () => {
    const fast = await startS3Sink({ tls: false, md5: false });
    const trusting = await startS3Sink({ tls: false, md5: false, trustContentMd5: true });
    try {
      const s3 = clientFor(fast, docksideStyle);
      const a = randomBytes(5 * MiB);
      const b = randomBytes(1000);
      const putA = await s3.send(new PutObjectCommand({ Bucket: 'x', Key: 'a', Body: a, ChecksumCRC32: crcB64(a) }));
      expect(putA.ETag).toBe(`"crc32-${crc32Of(a).toString(16).padStart(8, '0')}-${a.length}"`);
      const putB = await s3.send(new PutObjectCommand({ Bucket: 'x', Key: 'b', Body: b, ContentMD5: createHash('md5').update(b).digest('base64') }));
      expect(putB.ETag).toBe(`"${md5hex(b)}"`); // computed for the check anyway
      const wrong = await rejection(s3.send(new PutObjectCommand({ Bucket: 'x', Key: 'c', Body: b, ContentMD5: createHash('md5').update(a).digest('base64') })));
      expect(wrong).toMatchObject({ name: 'BadDigest' });

      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'x', Key: 'm' }));
      const p1 = await s3.send(new UploadPartCommand({ Bucket: 'x', Key: 'm', UploadId, PartNumber: 1, Body: a }));
      const p2 = await s3.send(new UploadPartCommand({ Bucket: 'x', Key: 'm', UploadId, PartNumber: 2, Body: b }));
      const done = await s3.send(
        new CompleteMultipartUploadCommand({ Bucket: 'x', Key: 'm', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] } }),
      );
      expect(done.ETag).toMatch(/^"[0-9a-f]{32}-2"$/);
      expect(fast.object('x', 'm')?.crc32).toBe(crcB64(Buffer.concat([a, b])));

      const trust = clientFor(trusting, docksideStyle);
      const claimed = createHash('md5').update(a).digest();
      const trusted = await trust.send(new PutObjectCommand({ Bucket: 'x', Key: 't', Body: b, ContentMD5: claimed.toString('base64') }));
      expect(trusted.ETag).toBe(`"${claimed.toString('hex')}"`); // taken on trust: not hashed
    } finally {
      await Promise.all([fast.close(), trusting.close()]);
    }
  });

  it("carries Dockside's own engine end to end: a 40 MiB file in 5 MiB parts (plain HTTP)", async () => {
    const home = tempDir('dockside-sink-');
    const file = randomFile(home, 40 * MiB);
    const engine = makeEngine(home, { concurrency: 4 });
    const before = plainSink.stats();
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(plainSink.endpoint, 'engine', 'big.bin'), partSize: 5 * MiB });
      expect(record.partCount).toBe(8);
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      const outcome = await done;
      expect(outcome.kind).toBe('completed');
      if (outcome.kind !== 'completed') return;
      expect(outcome.result.checksum).toBe(crcB64(file.bytes));
      const object = plainSink.object('engine', 'big.bin');
      expect(object).toMatchObject({
        size: 40 * MiB,
        crc32: crcB64(file.bytes),
        checksum: { algorithm: 'crc32', type: 'FULL_OBJECT', value: crcB64(file.bytes) },
        partCount: 8,
        metadata: { 'dockside-transfer-id': record.id },
      });
      const after = plainSink.stats();
      // The 8 parts, and the engine's one-byte probes of what the sink checks (server-checks.ts):
      // the trailer probe is taken (then replaced by part 1), the wrong-CRC32 probe refused.
      expect(after.partsReceived - before.partsReceived).toBe(8 + 1);
      expect(after.bytesReceived - before.bytesReceived).toBe(40 * MiB + 2);
      expect(after.objectsCompleted - before.objectsCompleted).toBe(1);
      expect(after.checksumFailures - before.checksumFailures).toBe(1);
      expect(outcome.result.verification).toBe('server-checksum');
    } finally {
      await engine.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
