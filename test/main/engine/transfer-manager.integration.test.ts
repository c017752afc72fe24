// The engine against a real moto_server (see test/support/moto-server.ts for how to install it):
// multipart upload, resume with more than 1,000 parts, NoSuchUpload, a changed file, cancel,
// and a completion whose answer was lost before Dockside journaled it.
import { appendFileSync, utimesSync } from 'node:fs';
import { AbortMultipartUploadCommand, HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { crc32Of, crc32ToBase64 } from '../../../src/main/engine/index.js';
import { MiB } from '../../../src/shared/part-planner.js';
import type { TransferProgress } from '../../../src/shared/transfer-model.js';
import { getObject, makeEngine, randomFile, sha256, target, tempDir, whenPartsDone, TINY_PARTS, useLocalS3 } from '../../support/engine-harness.js';
import { s3ClientFor } from '../../support/moto-server.js';

const TINY = TINY_PARTS;

const local = useLocalS3();

describe('upload to S3 (moto)', () => {
  it('uploads a multi-part file byte for byte, with a whole-object CRC32 the server agrees with', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 17 * MiB + 123);
    const engine = makeEngine(home, { concurrency: 3 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'big.bin'), partSize: 5 * MiB });
      expect(record.partCount).toBe(4);
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      const outcome = await done;
      expect(outcome.kind).toBe('completed');
      if (outcome.kind !== 'completed') return;

      const object = await getObject(local.moto.endpoint, b, 'big.bin');
      expect(sha256(object)).toBe(file.sha256);
      const expectedCrc = crc32ToBase64(crc32Of(file.bytes));
      expect(outcome.result.checksum).toBe(expectedCrc);
      expect(outcome.result.checksumType).toBe('FULL_OBJECT');

      const head = await s3ClientFor(local.moto.endpoint).send(new HeadObjectCommand({ Bucket: b, Key: 'big.bin', ChecksumMode: 'ENABLED' }));
      expect(head.ChecksumCRC32).toBe(expectedCrc);
      expect(head.Metadata?.['dockside-transfer-id']).toBe(record.id);

      const journaled = engine.journal.getTransfer(record.id)!;
      expect(journaled.state).toBe('completed');
      expect(journaled.fullChecksum).toBe(expectedCrc);
      expect(journaled.partsDone).toBe(4);
      const log = engine.journal.queryLog({ transferId: record.id });
      expect(log.map((e) => e.type)).toEqual(['transfer.created', 'transfer.started', 'upload.created', 'server.checks', 'transfer.completed']);
      // moto takes a wrong CRC32 and a wrong Content-MD5 alike: nothing it says verifies the bytes,
      // and Dockside does not claim otherwise.
      expect(log.find((e) => e.type === 'server.checks')).toMatchObject({ level: 'warn', data: { trailers: true, crc32: false, contentMd5: false } });
      expect(outcome.result).toMatchObject({ verification: 'size-only', fileReread: false });
      expect(journaled.verification).toBe('size-only');
      const completed = log.at(-1)!;
      expect(completed.level).toBe('warn');
      expect(completed.message).not.toMatch(/and verified/);
      expect(completed.message).toMatch(/not verified by the server/);
    } finally {
      await engine.close();
    }
  });

  it('resumes with more than 1,000 parts on S3: ListParts is paginated and only missing or mismatched parts are re-sent', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const partCount = 1_200;
    const file = randomFile(home, partCount * 1024 - 100);
    const first = makeEngine(home, { concurrency: 8, planLimits: TINY });
    const record = await first.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'many.bin'), partSize: 1024 });
    expect(record.partCount).toBe(partCount);
    first.manager.start(record.id);
    await whenPartsDone(first, record.id, 1_050);
    await first.manager.pause(record.id);
    // The log says who paused it: the app resumes at launch only what Dockside paused itself.
    expect(first.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'transfer.paused').pop()?.data).toMatchObject({ reason: 'pause' });
    await first.close();

    // Simulate what a crash can leave: parts S3 has but the journal lost, and a journaled part
    // whose ETag S3 does not have.
    const second = makeEngine(home, { concurrency: 8, planLimits: TINY });
    try {
      const journaledParts = second.journal.listParts(record.id);
      expect(journaledParts.length).toBeGreaterThanOrEqual(1_050);
      second.journal.removeParts(record.id, [2, 3, 500]);
      const uploadId = second.journal.getTransfer(record.id)!.uploadId!;
      const wrong = journaledParts.find((p) => p.partNumber === 7)!;
      second.journal.recordPart(record.id, uploadId, { ...wrong, etag: '"00000000000000000000000000000000"' });

      // Requests the first engine sent just before its pause may still be on their way to the
      // proxy (it shares this process's event loop): count from when it has gone quiet.
      const logStart = await quietLogLength(local.proxy.log);
      const done = second.manager.waitFor(record.id);
      second.manager.start(record.id);
      const outcome = await done;
      expect(outcome.kind).toBe('completed');

      const requests = local.proxy.log.slice(logStart);
      const listPages = requests.filter((r) => r.method === 'GET' && r.query.includes('uploadId='));
      expect(listPages.length).toBeGreaterThanOrEqual(2); // 1,000 parts a page
      const resent = requests.filter((r) => r.method === 'PUT' && r.query.includes('partNumber=')).map((r) => Number(new URLSearchParams(r.query).get('partNumber')));
      const expected = new Set([2, 3, 500, 7]);
      for (let n = 1; n <= partCount; n++) if (!journaledParts.some((p) => p.partNumber === n)) expected.add(n);
      expect(new Set(resent)).toEqual(expected);
      // Each part once, plus one more send for each transient failure the engine logged and retried.
      const partRetries = second.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'retry' && String(e.data?.what).startsWith('part'));
      expect(resent.length).toBe(expected.size + partRetries.length);

      const reconciled = second.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'resume.reconciled');
      // S3 may hold a few more parts than were journaled (in flight at the pause): those are re-sent too.
      expect(reconciled?.data).toMatchObject({ journaledParts: journaledParts.length - 3, dropped: 1, toSend: expected.size });
      expect(Number(reconciled?.data?.remoteParts)).toBeGreaterThanOrEqual(journaledParts.length);
      expect(sha256(await getObject(local.moto.endpoint, b, 'many.bin'))).toBe(file.sha256);
    } finally {
      await second.close();
    }
  });

  it('starts a new multipart upload when S3 no longer knows the old one (NoSuchUpload), and says so in the log', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 300 * 1024);
    const engine = makeEngine(home, { concurrency: 2, planLimits: TINY, bandwidthLimit: 200 * 1024 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'gone.bin'), partSize: 10 * 1024 });
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 5);
      await engine.manager.pause(record.id);
      const oldUploadId = engine.journal.getTransfer(record.id)!.uploadId!;
      await s3ClientFor(local.moto.endpoint).send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'gone.bin', UploadId: oldUploadId }));

      engine.manager.setBandwidthLimit(null);
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await done).kind).toBe('completed');
      const after = engine.journal.getTransfer(record.id)!;
      expect(after.uploadId).not.toBe(oldUploadId);
      const restarted = engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'upload.restarted');
      expect(restarted).toHaveLength(1);
      expect(restarted[0]!.level).toBe('warn');
      expect(restarted[0]!.data).toMatchObject({ previousUploadId: oldUploadId });
      expect(sha256(await getObject(local.moto.endpoint, b, 'gone.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('stops a transfer whose file changes during the upload, and never completes an object of mixed contents', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 400 * 1024);
    const engine = makeEngine(home, { concurrency: 2, planLimits: TINY, bandwidthLimit: 100 * 1024 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'changing.bin'), partSize: 10 * 1024 });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 3);
      appendFileSync(file.path, 'more data written by another program');
      const outcome = await done;
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'FILE_CHANGED', retryable: false } });
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'failed', errorCode: 'FILE_CHANGED' });
      await expect(s3ClientFor(local.moto.endpoint).send(new HeadObjectCommand({ Bucket: b, Key: 'changing.bin' }))).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });

      // Resuming the same transfer refuses again: the file is not the one journaled.
      const again = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await again).toMatchObject({ kind: 'failed', error: { code: 'FILE_CHANGED' } });
    } finally {
      await engine.close();
    }
  });

  it('notices a file touched while paused (same size, new mtime) before sending anything more', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 200 * 1024);
    const engine = makeEngine(home, { concurrency: 1, planLimits: TINY, bandwidthLimit: 100 * 1024 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'touched.bin'), partSize: 10 * 1024 });
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 2);
      await engine.manager.pause(record.id);
      const partsBefore = engine.journal.getTransfer(record.id)!.partsDone;
      utimesSync(file.path, new Date(), new Date(Date.now() + 5_000));
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await done).toMatchObject({ kind: 'failed', error: { code: 'FILE_CHANGED' } });
      expect(engine.journal.getTransfer(record.id)!.partsDone).toBe(partsBefore);
    } finally {
      await engine.close();
    }
  });

  it('cancel aborts the multipart upload: nothing is left on S3', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 300 * 1024);
    const engine = makeEngine(home, { concurrency: 3, planLimits: TINY, bandwidthLimit: 100 * 1024 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'cancel.bin'), partSize: 10 * 1024 });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 3);
      const s3 = s3ClientFor(local.moto.endpoint);
      expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads ?? []).toHaveLength(1);

      await engine.manager.cancel(record.id); // while parts are in flight
      expect(await done).toEqual({ kind: 'cancelled' });
      expect(engine.journal.getTransfer(record.id)!.state).toBe('cancelled');
      expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: b }))).Uploads ?? []).toHaveLength(0);
      const cancelled = engine.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'transfer.cancelled');
      expect(cancelled?.message).toMatch(/Cancelled/);
      await expect(engine.manager.cancel(record.id)).rejects.toMatchObject({ code: 'INVALID_STATE' });
    } finally {
      await engine.close();
    }
  });

  it('finishes a transfer whose completion S3 processed just before Dockside stopped, without an error or a second object', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 50 * 1024);
    const engine = makeEngine(home, { planLimits: TINY });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'twice.bin'), partSize: 10 * 1024 });
      const first = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await first).kind).toBe('completed');
      // As if the process died after S3 completed the upload but before the journal said so.
      engine.journal.setState(record.id, 'completing');

      const second = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      const outcome = await second;
      expect(outcome.kind).toBe('completed');
      expect(engine.journal.getTransfer(record.id)!.state).toBe('completed');
      expect(engine.journal.queryLog({ transferId: record.id }).some((e) => e.type === 'complete.confirmed')).toBe(true);
      expect(sha256(await getObject(local.moto.endpoint, b, 'twice.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('re-adding the same unchanged file continues the unfinished transfer instead of starting another', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 100 * 1024);
    const engine = makeEngine(home, { planLimits: TINY, bandwidthLimit: 50 * 1024 });
    try {
      const where = target(local.moto.endpoint, b, 'again.bin');
      const first = await engine.manager.add({ filePath: file.path, target: where, partSize: 10 * 1024 });
      engine.manager.start(first.id);
      await whenPartsDone(engine, first.id, 1);
      await engine.manager.pause(first.id);
      const second = await engine.manager.add({ filePath: file.path, target: where, partSize: 10 * 1024 });
      expect(second.id).toBe(first.id);
      expect(engine.manager.list()).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('runs at most maxActiveTransfers at once and queues the rest', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const engine = makeEngine(home, { planLimits: TINY, maxActiveTransfers: 2, concurrency: 2, bandwidthLimit: 400 * 1024 });
    try {
      const files = [0, 1, 2, 3].map((i) => randomFile(home, 60 * 1024, `queued-${i}.bin`));
      const records = await Promise.all(
        files.map((f, i) => engine.manager.add({ filePath: f.path, target: target(local.moto.endpoint, b, `q${i}.bin`), partSize: 10 * 1024 })),
      );
      const running = new Set<string>();
      let most = 0;
      engine.manager.on('state', (id, state) => {
        if (state === 'running') running.add(id);
        if (state === 'completed' || state === 'failed' || state === 'paused') running.delete(id);
        most = Math.max(most, running.size);
      });
      const outcomes = await Promise.all(
        records.map((r) => {
          const done = engine.manager.waitFor(r.id);
          engine.manager.start(r.id);
          return done;
        }),
      );
      expect(outcomes.map((o) => o.kind)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(most).toBe(2);
      for (const [i, f] of files.entries()) expect(sha256(await getObject(local.moto.endpoint, b, `q${i}.bin`))).toBe(f.sha256);
    } finally {
      await engine.close();
    }
  });

  it('emits typed progress: bytes done, smoothed speed, ETA and the state of each part in flight', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 400 * 1024);
    const engine = makeEngine(home, { planLimits: TINY, concurrency: 3, bandwidthLimit: 400 * 1024 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'progress.bin'), partSize: 20 * 1024 });
      const seen: TransferProgress[] = [];
      engine.manager.on('progress', (p) => seen.push(p));
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await done).kind).toBe('completed');

      expect(seen.length).toBeGreaterThan(3);
      expect(seen.every((p) => p.transferId === record.id && p.bytesTotal === file.bytes.length && p.partsTotal === 20)).toBe(true);
      expect(seen.some((p) => p.inFlight.length > 0 && p.inFlight.every((part) => part.size === 20 * 1024 && part.bytesSent <= part.size))).toBe(true);
      expect(seen.some((p) => p.inFlight.some((part) => part.state === 'sending'))).toBe(true);
      expect(seen.some((p) => p.bytesPerSecond > 0 && p.etaSeconds !== null && p.etaSeconds > 0)).toBe(true);
      const last = seen.at(-1)!;
      expect(last).toMatchObject({ state: 'completed', bytesDone: file.bytes.length, partsDone: 20, inFlight: [] });
      // Every speed is a number a person can read. How it is smoothed is throughput-meter.test.ts's
      // (a fake clock): a bound on measured speeds here would be a timing assertion, and it failed
      // on a loaded machine (exactly 4 × the cap after a stall).
      expect(seen.every((p) => Number.isFinite(p.bytesPerSecond) && p.bytesPerSecond >= 0)).toBe(true);
    } finally {
      await engine.close();
    }
  });

  it('uploads with composite (per-part) checksums when asked, and still journals the whole-file CRC32', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 50 * 1024);
    const engine = makeEngine(home, { planLimits: TINY });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.moto.endpoint, b, 'composite.bin'), partSize: 10 * 1024, checksumType: 'COMPOSITE' });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      const outcome = await done;
      expect(outcome).toMatchObject({ kind: 'completed', result: { checksumType: 'COMPOSITE', checksum: crc32ToBase64(crc32Of(file.bytes)) } });
      const head = await s3ClientFor(local.moto.endpoint).send(new HeadObjectCommand({ Bucket: b, Key: 'composite.bin', ChecksumMode: 'ENABLED' }));
      expect(head.ChecksumType).toBe('COMPOSITE');
      // S3's composite: the CRC32 of the 5 parts' CRC32s (AWS appends "-5"; moto does not).
      const partCrcs = Buffer.concat([0, 1, 2, 3, 4].map((i) => Buffer.from(crc32ToBase64(crc32Of(file.bytes.subarray(i * 10240, (i + 1) * 10240))), 'base64')));
      expect(head.ChecksumCRC32).toMatch(new RegExp(`^${crc32ToBase64(crc32Of(partCrcs)).replace(/[+/=]/g, '\\$&')}(-5)?$`));
      expect(engine.journal.getTransfer(record.id)!.fullChecksum).toBe(crc32ToBase64(crc32Of(file.bytes)));
      expect(sha256(await getObject(local.moto.endpoint, b, 'composite.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });
});

/** The log's length once no new entry has arrived for 300 ms. */
async function quietLogLength(log: ReadonlyArray<unknown>): Promise<number> {
  for (let length = -1; length !== log.length; ) {
    length = log.length;
    await new Promise((r) => setTimeout(r, 300));
  }
  return log.length;
}
