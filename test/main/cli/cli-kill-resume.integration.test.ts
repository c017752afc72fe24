// SIGKILL at any moment, several times in one transfer: the journal is the truth, `resume` (or
// running `upload` on the same file again) continues where it stopped, and the object is exact.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
  writeRandomFile,
  type CliProcess,
  useCliStack,
} from './run-cli.js';

const FILE_SIZE = 60 * MiB;
const PART_COUNT = 12;

const stack = useCliStack('cli-kill');

describe('SIGKILL', () => {
  it('killed three times (upload, resume, upload again), the transfer still completes byte for byte', { timeout: 120_000 }, async () => {
    const { dir, home, bucket } = await stack.fixture('kill');
    const file = join(dir, 'big.bin');
    const data = writeRandomFile(file, FILE_SIZE);
    const uploadArgs = ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--part-size', '5MiB', '--json'];
    // Two parts in flight (they finish about together under the shared rate cap), so each kill
    // lands a pair or so of parts after the last and three kills leave work for the final run.
    const slow = ['--limit-rate', '6MB/s', '--concurrency', '2'];

    /** Waits for `more` parts beyond `after`, SIGKILLs the CLI, and returns what the journal then says. */
    const killAfterMoreParts = async (cli: CliProcess, transferId: string, after: number, more: number) => {
      await cli.waitForJson(progressWith(transferId, after + more), `progress with ${after + more} parts done`);
      const exit = await cli.kill('SIGKILL');
      expect(exit.signal, cli.transcript()).toBe('SIGKILL');
      // Whatever it printed before dying is still whole JSON lines, with no result.
      expect(parseJsonLines(exit.stdout).filter((l) => l.type === 'result')).toEqual([]);
      const record = await getTransfer(home, transferId);
      expect(record.state).not.toBe('completed');
      expect(record.partsDone).toBeGreaterThanOrEqual(after + more);
      expect(record.partsDone).toBeLessThan(PART_COUNT);
      return record;
    };

    // 1. upload, killed once two parts are journaled.
    const first = startCli([...uploadArgs, ...slow], { home });
    const transferId = (await first.waitForJson((l) => l.type === 'transfer', 'the transfer line')).transferId as string;
    const afterFirst = await killAfterMoreParts(first, transferId, 0, 2);
    expect(afterFirst.uploadId).toEqual(expect.any(String));
    // The journal still says running (nobody could say otherwise); `ls` tells people the truth.
    expect(afterFirst.state).toBe('running');
    const listed = await runCli(['ls'], { home });
    expect(listed.stdout).toMatch(new RegExp(`${transferId}\\s+interrupted`));

    // 2. resume, killed once at least one more part is journaled.
    const second = startCli(['resume', transferId, ...slow, '--json'], { home });
    expect(await second.waitForJson((l) => l.type === 'transfer', 'the transfer line')).toMatchObject({ transferId });
    const afterSecond = await killAfterMoreParts(second, transferId, afterFirst.partsDone, 1);
    expect(afterSecond.partsDone).toBeGreaterThan(afterFirst.partsDone);
    expect(afterSecond.uploadId).toBe(afterFirst.uploadId);

    // 3. `upload` of the same file again continues the same transfer; killed again.
    const third = startCli([...uploadArgs, ...slow], { home });
    expect(await third.waitForJson((l) => l.type === 'transfer', 'the transfer line')).toMatchObject({ transferId, partCount: PART_COUNT });
    const afterThird = await killAfterMoreParts(third, transferId, afterSecond.partsDone, 1);
    expect(afterThird.partsDone).toBeGreaterThan(afterSecond.partsDone);
    expect(afterThird.uploadId).toBe(afterFirst.uploadId);

    // 4. resume to the end, without a rate limit.
    const last = await runCli(['resume', transferId, '--json'], { home });
    expect(last.code, last.stderr).toBe(0);
    const lines = parseJsonLines(last.stdout);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'completed', transferId, uploadId: afterFirst.uploadId, size: FILE_SIZE });

    const object = await getObjectBytes(stack.s3, bucket, 'big.bin');
    expect(object.length).toBe(FILE_SIZE);
    expect(sha256(object)).toBe(sha256(data));
    const final = await getTransfer(home, transferId);
    expect(final).toMatchObject({ state: 'completed', partsDone: PART_COUNT, bytesDone: FILE_SIZE });
    expect(await openUploads(stack.s3, bucket)).toEqual([]);

    // Every restart reconciled the journal with S3's part list, and `upload` said it reused the transfer.
    const log = await runCli(['log', transferId, '--json'], { home });
    expect(log.code, log.stderr).toBe(0);
    const types = parseJsonLines(log.stdout).map((e) => e.type);
    expect(types.filter((t) => t === 'resume.reconciled')).toHaveLength(3);
    expect(types.filter((t) => t === 'transfer.reused')).toHaveLength(1);
    expect(types.filter((t) => t === 'upload.created')).toHaveLength(1);
    expect(types.filter((t) => t === 'transfer.completed')).toHaveLength(1);
  });
});
