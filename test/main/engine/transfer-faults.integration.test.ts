// Network faults never end a transfer by themselves: the engine against moto through the
// fault-injecting proxy (test/support/fault-proxy.ts).
import { AbortMultipartUploadCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { CredentialProvider, TemporaryCredentials } from '../../../src/main/engine/index.js';
import { getObject, makeEngine, randomFile, sha256, target, tempDir, whenPartsDone, TINY_PARTS, useLocalS3 } from '../../support/engine-harness.js';
import { isCompleteMultipart, isCreateMultipart, isListParts, isUploadPart } from '../../support/fault-proxy.js';
import { s3ClientFor } from '../../support/moto-server.js';

const TINY = TINY_PARTS;
const PART = 64 * 1024;

const local = useLocalS3();

/** Static test credentials that count how often a refresh was forced (after ExpiredToken). */
class CountingCredentials implements CredentialProvider {
  forced = 0;
  async getCredentials(options: { forceRefresh?: boolean } = {}): Promise<TemporaryCredentials> {
    if (options.forceRefresh) this.forced += 1;
    return { accessKeyId: 'test', secretAccessKey: 'test' };
  }
}

describe('network faults', () => {
  it('survives resets, a stall, SlowDown, 500s, an expired token and a lost CompleteMultipartUpload answer', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 10 * PART + 1234);
    const credentials = new CountingCredentials();
    local.proxy.addRule({ name: 'create-503', match: isCreateMultipart(), action: { kind: 'status', status: 503, code: 'ServiceUnavailable' } });
    local.proxy.addRule({ name: 'reset', match: isUploadPart(2), action: { kind: 'reset-before-upstream' } });
    local.proxy.addRule({ name: 'reset-mid-body', match: isUploadPart(3), action: { kind: 'reset-mid-body', afterBytes: 10_000 } });
    local.proxy.addRule({ name: 'stall', match: isUploadPart(4), action: { kind: 'stall' } });
    local.proxy.addRule({ name: 'slowdown', match: isUploadPart(5), action: { kind: 'status', status: 503, code: 'SlowDown' }, times: 2 });
    local.proxy.addRule({ name: 'internal', match: isUploadPart(6), action: { kind: 'status', status: 500, code: 'InternalError' } });
    local.proxy.addRule({ name: 'expired', match: isUploadPart(7), action: { kind: 'status', status: 400, code: 'ExpiredToken', message: 'The provided token has expired.' } });
    local.proxy.addRule({ name: 'request-timeout', match: isUploadPart(8), action: { kind: 'status', status: 400, code: 'RequestTimeout' } });
    local.proxy.addRule({ name: 'lost-complete', match: isCompleteMultipart(), action: { kind: 'drop-response' } });

    const engine = makeEngine(home, { concurrency: 4, planLimits: TINY, credentials, stallTimeoutMs: 1_000 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'faulty.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      const outcome = await done;
      expect(outcome.kind).toBe('completed');

      for (const rule of ['create-503', 'reset', 'reset-mid-body', 'stall', 'internal', 'expired', 'request-timeout', 'lost-complete']) {
        expect(local.proxy.fired(rule), rule).toBe(1);
      }
      expect(local.proxy.fired('slowdown')).toBe(2);
      expect(credentials.forced).toBe(1);

      const retries = engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'retry');
      const codes = new Set(retries.map((e) => e.data?.code));
      for (const code of ['SERVICE_UNAVAILABLE', 'NETWORK', 'STALLED', 'THROTTLED', 'CREDENTIALS_EXPIRED', 'TIMEOUT']) {
        expect(codes, `a retry logged as ${code}`).toContain(code);
      }
      expect(retries.every((e) => e.level === 'warn')).toBe(true);
      expect(sha256(await getObject(local.moto.endpoint, b, 'faulty.bin'))).toBe(file.sha256);
      expect(engine.journal.getTransfer(record.id)!.state).toBe('completed');
    } finally {
      await engine.close();
    }
  });

  it('recognises its own object when a retried completion is answered NoSuchUpload', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 3 * PART);
    // The first answer is lost after S3 completed; the retry is told the upload is gone.
    local.proxy.addRule({ name: 'lost', match: isCompleteMultipart(), action: { kind: 'drop-response' } });
    local.proxy.addRule({ name: 'gone', match: isCompleteMultipart(), action: { kind: 'status', status: 404, code: 'NoSuchUpload' } });
    const engine = makeEngine(home, { planLimits: TINY });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'lost.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await done).kind).toBe('completed');
      expect(local.proxy.fired('lost')).toBe(1);
      expect(local.proxy.fired('gone')).toBe(1);
      const types = engine.journal.queryLog({ transferId: record.id }).map((e) => e.type);
      expect(types).toContain('complete.confirmed');
      expect(types).not.toContain('upload.restarted');
      expect(sha256(await getObject(local.moto.endpoint, b, 'lost.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('retries ListParts failures on resume', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 6 * PART);
    const engine = makeEngine(home, { planLimits: TINY, concurrency: 1, bandwidthLimit: 4 * PART });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'list.bin'), partSize: PART });
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 2);
      await engine.manager.pause(record.id);
      engine.manager.setBandwidthLimit(null);
      local.proxy.addRule({ name: 'list-reset', match: isListParts(), action: { kind: 'reset-before-upstream' } });
      local.proxy.addRule({ name: 'list-500', match: isListParts(), action: { kind: 'status', status: 500, code: 'InternalError' } });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await done).kind).toBe('completed');
      expect(local.proxy.fired('list-reset') + local.proxy.fired('list-500')).toBe(2);
      expect(sha256(await getObject(local.moto.endpoint, b, 'list.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('stops on a permanent error (AccessDenied) with an actionable message, and resumes once it is fixed', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 5 * PART);
    const engine = makeEngine(home, { planLimits: TINY, concurrency: 1 });
    try {
      local.proxy.addRule({ name: 'denied', match: isUploadPart(3), action: { kind: 'status', status: 403, code: 'AccessDenied', message: 'Access Denied' }, times: Infinity });
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'denied.bin'), partSize: PART });
      const failed = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      const outcome = await failed;
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'ACCESS_DENIED', retryable: false } });
      if (outcome.kind === 'failed') expect(outcome.error.message).toMatch(/credentials may write to this bucket/);
      expect(local.proxy.fired('denied')).toBe(1); // not retried
      const stopped = engine.journal.getTransfer(record.id)!;
      expect(stopped).toMatchObject({ state: 'failed', errorCode: 'ACCESS_DENIED' });
      expect(stopped.partsDone).toBe(2);
      expect(stopped.uploadId).not.toBeNull();

      local.proxy.clearRules(); // the cause is fixed
      const logStart = local.proxy.log.length;
      const resumed = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await resumed).kind).toBe('completed');
      const resent = local.proxy.log.slice(logStart).filter((r) => r.method === 'PUT').map((r) => Number(new URLSearchParams(r.query).get('partNumber')));
      expect(resent.sort()).toEqual([3, 4, 5]);
      expect(sha256(await getObject(local.moto.endpoint, b, 'denied.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('notices an upload that vanished when the endpoint answers its parts with 500s instead of NoSuchUpload', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 4 * PART);
    const engine = makeEngine(home, { planLimits: TINY, concurrency: 1, bandwidthLimit: 2 * PART });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'vanished.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      await whenPartsDone(engine, record.id, 1);
      const doomed = engine.journal.getTransfer(record.id)!.uploadId!;
      // From now on the old upload's parts get a 500, as moto and some S3-compatible servers answer
      // for an upload that was aborted (say, by the cleanup job while the laptop slept).
      local.proxy.addRule({
        name: 'dead-upload',
        match: (req) => isUploadPart()(req) && req.query.get('uploadId') === doomed,
        action: { kind: 'status', status: 500, code: 'InternalError' },
        times: Infinity,
      });
      await s3ClientFor(local.moto.endpoint).send(new AbortMultipartUploadCommand({ Bucket: b, Key: 'vanished.bin', UploadId: doomed }));
      engine.manager.setBandwidthLimit(null);

      expect((await done).kind).toBe('completed');
      const after = engine.journal.getTransfer(record.id)!;
      expect(after.uploadId).not.toBe(doomed);
      // The store asks whether the upload is still there at the first 500 (s3-object-store.ts).
      expect(local.proxy.fired('dead-upload')).toBeGreaterThanOrEqual(1);
      expect(engine.journal.queryLog({ transferId: record.id }).some((e) => e.type === 'upload.restarted')).toBe(true);
      expect(sha256(await getObject(local.moto.endpoint, b, 'vanished.bin'))).toBe(file.sha256);
    } finally {
      await engine.close();
    }
  });

  it('waits longer for CompleteMultipartUpload than for parts: assembling a huge object takes the server a while', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 3 * PART);
    // The server takes 2.5 s to answer the completion, longer than the 1 s stall timeout for parts.
    local.proxy.addRule({ name: 'slow-complete', match: isCompleteMultipart(), action: { kind: 'delay', ms: 2_500 } });
    const engine = makeEngine(home, { planLimits: TINY, stallTimeoutMs: 1_000, completeTimeoutMs: 10_000 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'slow.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await done).kind).toBe('completed');
      expect(local.proxy.fired('slow-complete')).toBe(1);
      // Answered the first time: no retry, and only one completion request was sent.
      expect(engine.journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'retry')).toEqual([]);
      expect(local.proxy.log.filter((r) => r.method === 'POST' && r.query.includes('uploadId=') && r.path.endsWith('/slow.bin'))).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('gives up with UPLOAD_NOT_FOUND when the server forgets every new upload, instead of creating uploads for ever', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 2 * PART);
    local.proxy.addRule({ name: 'amnesia', match: isUploadPart(), action: { kind: 'status', status: 404, code: 'NoSuchUpload' }, times: Infinity });
    const engine = makeEngine(home, { planLimits: TINY, concurrency: 1 });
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'amnesia.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await done).toMatchObject({ kind: 'failed', error: { code: 'UPLOAD_NOT_FOUND' } });
      const log = engine.journal.queryLog({ transferId: record.id });
      expect(log.filter((e) => e.type === 'upload.restarted')).toHaveLength(5);
      expect(log.filter((e) => e.type === 'upload.created')).toHaveLength(6);
    } finally {
      await engine.close();
    }
  });

  it('reports how a run ended even when the journal cannot record the final state', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, 2 * PART);
    local.proxy.addRule({ name: 'denied', match: isUploadPart(), action: { kind: 'status', status: 403, code: 'AccessDenied' } });
    const engine = makeEngine(home, { planLimits: TINY });
    // The disk fills up just as the transfer fails: recording 'failed' throws.
    const setState = engine.journal.setState.bind(engine.journal);
    engine.journal.setState = (id, state, error) => {
      if (state === 'failed') throw new Error('SQLITE_FULL: database or disk is full');
      setState(id, state, error);
    };
    try {
      const record = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'full.bin'), partSize: PART });
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect(await done).toMatchObject({ kind: 'failed', error: { code: 'JOURNAL', message: expect.stringContaining('disk is full') } });
    } finally {
      engine.journal.setState = setState;
      await engine.close();
    }
  });
});

