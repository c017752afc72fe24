// Where each part's CRC32 travels: by default as an aws-chunked trailer computed while the part
// streams (the file is read once, and the CRC32 S3 confirms is journaled), with a fall-back to a
// header (read twice) for endpoints that refuse trailers or do not confirm what they verified.
// Whether trailers are taken is learned from a one-byte probe before the first part (not from a
// whole refused part per part in flight), journaled for the transfer and remembered for the endpoint.
import { describe, expect, it } from 'vitest';
import type { TransferRecord, TransferTarget } from '../../../src/shared/transfer-model.js';
import { crc32Of, crc32ToBase64, NodeFileSource, S3ObjectStore, type FileSource, type ObjectStore } from '../../../src/main/engine/index.js';
import { getObject, makeEngine, type Harness, randomFile, sha256, target, tempDir, testCredentials, TINY_PARTS, useLocalS3 } from '../../support/engine-harness.js';
import { isServerCheckProbe, isUploadPart, type RequestInfo } from '../../support/fault-proxy.js';

const PART = 64 * 1024;
const local = useLocalS3();

/** A file source that counts the bytes read from every file it opens. */
function countingFiles(): { files: FileSource; bytesRead: () => number } {
  const inner = new NodeFileSource();
  let read = 0;
  return {
    bytesRead: () => read,
    files: {
      identify: (path) => inner.identify(path),
      open: async (path) => {
        const file = await inner.open(path);
        return {
          identity: () => file.identity(),
          close: () => file.close(),
          readExactly: async (buffer, length, position) => {
            await file.readExactly(buffer, length, position);
            read += length;
          },
        };
      },
    },
  };
}

const withTrailer = (req: RequestInfo): boolean =>
  String(req.headers['content-encoding'] ?? '').includes('aws-chunked') && req.headers['x-amz-trailer'] === 'x-amz-checksum-crc32';
/** A part of the file sent with a trailer (not a probe). */
const sentWithTrailer = (req: RequestInfo): boolean => isUploadPart()(req) && withTrailer(req);
/** The one-byte probe asking whether the server takes trailers. */
const trailerProbe = (req: RequestInfo): boolean => isServerCheckProbe(req) && withTrailer(req);

/** Uploads `path` to `bucket`/`key` through the fault proxy and expects it to complete. */
async function uploadThroughProxy(engine: Harness, path: string, bucket: string, key: string): Promise<TransferRecord> {
  const record = await engine.manager.add({ filePath: path, target: target(local.proxy.endpoint, bucket, key), partSize: PART });
  const done = engine.manager.waitFor(record.id);
  engine.manager.start(record.id);
  expect((await done).kind).toBe('completed');
  return record;
}

function partChecksums(bytes: Buffer, partSize: number): string[] {
  const sums: string[] = [];
  for (let at = 0; at < bytes.length; at += partSize) sums.push(crc32ToBase64(crc32Of(bytes.subarray(at, at + partSize))));
  return sums;
}

