// The disk holding the journal fills up in the middle of an upload (a real, full tmpfs as
// DOCKSIDE_HOME; the file itself lives elsewhere): the CLI stops with a JOURNAL error that says
// the disk is full and what to do, exit code 1 and no stack trace; every part journaled before
// is kept, and after space is freed `dockside resume` finishes with the exact bytes.
//
// Mounting needs root (CI runs as root). Elsewhere the test is skipped and says so; the journal's
// error mapping itself is covered without root in test/main/journal/journal-errors.test.ts.
import { mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, uniqueBucketName } from '../../support/moto-server.js';
import { canMount, fillUp, mountSmallDisk } from '../../support/small-disk.js';
import {
  getObjectBytes,
  getTransfer,
  MiB,
  openUploads,
  parseJsonLines,
  progressWith,
  runCli,
  sha256,
  startCli,
  useCliStack,
  writeRandomFile,
} from './run-cli.js';

const FILE_SIZE = 40 * MiB;
const PART_COUNT = 8;

/** Stack-trace and crash markers that must never reach a person's terminal. */
const CRASH = /SqliteError|^\s+at\s|Node\.js v\d|unexpected error|UnhandledPromiseRejection/m;

const stack = useCliStack('cli-full');

describe.skipIf(!canMount)('the journal disk fills up mid-upload (tmpfs as DOCKSIDE_HOME; needs root to mount)', () => {
  let disk: ReturnType<typeof mountSmallDisk> | undefined;
  let mountPoint: string;
  beforeAll(() => {
    disk = mountSmallDisk('2m');
    mountPoint = disk.path;
  });
  afterAll(() => disk?.unmount());

  it('stops with a JOURNAL error saying the disk is full (exit 1, no stack trace); after freeing space, resume finishes byte for byte', { timeout: 120_000 }, async () => {
    const home = join(mountPoint, 'home');
    mkdirSync(home);
    const dir = join(stack.scratch.path, 'full');
    mkdirSync(dir);
    const bucket = uniqueBucketName('full');
    await createBucket(stack.moto.endpoint, bucket);
    const file = join(dir, 'big.bin');
    const data = writeRandomFile(file, FILE_SIZE);

    const upload = startCli(
      ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--part-size', '5MiB', '--limit-rate', '6MB/s', '--concurrency', '2', '--json'],
      { home },
    );
    const transferId = (await upload.waitForJson((l) => l.type === 'transfer', 'the transfer line')).transferId as string;
    const before = await upload.waitForJson(progressWith(transferId, 2), 'progress with two parts journaled');
    const partsBefore = before.partsDone as number;
    const filler = join(mountPoint, 'filler');
    expect(fillUp(filler)).toBeGreaterThan(0);

    const exit = await upload.waitForExit();
    expect(exit.code, upload.transcript()).toBe(1);
    expect(exit.stderr + exit.stdout).not.toMatch(CRASH);
    const result = parseJsonLines(exit.stdout).at(-1);
    expect(result, upload.transcript()).toMatchObject({ type: 'result', status: 'failed', transferId, error: { code: 'JOURNAL', retryable: false } });
    const message = (result!.error as { message: string }).message;
    expect(message).toContain(`The journal at ${join(home, 'journal.sqlite')}`);
    expect(message).toContain('the disk is full (SQLITE_FULL');
    expect(message).toContain('Free space on that disk');
    expect(message).toContain('`dockside resume`');

    // The same run in human output, on the still-full disk: the message, no crash.
    const human = await runCli(['resume', transferId], { home });
    expect(human.code, human.stderr).toBe(1);
    expect(human.stdout + human.stderr).not.toMatch(CRASH);
    expect(human.stdout + human.stderr).toContain('the disk is full (SQLITE_FULL');

    unlinkSync(filler);
    // Nothing journaled before the disk filled was lost.
    const kept = await getTransfer(home, transferId);
    expect(kept.partsDone).toBeGreaterThanOrEqual(partsBefore);
    expect(kept.state).not.toBe('completed');

    const resumed = await runCli(['resume', transferId, '--json'], { home });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(parseJsonLines(resumed.stdout).at(-1)).toMatchObject({ type: 'result', status: 'completed', transferId, size: FILE_SIZE });
    const object = await getObjectBytes(stack.s3, bucket, 'big.bin');
    expect(object.length).toBe(FILE_SIZE);
    expect(sha256(object)).toBe(sha256(data));
    expect(await getTransfer(home, transferId)).toMatchObject({ state: 'completed', partsDone: PART_COUNT, bytesDone: FILE_SIZE });
    expect(await openUploads(stack.s3, bucket)).toEqual([]);
  });
});
