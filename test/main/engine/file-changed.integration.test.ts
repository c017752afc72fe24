// A changed file never becomes an object made of old and new parts, however it was changed:
//  - overwritten in place by other bytes of the same size with its mtime put back (what `cp -p`,
//    `rsync -a`, `touch -r` and unzip do), during an upload or while it is paused: the change time
//    (ctime) gives it away;
//  - replaced by another file, or its symlink re-pointed, while paused: device and inode do;
//  - replaced by a named pipe while paused: refused at once, never waited on;
//  - changed where the file system records no change at all (FAT/exFAT keep no ctime): the
//    resume sample re-reads parts already sent and finds the difference.
// Each stops with FILE_CHANGED before any part of the changed file is sent, keeps the journal, and
// says what changed and what to do.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, renameSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeFileSource, type FileSource } from '../../../src/main/engine/index.js';
import { makeEngine, randomFile, target, tempDir, TINY_PARTS, useLocalS3, whenPartsDone, type Harness } from '../../support/engine-harness.js';
import { s3ClientFor } from '../../support/moto-server.js';
import { HeadObjectCommand } from '@aws-sdk/client-s3';

const local = useLocalS3();
const PART = 1024;
const PARTS = 40;

/** Rewrites `bytes` at `offset` in place, then puts the old atime and mtime back with `touch -r`. */
function overwriteKeepingMtime(path: string, offset: number, bytes: Buffer): void {
  const before = statSync(path, { bigint: true });
  const reference = `${path}.times`;
  execFileSync('touch', ['-r', path, reference]);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
  execFileSync('touch', ['-r', reference, path]);
  unlinkSync(reference);
  const after = statSync(path, { bigint: true });
  // The premise of the test: size and mtime as they were (to the nanosecond), inode the same.
  expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
  expect(after.ctimeNs).not.toBe(before.ctimeNs);
}

/** Starts an upload of `path` through the fault proxy, slowed down so that it can be interrupted. */
async function startSlow(engine: Harness, path: string, bucket: string, key: string) {
  const record = await engine.manager.add({ filePath: path, target: target(local.proxy.endpoint, bucket, key), partSize: PART });
  const done = engine.manager.waitFor(record.id);
  engine.manager.start(record.id);
  return { record, done };
}

async function pausedAfterSomeParts(home: string, name: string, files?: FileSource) {
  const b = await local.bucket();
  const file = randomFile(home, PARTS * PART, name);
  const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 1, bandwidthLimit: 8 * 1024, ...(files ? { files } : {}) });
  const { record } = await startSlow(engine, file.path, b, name);
  await whenPartsDone(engine, record.id, 3);
  await engine.manager.pause(record.id);
  engine.manager.setBandwidthLimit(null);
  return { b, file, engine, record, partsBefore: engine.journal.listParts(record.id).length };
}

/**
 * Resumes and expects FILE_CHANGED with no UploadPart (probes included) sent from then on. Counted
 * are the part requests the proxy saw whole and answered: the paused run's last part, aborted by
 * the pause, can reach the proxy's parser only after the pause returned (one event loop, a busy
 * machine); the client went away mid-body, so it has no status and is not a part sent.
 */
async function resumeExpectingChange(engine: Harness, id: string) {
  const from = local.proxy.log.length;
  const done = engine.manager.waitFor(id);
  engine.manager.start(id);
  const outcome = await done;
  expect(outcome.kind).toBe('failed');
  const sent = local.proxy.log.slice(from).filter((e) => e.method === 'PUT' && /(^|&)partNumber=/.test(e.query) && e.status !== undefined);
  expect(sent).toEqual([]);
  if (outcome.kind !== 'failed') throw new Error('not failed');
  return outcome.error;
}

async function objectExists(bucket: string, key: string): Promise<boolean> {
  return s3ClientFor(local.moto.endpoint)
    .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    .then(
      () => true,
      () => false,
    );
}

