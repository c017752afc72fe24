// How S3ObjectStore puts a part on the wire, checked byte for byte against a local HTTP server:
// one kept-alive connection for many parts (the SDK would open one per part, see
// s3-object-store.ts), the aws-chunked body announced with its exact Content-Length instead of
// being sent HTTP-chunked (aws-chunked-length.ts), and the CRC32 trailer computed by our CRC32.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsChunkedLength } from '../../../src/main/engine/aws-chunked-length.js';
import { crc32Of, crc32ToBase64, NodeFileSource, S3ObjectStore, StaticCredentialProvider, systemClock } from '../../../src/main/engine/index.js';
import { FilePartBody, PART_CHUNKS, READ_CHUNK_BYTES } from '../../../src/main/engine/part-body.js';
import { RateLimiter } from '../../../src/main/engine/rate-limiter.js';
import { randomFile, tempDir } from '../../support/engine-harness.js';

interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: Buffer;
  readonly socket: number;
}

/** Decodes an aws-chunked body: its payload and its trailers; throws on bad framing. */
function decodeAwsChunked(raw: Buffer): { payload: Buffer; trailers: Map<string, string> } {
  const pieces: Buffer[] = [];
  let at = 0;
  const line = (): string => {
    const end = raw.indexOf('\r\n', at);
    if (end < 0) throw new Error(`no CRLF after byte ${at}`);
    const text = raw.subarray(at, end).toString('latin1');
    at = end + 2;
    return text;
  };
  for (;;) {
    const size = parseInt(line(), 16);
    if (!Number.isInteger(size)) throw new Error('bad chunk size');
    if (size === 0) break;
    pieces.push(raw.subarray(at, at + size));
    at += size;
    if (raw.subarray(at, at + 2).toString('latin1') !== '\r\n') throw new Error('chunk not followed by CRLF');
    at += 2;
  }
  const trailers = new Map<string, string>();
  for (let l = line(); l !== ''; l = line()) {
    const colon = l.indexOf(':');
    trailers.set(l.slice(0, colon), l.slice(colon + 1));
  }
  if (at !== raw.length) throw new Error(`${raw.length - at} bytes after the final CRLF`);
  return { payload: Buffer.concat(pieces), trailers };
}

let server: http.Server;
let endpoint: string;
const received: Received[] = [];
let connections = 0;

