// Ctrl-C and SIGTERM pause an upload cleanly (exit 75, journal says paused), `resume` finishes
// it, and `cancel` on a paused transfer leaves nothing behind on S3.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBucket, uniqueBucketName } from '../../support/moto-server.js';
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
  useCliStack,
} from './run-cli.js';

const TIMEOUT = { timeout: 120_000 };
const FILE_SIZE = 60 * MiB;

const stack = useCliStack('cli-signals');

interface Paused {
  home: string;
  bucket: string;
  file: string;
  data: Buffer;
  transferId: string;
  partsDone: number;
}

/** Starts a slow upload, sends `signal` once two parts are journaled, and checks it paused cleanly. */
async function uploadThenInterrupt(name: string, signal: NodeJS.Signals): Promise<Paused> {
  const dir = join(stack.scratch.path, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const bucket = uniqueBucketName(name);
  await createBucket(stack.moto.endpoint, bucket);
  const file = join(dir, 'big.bin');
  const data = writeRandomFile(file, FILE_SIZE);

  const cli = startCli(
    ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--limit-rate', '4MB/s', '--part-size', '5MiB', '--json'],
    { home },
  );
  const transfer = await cli.waitForJson((l) => l.type === 'transfer', 'the transfer line');
  const transferId = transfer.transferId as string;
  await cli.waitForJson(progressWith(transferId, 2), 'progress with 2 parts done');

  const exit = await cli.kill(signal);
  expect(exit.signal, cli.transcript()).toBeNull();
  expect(exit.code, cli.transcript()).toBe(75);
  const lines = parseJsonLines(exit.stdout);
  expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'paused', transferId, bucket, key: 'big.bin' });
  expect(exit.stderr).toContain(`${signal}: pausing`);

  const record = await getTransfer(home, transferId);
  expect(record.state).toBe('paused');
  expect(record.partsDone).toBeGreaterThanOrEqual(2);
  expect(record.partsDone).toBeLessThan(record.partCount);
  expect(record.uploadId).toEqual(expect.any(String));
  return { home, bucket, file, data, transferId, partsDone: record.partsDone };
}

describe('signals pause an upload', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: exit 75, paused in the journal; resume finishes it', TIMEOUT, async (signal) => {
    const paused = await uploadThenInterrupt(signal.toLowerCase(), signal);

    const resumed = await runCli(['resume', paused.transferId, '--json'], { home: paused.home });
    expect(resumed.code, resumed.stderr).toBe(0);
    const lines = parseJsonLines(resumed.stdout);
    expect(lines.find((l) => l.type === 'transfer')).toMatchObject({ transferId: paused.transferId });
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'completed', transferId: paused.transferId, size: FILE_SIZE });

    const object = await getObjectBytes(stack.s3, paused.bucket, 'big.bin');
    expect(object.length).toBe(FILE_SIZE);
    expect(sha256(object)).toBe(sha256(paused.data));
    expect((await getTransfer(paused.home, paused.transferId)).state).toBe('completed');
    expect(await openUploads(stack.s3, paused.bucket)).toEqual([]);

    // The resumed run kept the parts journaled before the signal.
    const log = await runCli(['log', paused.transferId, '--json'], { home: paused.home });
    const reconciled = parseJsonLines(log.stdout).filter((e) => e.type === 'resume.reconciled');
    expect(reconciled).toHaveLength(1);
    expect(reconciled[0]!.data).toMatchObject({ kept: paused.partsDone });
  });
});

describe('cancel', () => {
  it('cancels a paused transfer and aborts its multipart upload on S3', TIMEOUT, async () => {
    const paused = await uploadThenInterrupt('cancel', 'SIGINT');
    expect(await openUploads(stack.s3, paused.bucket)).toHaveLength(1);

    const cancelled = await runCli(['cancel', paused.transferId], { home: paused.home });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`Cancelled ${paused.transferId}; its multipart upload was aborted on S3.`);

    expect((await getTransfer(paused.home, paused.transferId)).state).toBe('cancelled');
    expect(await openUploads(stack.s3, paused.bucket)).toEqual([]);
    await expect(stack.s3.send(new HeadObjectCommand({ Bucket: paused.bucket, Key: 'big.bin' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });

    // A cancelled transfer is finished with: resuming it is refused as bad input.
    const again = await runCli(['resume', paused.transferId], { home: paused.home });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is cancelled; there is nothing to resume');
  });
});