describe('a file changed with its size and mtime kept', () => {
  it('during the upload: stops with FILE_CHANGED, naming the change time, and completes nothing', async () => {
    const home = tempDir();
    const b = await local.bucket();
    const file = randomFile(home, PARTS * PART, 'during.bin');
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 1, bandwidthLimit: 8 * 1024 });
    try {
      const { record, done } = await startSlow(engine, file.path, b, 'during.bin');
      await whenPartsDone(engine, record.id, 2);
      overwriteKeepingMtime(file.path, (PARTS - 1) * PART, Buffer.alloc(PART, 7));
      const outcome = await done;
      expect(outcome).toMatchObject({ kind: 'failed', error: { code: 'FILE_CHANGED', retryable: false } });
      if (outcome.kind !== 'failed') return;
      expect(outcome.error.message).toMatch(/changed at .* although its size and modification time are as before/);
      expect(outcome.error.message).toMatch(/touch -r/);
      expect(await objectExists(b, 'during.bin')).toBe(false);
      expect(engine.journal.getTransfer(record.id)).toMatchObject({ state: 'failed', errorCode: 'FILE_CHANGED' });
    } finally {
      await engine.close();
    }
  });

  it('while paused: the resume stops before a single part is sent, and the journal is kept', async () => {
    const home = tempDir();
    const { b, file, engine, record, partsBefore } = await pausedAfterSomeParts(home, 'paused.bin');
    try {
      overwriteKeepingMtime(file.path, 0, Buffer.alloc(PART, 9));
      const error = await resumeExpectingChange(engine, record.id);
      expect(error.code).toBe('FILE_CHANGED');
      expect(error.message).toMatch(/changed at/);
      expect(engine.journal.listParts(record.id)).toHaveLength(partsBefore);
      expect(engine.journal.getTransfer(record.id)?.uploadId).not.toBeNull();
      expect(await objectExists(b, 'paused.bin')).toBe(false);
    } finally {
      await engine.close();
    }
  });

  it('uploading it again starts over with the new content, cancelling the old transfer', async () => {
    const home = tempDir();
    const { b, file, engine, record } = await pausedAfterSomeParts(home, 'again.bin');
    try {
      overwriteKeepingMtime(file.path, 0, Buffer.alloc(PART, 3));
      const fresh = await engine.manager.add({ filePath: file.path, target: target(local.proxy.endpoint, b, 'again.bin'), partSize: PART });
      expect(fresh.id).not.toBe(record.id);
      expect(engine.journal.getTransfer(record.id)?.state).toBe('cancelled');
      const cancelled = engine.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'transfer.cancelled');
      expect(cancelled?.message).toMatch(/the file changed \(it was changed at/);
    } finally {
      await engine.close();
    }
  });
});

describe('a path that names another file after a pause', () => {
  it('a file renamed over it: FILE_CHANGED, "the path now names another file"', async () => {
    const home = tempDir();
    const { file, engine, record } = await pausedAfterSomeParts(home, 'replaced.bin');
    try {
      const other = join(home, 'other.bin');
      // Same size, same mtime: only device and inode differ.
      writeFileSync(other, Buffer.alloc(PARTS * PART, 1));
      const before = statSync(file.path);
      utimesSync(other, before.atime, before.mtime);
      renameSync(other, file.path);
      const error = await resumeExpectingChange(engine, record.id);
      expect(error).toMatchObject({ code: 'FILE_CHANGED' });
      expect(error.message).toMatch(/the path now names another file/);
    } finally {
      await engine.close();
    }
  });

  it('a symlink re-pointed to another file: FILE_CHANGED', async () => {
    const home = tempDir();
    const first = randomFile(home, PARTS * PART, 'target-1.bin');
    const second = join(home, 'target-2.bin');
    writeFileSync(second, Buffer.alloc(PARTS * PART, 2));
    utimesSync(second, statSync(first.path).atime, statSync(first.path).mtime);
    const link = join(home, 'link.bin');
    symlinkSync(first.path, link);
    const b = await local.bucket();
    const engine = makeEngine(home, { planLimits: TINY_PARTS, concurrency: 1, bandwidthLimit: 8 * 1024 });
    try {
      const { record } = await startSlow(engine, link, b, 'link.bin');
      await whenPartsDone(engine, record.id, 2);
      await engine.manager.pause(record.id);
      engine.manager.setBandwidthLimit(null);
      unlinkSync(link);
      symlinkSync(second, link);
      const error = await resumeExpectingChange(engine, record.id);
      expect(error).toMatchObject({ code: 'FILE_CHANGED' });
      expect(error.message).toMatch(/the path now names another file/);
    } finally {
      await engine.close();
    }
  });

  it('a named pipe: refused at once (never waited on), saying what it is', async () => {
    const home = tempDir();
    const { file, engine, record } = await pausedAfterSomeParts(home, 'pipe.bin');
    try {
      unlinkSync(file.path);
      execFileSync('mkfifo', [file.path]);
      const error = await resumeExpectingChange(engine, record.id);
      expect(error.code).toBe('FILE_UNREADABLE');
      expect(error.message).toMatch(/is not a regular file but a named pipe/);
    } finally {
      await engine.close();
    }
  });
});