beforeAll(async () => {
  const sockets = new WeakMap<object, number>();
  server = http.createServer((req, res) => {
    let id = sockets.get(req.socket);
    if (id === undefined) sockets.set(req.socket, (id = connections));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: req.headers, raw, socket: id });
      let crc: string | undefined;
      try {
        if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) crc = decodeAwsChunked(raw).trailers.get('x-amz-checksum-crc32');
      } catch {
        crc = undefined;
      }
      res.setHeader('ETag', '"etag"');
      if (crc) res.setHeader('x-amz-checksum-crc32', crc);
      res.end();
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const store = () =>
  new S3ObjectStore({
    target: { endpoint, region: 'us-east-1', forcePathStyle: true },
    credentials: new StaticCredentialProvider({ accessKeyId: 'test', secretAccessKey: 'test' }),
    maxSockets: 4,
  });

const limiter = new RateLimiter(null, systemClock);
const where = { bucket: 'b', key: 'k', uploadId: 'u' };

describe('a part on the wire', () => {
  const sizes = [0, 1, READ_CHUNK_BYTES - 1, READ_CHUNK_BYTES, READ_CHUNK_BYTES + 1, 3 * READ_CHUNK_BYTES + 12345];

  it('is aws-chunked with its exact Content-Length (no HTTP chunking) and the CRC32 of its bytes as trailer, for any size', async () => {
    const home = tempDir();
    const file = randomFile(home, Math.max(...sizes));
    const open = await new NodeFileSource().open(file.path);
    const s = store();
    try {
      for (const [i, size] of sizes.entries()) {
        received.length = 0;
        const body = new FilePartBody(open, 0, size, limiter, () => undefined, new AbortController().signal);
        const sent = await s.uploadPart({ ...where, partNumber: i + 1, body, contentLength: size, bodyChunkBytes: FilePartBody.CHUNK_BYTES });
        const expected = file.bytes.subarray(0, size);
        expect(received).toHaveLength(1);
        const { headers, raw } = received[0]!;
        expect(headers['transfer-encoding']).toBeUndefined();
        expect(Number(headers['content-length'])).toBe(raw.length);
        expect(raw.length).toBe(awsChunkedLength(size, READ_CHUNK_BYTES));
        expect(headers['x-amz-decoded-content-length']).toBe(String(size));
        const { payload, trailers } = decodeAwsChunked(raw);
        expect(payload.equals(expected)).toBe(true);
        expect(trailers.get('x-amz-checksum-crc32')).toBe(crc32ToBase64(crc32Of(expected)));
        expect(sent.checksumCrc32).toBe(crc32ToBase64(crc32Of(expected)));
      }
    } finally {
      s.destroy();
      await open.close();
    }
  });

  it('is sent HTTP-chunked, as the SDK does, when the body does not promise its chunk size', async () => {
    const home = tempDir();
    const file = randomFile(home, 100_000);
    const open = await new NodeFileSource().open(file.path);
    const s = store();
    try {
      received.length = 0;
      const body = new FilePartBody(open, 0, file.bytes.length, limiter, () => undefined, new AbortController().signal);
      await s.uploadPart({ ...where, partNumber: 1, body, contentLength: file.bytes.length });
      expect(received[0]!.headers['transfer-encoding']).toBe('chunked');
      expect(decodeAwsChunked(received[0]!.raw).payload.equals(file.bytes)).toBe(true);
    } finally {
      s.destroy();
      await open.close();
    }
  });

  it('reuses one kept-alive connection for part after part (the SDK alone would open one per part)', async () => {
    const home = tempDir();
    // Over 2 MiB: the SDK asks for "100 Continue", the case in which it would not keep the connection.
    const file = randomFile(home, 3 * 1024 * 1024);
    const open = await new NodeFileSource().open(file.path);
    const s = store();
    try {
      received.length = 0;
      const before = connections;
      for (let n = 1; n <= 6; n++) {
        const body = new FilePartBody(open, 0, file.bytes.length, limiter, () => undefined, new AbortController().signal);
        await s.uploadPart({ ...where, partNumber: n, body, contentLength: file.bytes.length, bodyChunkBytes: FilePartBody.CHUNK_BYTES });
      }
      expect(received).toHaveLength(6);
      expect(received.every((r) => r.headers['expect'] === '100-continue')).toBe(true);
      expect(connections - before).toBe(1);
      expect(new Set(received.map((r) => r.socket)).size).toBe(1);
      // 6 parts of 12 chunks each went out through a handful of reused buffers, and every part arrived whole.
      expect(PART_CHUNKS.stats().allocated).toBeLessThanOrEqual(8);
      for (const r of received) expect(decodeAwsChunked(r.raw).payload.equals(file.bytes)).toBe(true);
    } finally {
      s.destroy();
      await open.close();
    }
  });

  it('keeps chunks at the fixed size under a rate limit (the limit paces the reads, not the framing)', async () => {
    const home = tempDir();
    const size = 2 * READ_CHUNK_BYTES + 5;
    const file = randomFile(home, size);
    const open = await new NodeFileSource().open(file.path);
    // 1 MiB/s: the limiter's steps (an eighth of a second) are smaller than a chunk; the test takes about 0.3 s.
    const slow = new RateLimiter(1024 * 1024, systemClock);
    expect(slow.chunkSize()).toBeLessThan(READ_CHUNK_BYTES);
    const chunks: number[] = [];
    const body = new FilePartBody(open, 0, size, slow, () => undefined, new AbortController().signal);
    for await (const chunk of body) chunks.push((chunk as Buffer).length);
    await open.close();
    expect(chunks).toEqual([READ_CHUNK_BYTES, READ_CHUNK_BYTES, 5]);
  });
});

describe('awsChunkedLength', () => {
  it('counts size lines, CRLFs, the final chunk and the CRC32 trailer', () => {
    // "0\r\n" + "x-amz-checksum-crc32:XXXXXXXX\r\n" + "\r\n"
    const tail = 3 + 20 + 1 + 8 + 2 + 2;
    expect(awsChunkedLength(0, 16)).toBe(tail);
    expect(awsChunkedLength(16, 16)).toBe('10\r\n'.length + 16 + 2 + tail);
    expect(awsChunkedLength(17, 16)).toBe('10\r\n'.length + 16 + 2 + '1\r\n'.length + 1 + 2 + tail);
  });

  it('refuses sizes that are not byte counts', () => {
    expect(() => awsChunkedLength(-1, 16)).toThrow(RangeError);
    expect(() => awsChunkedLength(1, 0)).toThrow(RangeError);
  });
});