describe('part checksums', () => {
  it('reads each part once, sends its CRC32 as an aws-chunked trailer, and journals the CRC32 S3 confirms, that of the bytes read', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 5 * PART + 777);
    const counting = countingFiles();
    // A delay of 0 passes the request through unchanged; the rule only counts trailer requests.
    local.proxy.addRule({ name: 'trailer', match: sentWithTrailer, action: { kind: 'delay', ms: 0 }, times: Infinity });
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 3, files: counting.files });
    try {
      const record = await uploadThroughProxy(engine, file.path, b, 'once.bin');
      expect(local.proxy.fired('trailer')).toBe(6);
      expect(counting.bytesRead()).toBe(file.bytes.length);
      const journaled = engine.journal.listParts(record.id).map((p) => p.checksum);
      expect(journaled).toEqual(partChecksums(file.bytes, PART));
      expect(engine.journal.queryLog({ transferId: record.id }).map((e) => e.type)).not.toContain('part.checksum-header');
      expect(sha256(await getObject(local.moto.endpoint, b, 'once.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('learns from a one-byte probe that the endpoint refuses aws-chunked bodies, so no part is sent twice, and remembers it for the endpoint', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 6 * PART);
    const counting = countingFiles();
    const refuse = { kind: 'status', status: 501, code: 'NotImplemented', message: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER is not implemented' } as const;
    local.proxy.addRule({ name: 'probe-refused', match: trailerProbe, action: refuse, times: Infinity });
    local.proxy.addRule({ name: 'part-refused', match: sentWithTrailer, action: refuse, times: Infinity });
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 2, files: counting.files });
    try {
      const record = await uploadThroughProxy(engine, file.path, b, 'header.bin');
      // One byte was refused, not a part per part in flight (before: up to 2 x 64 KiB here,
      // 64 MiB at the defaults, gigabytes with 5 GiB parts).
      expect(local.proxy.fired('probe-refused')).toBe(1);
      expect(local.proxy.fired('part-refused')).toBe(0);
      const log = engine.journal.queryLog({ transferId: record.id });
      const notes = log.filter((e) => e.type === 'part.checksum-header');
      expect(notes).toHaveLength(1);
      // Information, not a fault: no advice meant for permanent errors.
      expect(notes[0]!.level).toBe('info');
      expect(notes[0]!.message).toMatch(/NotImplemented/);
      expect(notes[0]!.message).not.toMatch(/check the endpoint/i);
      expect(log.map((e) => e.type)).not.toContain('retry');
      // Header mode reads each part twice (once for the CRC32, once to send), and nothing more.
      expect(counting.bytesRead()).toBe(2 * file.bytes.length);
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ partChecksum: 'header', serverChecks: { trailers: false } });
      expect(engine.journal.endpointQuirks(local.proxy.endpoint)).toMatchObject({ checksumTrailer: false });
      expect(engine.journal.listParts(record.id).map((p) => p.checksum)).toEqual(partChecksums(file.bytes, PART));
      expect(sha256(await getObject(local.moto.endpoint, b, 'header.bin'))).toBe(file.sha256);

      // The next transfer to this endpoint knows already: no trailer probe, no trailer at all.
      const second = randomFile(home, 2 * PART);
      const again = await uploadThroughProxy(engine, second.path, b, 'header-2.bin');
      expect(local.proxy.fired('probe-refused')).toBe(1);
      expect(local.proxy.fired('part-refused')).toBe(0);
      const note = engine.journal.queryLog({ transferId: again.id }).find((e) => e.type === 'part.checksum-header');
      expect(note?.message).toMatch(/learned on an earlier transfer/);
      expect(sha256(await getObject(local.moto.endpoint, b, 'header-2.bin'))).toBe(second.sha256);
    } finally {
      await engine.close();
    }
  });

  it('falls back to a CRC32 header, said once, when a part is refused with a trailer the probe got through', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 6 * PART);
    // Something on the way (a proxy, a load balancer in front of another server) refuses the
    // parts' trailers though the probe's went through.
    local.proxy.addRule({
      name: 'no-trailers',
      match: sentWithTrailer,
      action: { kind: 'status', status: 501, code: 'NotImplemented', message: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER is not implemented' },
      times: Infinity,
    });
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 2 });
    try {
      const record = await uploadThroughProxy(engine, file.path, b, 'late-header.bin');
      expect(local.proxy.fired('no-trailers')).toBeGreaterThanOrEqual(1);
      expect(local.proxy.fired('no-trailers')).toBeLessThanOrEqual(2);
      const notes = engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'part.checksum-header');
      expect(notes).toHaveLength(1);
      expect(notes[0]!.level).toBe('info');
      expect(engine.journal.getTransfer(record.id)?.partChecksum).toBe('header');
      expect(engine.journal.endpointQuirks(local.proxy.endpoint)).toMatchObject({ checksumTrailer: false });
      expect(sha256(await getObject(local.moto.endpoint, b, 'late-header.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('sends headers from the start when configured to', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 3 * PART);
    local.proxy.addRule({ name: 'trailer-configured', match: sentWithTrailer, action: { kind: 'delay', ms: 0 }, times: Infinity });
    const engine = makeEngine(home, { planLimits: TINY_PARTS, partChecksum: 'header' });
    try {
      await uploadThroughProxy(engine, file.path, b, 'configured.bin');
      expect(local.proxy.fired('trailer-configured')).toBe(0);
      expect(sha256(await getObject(local.moto.endpoint, b, 'configured.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('checksums a part from the file, and sends headers from then on, where the endpoint does not confirm part CRC32s', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 4 * PART);
    const counting = countingFiles();
    let answers = 0;
    // An endpoint that takes trailers but never says which CRC32 it verified.
    const storeFor = (t: TransferTarget): ObjectStore => {
      const inner = new S3ObjectStore({ target: t, credentials: testCredentials(), stallTimeoutMs: 2_000, connectTimeoutMs: 2_000 });
      return new Proxy(inner, {
        get(obj, prop, receiver) {
          if (prop !== 'uploadPart') return Reflect.get(obj, prop, receiver) as unknown;
          return async (...args: Parameters<ObjectStore['uploadPart']>) => {
            const { etag } = await inner.uploadPart(...args);
            // The file's parts (the one-byte probes are not counted).
            if (args[0].contentLength > 1) answers += 1;
            return { etag };
          };
        },
      });
    };
    local.proxy.addRule({ name: 'unconfirmed-trailer', match: sentWithTrailer, action: { kind: 'delay', ms: 0 }, times: Infinity });
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 1, storeFor, files: counting.files });
    try {
      const record = await uploadThroughProxy(engine, file.path, b, 'unconfirmed.bin');
      expect(answers).toBe(4);
      // Part 1 went with a trailer and was then read again for its CRC32; parts 2-4 with headers.
      expect(local.proxy.fired('unconfirmed-trailer')).toBe(1);
      expect(counting.bytesRead()).toBe(2 * file.bytes.length);
      const notes = engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'part.checksum-header');
      expect(notes).toHaveLength(1);
      expect(notes[0]!.message).toMatch(/does not confirm/);
      expect(engine.journal.listParts(record.id).map((p) => p.checksum)).toEqual(partChecksums(file.bytes, PART));
      expect(sha256(await getObject(local.moto.endpoint, b, 'unconfirmed.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });
});
