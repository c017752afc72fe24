// The contract of the ObjectStore port as S3ObjectStore keeps it, run against every S3 server we
// can start (moto, our sink, Ceph RGW) and any endpoint given in the environment (in the manner
// of rclone's fstests and tus-node-server's shared store tests).
//
// Two kinds of assertion. Where servers legitimately differ (which checksums they verify or echo,
// trailers, ETags), the server must do exactly what its quirks record says (object-store-quirks.ts),
// never "anything goes". What the engine sees beyond that is the same on every server: a gone
// upload is UPLOAD_NOT_FOUND on every operation, whatever the server answered; a missing bucket
// stays BUCKET_NOT_FOUND; every error is a DocksideError whose message names the operation;
// Complete's ETag is quoted and is the object's; a refused trailer is recognisable as such.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DocksideError, type ErrorCode } from '../../src/shared/errors.js';
import { crc32Of, crc32OfParts, crc32ToBase64, StaticCredentialProvider } from '../../src/main/engine/index.js';
import { classifyError } from '../../src/main/engine/retry.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from '../../src/main/engine/s3-object-store.js';
import { isChecksumTrailerRefusal } from '../../src/main/engine/store-errors.js';
import type { PartRecord } from '../../src/shared/transfer-model.js';
import type { ObjectStoreQuirks } from './object-store-quirks.js';

/** A server to run the contract against: where it is, its keys, and a bucket the suite may use. */
export interface ContractEndpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** An existing bucket; every test writes under its own new key. */
  readonly bucket: string;
}

const MiB = 1024 * 1024;
/** The smallest part S3 takes before the last one. */
const MIN_PART = 5 * MiB;
/** The engine's chunk size for part bodies (FilePartBody.CHUNK_BYTES). */
const CHUNK = 256 * 1024;

const md5Hex = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');
const md5Base64 = (data: Uint8Array): string => createHash('md5').update(data).digest('base64');
const crcOf = (data: Uint8Array): string => crc32ToBase64(crc32Of(data));
/** A CRC32 that is certainly not that of `data`. */
const wrongCrcOf = (data: Uint8Array): string => crc32ToBase64((crc32Of(data) ^ 0x5a5a5a5a) >>> 0);
const fullCrcOf = (parts: readonly Uint8Array[]): string => crc32ToBase64(crc32OfParts(parts.map((p) => ({ crc: crc32Of(p), size: p.length }))));

/** A stream of `data` in the engine's fixed-size chunks, counting what the client pulled from it. */
function chunkedBody(data: Buffer): { body: Readable; pulled: () => number } {
  let at = 0;
  const body = new Readable({
    read() {
      if (at >= data.length) {
        this.push(null);
        return;
      }
      const piece = data.subarray(at, at + CHUNK);
      at += piece.length;
      this.push(piece);
    },
  });
  return { body, pulled: () => at };
}

/** Agents that record every request sent through them (method and path). */
function recordingAgents(): { agents: NonNullable<S3ObjectStoreOptions['agents']>; requests: { method: string; path: string }[] } {
  const requests: { method: string; path: string }[] = [];
  const record = (req: http.ClientRequest): void => void requests.push({ method: req.method, path: req.path });
  class RecordingHttpAgent extends http.Agent {
    addRequest(req: http.ClientRequest, options: unknown): void {
      record(req);
      (http.Agent.prototype as unknown as { addRequest(r: http.ClientRequest, o: unknown): void }).addRequest.call(this, req, options);
    }
  }
  class RecordingHttpsAgent extends https.Agent {
    addRequest(req: http.ClientRequest, options: unknown): void {
      record(req);
      (https.Agent.prototype as unknown as { addRequest(r: http.ClientRequest, o: unknown): void }).addRequest.call(this, req, options);
    }
  }
  return {
    requests,
    agents: ({ maxSockets }) => ({
      httpAgent: new RecordingHttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new RecordingHttpsAgent({ keepAlive: true, maxSockets }),
    }),
  };
}

/** The error `promise` rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

/**
 * What every failure must be, on every server: a DocksideError with `code` whose message names
 * the operation and says something (not the SDK's "UnknownError" for an error body without a
 * message).
 */
async function expectFailure(promise: Promise<unknown>, code: ErrorCode, operation: string): Promise<DocksideError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(DocksideError);
  const e = error as DocksideError;
  expect({ code: e.code, operationNamed: e.message.includes(operation) }, e.message).toEqual({ code, operationNamed: true });
  expect(e.message).not.toMatch(/UnknownError/);
  expect(classifyError(e).code).toBe(code);
  return e;
}

