// What the engine calls verified is what was checked: the server's checks are probed with
// one-byte parts before the first part goes, each part is journaled with what the server checked
// of it, and the completed transfer says which evidence it has:
//  - on our sink, which checks CRC32s and reports the object's: server-checksum;
//  - on the same sink when nothing reports the whole object's CRC32: part-checksums;
//  - on moto, which checks nothing (transfer-manager.integration.test.ts): size-only, as a warning;
//  - on Ceph RGW, which checks only Content-MD5 (transfer-manager.rgw.integration.test.ts): content-md5.
// And --verify-file reads the whole file again before completing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Sink, type S3Sink } from '../../../bench/sink/s3-sink.js';
import { crc32Of, crc32ToBase64, NodeFileSource, S3ObjectStore, type FileSource, type ObjectStore, type OpenFile } from '../../../src/main/engine/index.js';
import type { TransferTarget } from '../../../src/shared/transfer-model.js';
import { makeEngine, randomFile, target, tempDir, testCredentials, type Harness } from '../../support/engine-harness.js';
import { uniqueBucketName } from '../../support/moto-server.js';

const MiB = 1024 * 1024;
let sink: S3Sink;

beforeAll(async () => {
  sink = await startS3Sink({ tls: false });
});
afterAll(async () => {
  await sink?.close();
});

async function upload(engine: Harness, path: string, key: string, options: { verifyFile?: boolean } = {}) {
  const record = await engine.manager.add({ filePath: path, target: target(sink.endpoint, uniqueBucketName('verify'), key), partSize: 5 * MiB, ...options });
  const done = engine.manager.waitFor(record.id);
  engine.manager.start(record.id);
  return { record, outcome: await done };
}

/** A store on the sink that passes on no whole-object CRC32 (as a server that keeps none would). */
function withoutObjectChecksums(t: TransferTarget): ObjectStore {
  const inner = new S3ObjectStore({ target: t, credentials: testCredentials(), stallTimeoutMs: 5_000 });
  return new Proxy(inner, {
    get(obj, prop, receiver) {
      if (prop === 'completeMultipartUpload') {
        return async (...args: Parameters<ObjectStore['completeMultipartUpload']>) => ({ etag: (await inner.completeMultipartUpload(...args)).etag });
      }
      if (prop === 'headObject') {
        return async (...args: Parameters<ObjectStore['headObject']>) => {
          const object = await inner.headObject(...args);
          return object && { size: object.size, etag: object.etag, metadata: object.metadata };
        };
      }
      return Reflect.get(obj, prop, receiver) as unknown;
    },
  });
}

/**
 * Files on a file system that keeps no change time (FAT and exFAT drives: Linux reports their
 * mtime as ctime) whose bytes change under an unchanged identity: reads after `flipAfter` bytes
 * have one byte inverted.
 */
function filesChangingAfter(flipAfter: number): FileSource {
  const inner = new NodeFileSource();
  let read = 0;
  return {
    identify: (path) => inner.identify(path),
    open: async (path): Promise<OpenFile> => {
      const file = await inner.open(path);
      return {
        identity: () => file.identity(),
        close: () => file.close(),
        readExactly: async (buffer, length, position) => {
          await file.readExactly(buffer, length, position);
          if (read >= flipAfter && length > 0) buffer[0] = buffer[0]! ^ 0xff;
          read += length;
        },
      };
    },
  };
}