/**
 * A file source on a file system that keeps no change time (FAT, exFAT: the ctime reported is
 * the mtime), and where the inode of a file rewritten in place stays: its identity cannot tell.
 */
function filesWithoutChangeTime(): FileSource {
  const inner = new NodeFileSource();
  const noCtime = <T extends { mtimeNs: bigint }>(identity: T): T => ({ ...identity, ctimeNs: identity.mtimeNs });
  return {
    identify: async (path) => noCtime(await inner.identify(path)),
    open: async (path) => {
      const file = await inner.open(path);
      return { identity: async () => noCtime(await file.identity()), readExactly: (b, l, p) => file.readExactly(b, l, p), close: () => file.close() };
    },
  };
}

describe('the resume sample', () => {
  it('re-reads the first, the last and at least 8 more of the parts sent, and goes on when they match', async () => {
    const home = tempDir();
    const { engine, record, partsBefore } = await pausedAfterSomeParts(home, 'sampled.bin');
    try {
      // More parts sent before the pause than the sample takes, so that it is a sample.
      const done = engine.manager.waitFor(record.id);
      engine.manager.start(record.id);
      expect((await done).kind).toBe('completed');
      const sampled = engine.journal.queryLog({ transferId: record.id }).find((e) => e.type === 'resume.sampled');
      expect(sampled?.data).toMatchObject({ checkedParts: Math.min(partsBefore, 10), journaledParts: partsBefore, bytesRead: Math.min(partsBefore, 10) * PART });
    } finally {
      await engine.close();
    }
  });

  it('catches a rewrite the file system does not record: FILE_CHANGED naming the part, before any part is sent, the journal kept', async () => {
    const home = tempDir();
    const { file, engine, record, partsBefore } = await pausedAfterSomeParts(home, 'no-ctime.bin', filesWithoutChangeTime());
    try {
      // The first part sent, which the sample always reads.
      overwriteKeepingMtime(file.path, 0, Buffer.alloc(PART, 5));
      const error = await resumeExpectingChange(engine, record.id);
      expect(error.code).toBe('FILE_CHANGED');
      expect(error.message).toMatch(/part 1 \(bytes 0–1023\) now reads differently from what was sent/);
      expect(error.message).toContain(`dockside cancel ${record.id}`);
      expect(engine.journal.listParts(record.id)).toHaveLength(partsBefore);
      expect(engine.journal.queryLog({ transferId: record.id }).map((e) => e.type)).toContain('resume.sample-mismatch');
      // Resumed again, it stops again: nothing is sent on top of the old parts.
      expect((await resumeExpectingChange(engine, record.id)).code).toBe('FILE_CHANGED');
    } finally {
      await engine.close();
    }
  });
});