export function objectStoreContract(name: string, quirks: ObjectStoreQuirks, endpoint: () => ContractEndpoint): void {
  describe(`${name} (ObjectStore contract)`, () => {
    const run = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    let counter = 0;
    const stores: S3ObjectStore[] = [];
    /** Uploads and objects a test made, removed after it (a real endpoint is not throwaway). */
    const made: { key: string; uploadId?: string }[] = [];

    const bucket = (): string => endpoint().bucket;
    const newKey = (label: string): string => `dockside-contract/${run}/${(counter += 1)}-${label}`;
    const store = (extra: Partial<S3ObjectStoreOptions> = {}): S3ObjectStore => {
      const e = endpoint();
      const s = new S3ObjectStore({
        target: { endpoint: e.endpoint, region: e.region, forcePathStyle: true },
        credentials: new StaticCredentialProvider({ accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey, ...(e.sessionToken ? { sessionToken: e.sessionToken } : {}) }),
        stallTimeoutMs: 30_000,
        completeTimeoutMs: 60_000,
        ...extra,
      });
      stores.push(s);
      return s;
    };
    const where = (key: string, uploadId: string) => ({ bucket: bucket(), key, uploadId });
    const open = async (s: S3ObjectStore, label: string): Promise<{ key: string; uploadId: string }> => {
      const key = newKey(label);
      const { uploadId } = await s.createMultipartUpload({ bucket: bucket(), key, metadata: { contract: run }, checksumType: 'FULL_OBJECT' });
      made.push({ key, uploadId });
      return { key, uploadId };
    };
    /** Sends `data` as part `partNumber` with its CRC32 in a header; the journal's record of it. */
    const sendPart = async (s: S3ObjectStore, key: string, uploadId: string, partNumber: number, data: Buffer): Promise<PartRecord> => {
      const checksum = crcOf(data);
      const sent = await s.uploadPart({ ...where(key, uploadId), partNumber, body: data, contentLength: data.length, checksumCrc32: checksum });
      return { partNumber, size: data.length, etag: sent.etag, checksum };
    };
    const complete = (s: S3ObjectStore, key: string, uploadId: string, parts: readonly PartRecord[], data: readonly Buffer[], fullChecksum = fullCrcOf(data)) =>
      s.completeMultipartUpload({ ...where(key, uploadId), parts, checksumType: 'FULL_OBJECT', fullChecksum });

    afterEach(async () => {
      const cleaner = stores[0];
      const e = endpoint();
      const s3 = new S3Client({
        endpoint: e.endpoint,
        region: e.region,
        forcePathStyle: true,
        credentials: { accessKeyId: e.accessKeyId, secretAccessKey: e.secretAccessKey, ...(e.sessionToken ? { sessionToken: e.sessionToken } : {}) },
      });
      for (const { key, uploadId } of made.splice(0)) {
        if (cleaner && uploadId) await cleaner.abortMultipartUpload(where(key, uploadId)).catch(() => undefined);
        await s3.send(new DeleteObjectCommand({ Bucket: e.bucket, Key: key })).catch(() => undefined);
      }
      s3.destroy();
      for (const s of stores.splice(0)) s.destroy();
    });
    afterAll(() => {
      for (const s of stores.splice(0)) s.destroy();
    });

    it('creates a multipart upload: listed for its key, no parts yet, no object yet', async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'create');
      expect(uploadId).not.toBe('');
      expect(await s.listUploads({ bucket: bucket(), key })).toEqual([uploadId]);
      expect(await s.listParts(where(key, uploadId))).toEqual([]);
      expect(await s.uploadExists(where(key, uploadId))).toBe(true);
      expect(await s.headObject({ bucket: bucket(), key })).toBeNull();
    });

    const headerEcho = quirks.echoesPartCrc32.header ? 'answers its CRC32' : 'does not answer a CRC32';
    it(`takes a part with its CRC32 in a header; ${headerEcho}; ListParts ${quirks.listsPartCrc32 ? 'with' : 'without'} the CRC32`, async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'header');
      const data = randomBytes(1000);
      const sent = await s.uploadPart({ ...where(key, uploadId), partNumber: 1, body: data, contentLength: data.length, checksumCrc32: crcOf(data) });
      expect(sent.etag).toMatch(/^"[^"]+"$/);
      if (quirks.partEtagIsMd5) expect(sent.etag).toBe(`"${md5Hex(data)}"`);
      expect(sent.checksumCrc32).toBe(quirks.echoesPartCrc32.header ? crcOf(data) : undefined);
      expect(await s.listParts(where(key, uploadId))).toEqual([
        { partNumber: 1, size: 1000, etag: sent.etag, ...(quirks.listsPartCrc32 ? { checksumCrc32: crcOf(data) } : {}) },
      ]);
    });

    if (quirks.checksumTrailers) {
      const trailerEcho = quirks.echoesPartCrc32.trailer ? 'answers the CRC32' : 'does not answer a CRC32';
      it(`takes a part with its CRC32 as an aws-chunked trailer (the engine's way, length announced) and ${trailerEcho}`, async () => {
        const s = store();
        const { key, uploadId } = await open(s, 'trailer');
        const data = randomBytes(MiB + 123);
        const { body, pulled } = chunkedBody(data);
        const sent = await s.uploadPart({ ...where(key, uploadId), partNumber: 1, body, contentLength: data.length, bodyChunkBytes: CHUNK });
        expect(pulled()).toBe(data.length);
        if (quirks.partEtagIsMd5) expect(sent.etag).toBe(`"${md5Hex(data)}"`);
        expect(sent.checksumCrc32).toBe(quirks.echoesPartCrc32.trailer ? crcOf(data) : undefined);
        expect((await s.listParts(where(key, uploadId))).map((p) => [p.partNumber, p.size])).toEqual([[1, data.length]]);
      });
    } else {
      const after = quirks.trailerRefusalReadsWholeBody ? 'after reading the whole part' : 'before the whole part';
      it(`refuses a CRC32 trailer ${after}, recognisably (isChecksumTrailerRefusal, INVALID_REQUEST), and takes the part with a header`, async () => {
        const s = store();
        const { key, uploadId } = await open(s, 'trailer-refused');
        const data = randomBytes(MiB + 123);
        const { body, pulled } = chunkedBody(data);
        const error = await expectFailure(
          s.uploadPart({ ...where(key, uploadId), partNumber: 1, body, contentLength: data.length, bodyChunkBytes: CHUNK }),
          'INVALID_REQUEST',
          'UploadPart',
        );
        expect(isChecksumTrailerRefusal(error)).toBe(true);
        if (quirks.trailerRefusalReadsWholeBody) expect(pulled()).toBe(data.length);
        else expect(pulled()).toBeLessThan(data.length);
        const part = await sendPart(s, key, uploadId, 1, data);
        expect((await s.listParts(where(key, uploadId))).map((p) => [p.partNumber, p.size, p.etag])).toEqual([[1, data.length, part.etag]]);
      });
    }

    it('lists parts over several pages (page size 2, five parts: three ListParts requests)', async () => {
      const recording = recordingAgents();
      const s = store({ listPartsPageSize: 2, agents: recording.agents });
      const { key, uploadId } = await open(s, 'pages');
      const sizes = [101, 102, 103, 104, 105];
      const etags: string[] = [];
      for (const [i, size] of sizes.entries()) etags.push((await sendPart(s, key, uploadId, i + 1, randomBytes(size))).etag);
      recording.requests.length = 0;
      const parts = await s.listParts(where(key, uploadId));
      expect(parts.map((p) => [p.partNumber, p.size, p.etag])).toEqual(sizes.map((size, i) => [i + 1, size, etags[i]]));
      const listings = recording.requests.filter((r) => r.method === 'GET' && r.path.includes('uploadId='));
      expect(listings).toHaveLength(3);
      expect(listings.every((r) => r.path.includes('max-parts=2'))).toBe(true);
    });

    const etagKind = quirks.multipartEtagIsMd5OfMd5s ? 'md5(part MD5s)-N' : 'opaque';
    const headCrc = quirks.headReportsCrc32 ? 'reports the FULL_OBJECT CRC32' : 'reports no CRC32';
    it(`completes two parts (5 MiB + 1000 B): a quoted ETag (${etagKind}) that is the object's; HeadObject ${headCrc}`, async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'complete');
      const data = [randomBytes(MIN_PART), randomBytes(1000)];
      const parts = [await sendPart(s, key, uploadId, 1, data[0]!), await sendPart(s, key, uploadId, 2, data[1]!)];
      const { etag } = await complete(s, key, uploadId, parts, data);
      expect(etag).toMatch(/^"[^"]+"$/);
      if (quirks.multipartEtagIsMd5OfMd5s) {
        const md5s = Buffer.concat(data.map((d) => createHash('md5').update(d).digest()));
        expect(etag).toBe(`"${md5Hex(md5s)}-2"`);
      }
      const object = await s.headObject({ bucket: bucket(), key });
      expect(object).toMatchObject({ size: MIN_PART + 1000, etag, metadata: { contract: run } });
      if (quirks.headReportsCrc32) expect(object).toMatchObject({ checksumCrc32: fullCrcOf(data), checksumType: 'FULL_OBJECT' });
      else expect([object?.checksumCrc32, object?.checksumType]).toEqual([undefined, undefined]);
    });

    const again = quirks.completeIsRepeatable ? 'answers the same ETag' : 'is UPLOAD_NOT_FOUND';
    it(`a lost completion: after Complete the upload is gone on every operation, the object is there, and Complete again ${again}`, async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'lost-completion');
      const data = [randomBytes(1000)];
      const parts = [await sendPart(s, key, uploadId, 1, data[0]!)];
      const { etag } = await complete(s, key, uploadId, parts, data);
      // Now act as if that answer never came.
      await expectFailure(s.listParts(where(key, uploadId)), 'UPLOAD_NOT_FOUND', 'ListParts');
      expect(await s.uploadExists(where(key, uploadId))).toBe(false);
      if (quirks.completeIsRepeatable) expect((await complete(s, key, uploadId, parts, data)).etag).toBe(etag);
      else await expectFailure(complete(s, key, uploadId, parts, data), 'UPLOAD_NOT_FOUND', 'CompleteMultipartUpload');
      expect(await s.headObject({ bucket: bucket(), key })).toMatchObject({ size: 1000, etag });
      await expectFailure(sendPart(s, key, uploadId, 2, randomBytes(10)), 'UPLOAD_NOT_FOUND', 'UploadPart');
      await expectFailure(s.abortMultipartUpload(where(key, uploadId)), 'UPLOAD_NOT_FOUND', 'AbortMultipartUpload');
      // The failed abort left the object alone.
      expect(await s.headObject({ bucket: bucket(), key })).toMatchObject({ size: 1000, etag });
    });

    it('aborts: the upload is no longer listed and no object appears', async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'abort');
      await sendPart(s, key, uploadId, 1, randomBytes(1000));
      await s.abortMultipartUpload(where(key, uploadId));
      expect(await s.listUploads({ bucket: bucket(), key })).toEqual([]);
      expect(await s.headObject({ bucket: bucket(), key })).toBeNull();
    });

    it('every operation on an aborted upload is UPLOAD_NOT_FOUND (uploadExists: false), whatever the server answered', async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'gone');
      const data = [randomBytes(1000)];
      const parts = [await sendPart(s, key, uploadId, 1, data[0]!)];
      await s.abortMultipartUpload(where(key, uploadId));
      await expectFailure(s.listParts(where(key, uploadId)), 'UPLOAD_NOT_FOUND', 'ListParts');
      expect(await s.uploadExists(where(key, uploadId))).toBe(false);
      await expectFailure(sendPart(s, key, uploadId, 2, randomBytes(1000)), 'UPLOAD_NOT_FOUND', 'UploadPart');
      await expectFailure(complete(s, key, uploadId, parts, data), 'UPLOAD_NOT_FOUND', 'CompleteMultipartUpload');
      await expectFailure(s.abortMultipartUpload(where(key, uploadId)), 'UPLOAD_NOT_FOUND', 'AbortMultipartUpload');
      expect(await s.headObject({ bucket: bucket(), key })).toBeNull();
    });

    it('an upload id the server never issued is UPLOAD_NOT_FOUND', async () => {
      const s = store();
      const key = newKey('never');
      const uploadId = `never-issued-${randomBytes(4).toString('hex')}`;
      await expectFailure(s.listParts(where(key, uploadId)), 'UPLOAD_NOT_FOUND', 'ListParts');
      expect(await s.uploadExists(where(key, uploadId))).toBe(false);
    });

    const missing = quirks.bucketsImplicit ? 'is just empty here (UPLOAD_NOT_FOUND)' : 'stays BUCKET_NOT_FOUND, never a gone upload';
    it(`a missing bucket ${missing}`, async () => {
      const s = store();
      const other = `dockside-missing-${run}-${randomBytes(4).toString('hex')}`.slice(0, 63);
      const at = { bucket: other, key: 'k', uploadId: 'some-upload-id' };
      const code: ErrorCode = quirks.bucketsImplicit ? 'UPLOAD_NOT_FOUND' : 'BUCKET_NOT_FOUND';
      await expectFailure(s.listParts(at), code, 'ListParts');
      await expectFailure(s.abortMultipartUpload(at), code, 'AbortMultipartUpload');
      if (quirks.bucketsImplicit) expect(await s.uploadExists(at)).toBe(false);
      else await expectFailure(s.uploadExists(at), 'BUCKET_NOT_FOUND', 'ListParts');
    });

    const crcVerdict = quirks.verifiesCrc32 ? 'refused (CHECKSUM_MISMATCH, retryable)' : 'accepted: this server checks no CRC32';
    it(`a part with a wrong CRC32 header is ${crcVerdict}`, async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'wrong-crc');
      const data = randomBytes(1000);
      const sending = s.uploadPart({ ...where(key, uploadId), partNumber: 1, body: data, contentLength: data.length, checksumCrc32: wrongCrcOf(data) });
      if (quirks.verifiesCrc32) {
        const error = await expectFailure(sending, 'CHECKSUM_MISMATCH', 'UploadPart');
        expect(error.retryable).toBe(true);
        expect(isChecksumTrailerRefusal(error)).toBe(false);
        expect(await s.listParts(where(key, uploadId))).toEqual([]);
      } else {
        const sent = await sending;
        // Never the wrong value echoed back as if it had been checked.
        expect(sent.checksumCrc32).toBe(quirks.echoesPartCrc32.header ? crcOf(data) : undefined);
        expect((await s.listParts(where(key, uploadId))).map((p) => [p.partNumber, p.size])).toEqual([[1, 1000]]);
      }
    });

    const md5Verdict = quirks.verifiesContentMd5 ? 'refused (CHECKSUM_MISMATCH)' : 'accepted: this server checks no Content-MD5';
    it(`a part with a wrong Content-MD5 is ${md5Verdict}; the right one is accepted`, async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'content-md5');
      const data = randomBytes(1000);
      const send = (partNumber: number, contentMd5: string) =>
        s.uploadPart({ ...where(key, uploadId), partNumber, body: data, contentLength: data.length, checksumCrc32: crcOf(data), contentMd5 });
      if (quirks.verifiesContentMd5) await expectFailure(send(1, md5Base64(randomBytes(1000))), 'CHECKSUM_MISMATCH', 'UploadPart');
      else await send(1, md5Base64(randomBytes(1000)));
      const right = await send(2, md5Base64(data));
      if (quirks.partEtagIsMd5) expect(right.etag).toBe(`"${md5Hex(data)}"`);
      expect((await s.listParts(where(key, uploadId))).map((p) => p.partNumber)).toEqual(quirks.verifiesContentMd5 ? [2] : [1, 2]);
    });

    const fullVerdict = quirks.verifiesFullObjectCrc32
      ? 'refused (CHECKSUM_MISMATCH) and the upload stays'
      : `accepted: this server checks no full-object CRC32${quirks.headReportsCrc32 ? ', but HeadObject reports the true one' : ''}`;
    it(`Complete with a wrong FULL_OBJECT CRC32 is ${fullVerdict}`, async () => {
      const s = store();
      const { key, uploadId } = await open(s, 'wrong-full-crc');
      const data = [randomBytes(1000)];
      const parts = [await sendPart(s, key, uploadId, 1, data[0]!)];
      const completing = complete(s, key, uploadId, parts, data, wrongCrcOf(data[0]!));
      if (quirks.verifiesFullObjectCrc32) {
        await expectFailure(completing, 'CHECKSUM_MISMATCH', 'CompleteMultipartUpload');
        expect(await s.uploadExists(where(key, uploadId))).toBe(true);
        expect(await s.headObject({ bucket: bucket(), key })).toBeNull();
      } else {
        const { etag } = await completing;
        const object = await s.headObject({ bucket: bucket(), key });
        expect(object).toMatchObject({ size: 1000, etag });
        expect(object?.checksumCrc32).toBe(quirks.headReportsCrc32 ? fullCrcOf(data) : undefined);
      }
    });
  });
}