describe('what verified an upload', () => {
  it('on a server that checks CRC32s and reports the object’s: server-checksum, every part checked by CRC32', async () => {
    const home = tempDir();
    const file = randomFile(home, 11 * MiB + 5);
    const engine = makeEngine(home);
    try {
      const { record, outcome } = await upload(engine, file.path, 'checked.bin');
      expect(outcome).toMatchObject({ kind: 'completed', result: { verification: 'server-checksum', fileReread: false, checksum: crc32ToBase64(crc32Of(file.bytes)) } });
      expect(engine.journal.listParts(record.id).map((p) => p.verifiedBy)).toEqual(['crc32', 'crc32', 'crc32']);
      const journaled = engine.journal.getTransfer(record.id)!;
      expect(journaled).toMatchObject({ verification: 'server-checksum', serverChecks: { trailers: true, crc32: true, contentMd5: null } });
      const log = engine.journal.queryLog({ transferId: record.id });
      // Trailers were not known for this endpoint: two probes, and nothing else was learned the hard way.
      expect(log.find((e) => e.type === 'server.checks')).toMatchObject({ level: 'info', data: { trailers: true, crc32: true } });
      expect(log.at(-1)).toMatchObject({
        type: 'transfer.completed',
        level: 'info',
        message: 'Upload complete and verified by the server, which checked the CRC32 of every part and of the whole object.',
      });
      expect(sink.object(journaled.target.bucket, 'checked.bin')?.crc32).toBe(crc32ToBase64(crc32Of(file.bytes)));
    } finally {
      await engine.close();
    }
  });

  it('when nothing reports the whole object’s CRC32: part-checksums, not server-checksum', async () => {
    const home = tempDir();
    const file = randomFile(home, 6 * MiB);
    const engine = makeEngine(home, { storeFor: withoutObjectChecksums });
    try {
      const { outcome } = await upload(engine, file.path, 'parts-only.bin');
      expect(outcome).toMatchObject({ kind: 'completed', result: { verification: 'part-checksums' } });
    } finally {
      await engine.close();
    }
  });

  it('--verify-file reads the whole file again before completing and says so', async () => {
    const home = tempDir();
    const file = randomFile(home, 7 * MiB);
    const engine = makeEngine(home);
    try {
      const { record, outcome } = await upload(engine, file.path, 'reread.bin', { verifyFile: true });
      expect(outcome).toMatchObject({ kind: 'completed', result: { verification: 'server-checksum', fileReread: true } });
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ verifyFile: true, fileRereadAt: expect.any(Number) });
      const log = engine.journal.queryLog({ transferId: record.id });
      expect(log.find((e) => e.type === 'file.reread')).toMatchObject({ data: { bytes: file.bytes.length } });
      expect(log.at(-1)?.message).toMatch(/the file was read again in full after sending and matched/);
    } finally {
      await engine.close();
    }
  });

  it('--verify-file stops a file that reads differently at the end, with no object made, the parts kept', async () => {
    const home = tempDir();
    const file = randomFile(home, 11 * MiB);
    // Every byte of the parts is read once (trailers); the re-read starts after that.
    const engine = makeEngine(home, { files: filesChangingAfter(file.bytes.length) });
    try {
      const { record, outcome } = await upload(engine, file.path, 'changed-late.bin', { verifyFile: true });
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'FILE_CHANGED' } });
      if (outcome.kind !== 'failed') return;
      expect(outcome.error.message).toMatch(/reads differently now .* than the parts that were sent/);
      expect(outcome.error.message).toContain(`dockside cancel ${record.id}`);
      expect(sink.object(engine.journal.getTransfer(record.id)!.target.bucket, 'changed-late.bin')).toBeUndefined();
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'failed', errorCode: 'FILE_CHANGED', partsDone: 3 });
    } finally {
      await engine.close();
    }
  });

  it('shows how far the re-read is while it runs (progress.checking)', async () => {
    const home = tempDir();
    const file = randomFile(home, 6 * MiB);
    const seen: unknown[] = [];
    let id = '';
    const inner = new NodeFileSource();
    let read = 0;
    // Asks the engine for its progress from inside the re-read's reads: what a view sees then.
    const files: FileSource = {
      identify: (path) => inner.identify(path),
      open: async (path): Promise<OpenFile> => {
        const f = await inner.open(path);
        return {
          identity: () => f.identity(),
          close: () => f.close(),
          readExactly: async (buffer, length, position) => {
            if (read >= file.bytes.length) seen.push(engine.manager.progress(id).checking);
            read += length;
            await f.readExactly(buffer, length, position);
          },
        };
      },
    };
    const engine = makeEngine(home, { files });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(sink.endpoint, uniqueBucketName('verify'), 'progress.bin'), partSize: 5 * MiB, verifyFile: true });
      id = record.id;
      const done = engine.manager.waitFor(id);
      engine.manager.start(id);
      expect((await done).kind).toBe('completed');
      expect(seen[0]).toEqual({ what: 'file', bytesDone: 0, bytesTotal: file.bytes.length });
      expect(seen.at(-1)).toMatchObject({ what: 'file', bytesTotal: file.bytes.length });
      expect(engine.manager.progress(id).checking).toBeUndefined();
    } finally {
      await engine.close();
    }
  });

  it('--verify-file as a setting of the engine applies to every transfer', async () => {
    const home = tempDir();
    const file = randomFile(home, 5 * MiB + 1);
    const engine = makeEngine(home, { verifyFile: true });
    try {
      const { outcome } = await upload(engine, file.path, 'setting.bin');
      expect(outcome).toMatchObject({ kind: 'completed', result: { fileReread: true } });
    } finally {
      await engine.close();
    }
  });

  it('setVerifyFile changes the engine setting for transfers started from then on (the desktop app’s verifyFile setting)', async () => {
    const home = tempDir();
    const engine = makeEngine(home);
    try {
      engine.manager.setVerifyFile(true);
      const on = await upload(engine, randomFile(home, 5 * MiB + 1).path, 'on.bin');
      expect(on.outcome).toMatchObject({ kind: 'completed', result: { fileReread: true } });
      engine.manager.setVerifyFile(false);
      const off = await upload(engine, randomFile(home, 5 * MiB + 2).path, 'off.bin');
      expect(off.outcome).toMatchObject({ kind: 'completed', result: { fileReread: false } });
    } finally {
      await engine.close();
    }
  });
});
