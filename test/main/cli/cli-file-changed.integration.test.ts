// A file that changes during its upload is never completed with mixed contents: the transfer
// fails with FILE_CHANGED (exit 1); uploading the file again starts over and cancels the old one.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createBucket, uniqueBucketName } from '../../support/moto-server.js';
import {
  getObjectBytes,
  listTransfers,
  MiB,
  openUploads,
  parseJsonLines,
  progressWith,
  sha256,
  startCli,
  writeRandomFile,
  runCli,
  useCliStack,
} from './run-cli.js';

const stack = useCliStack('cli-changed');

describe('a file changed during upload', () => {
  it('fails with FILE_CHANGED and no object; uploading it again sends the new content', { timeout: 120_000 }, async () => {
    const dir = join(stack.scratch.path, 'changed');
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const bucket = uniqueBucketName('changed');
    await createBucket(stack.moto.endpoint, bucket);
    const file = join(dir, 'growing.log');
    writeRandomFile(file, 40 * MiB);
    const args = ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--part-size', '5MiB', '--json'];

    const cli = startCli([...args, '--limit-rate', '4MB/s'], { home });
    const firstId = (await cli.waitForJson((l) => l.type === 'transfer', 'the transfer line')).transferId as string;
    await cli.waitForJson(progressWith(firstId, 1), 'progress with a part done');
    appendFileSync(file, 'one more line\n');

    const exit = await cli.waitForExit();
    expect(exit.code, cli.transcript()).toBe(1);
    const result = parseJsonLines(exit.stdout).at(-1);
    expect(result).toMatchObject({ type: 'result', status: 'failed', transferId: firstId, error: { code: 'FILE_CHANGED', retryable: false } });
    expect((result!.error as { message: string }).message).toContain('changed during the upload');
    await expect(stack.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'growing.log' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    expect((await listTransfers(home)).map((t) => [t.id, t.state, t.errorCode])).toEqual([[firstId, 'failed', 'FILE_CHANGED']]);

    // Again, on the changed file: a new transfer of the new content; the old one is cancelled.
    const again = await runCli(args, { home });
    expect(again.code, again.stderr).toBe(0);
    const lines = parseJsonLines(again.stdout);
    const secondId = lines.find((l) => l.type === 'transfer')!.transferId as string;
    expect(secondId).not.toBe(firstId);
    const newContent = readFileSync(file);
    expect(lines.at(-1)).toMatchObject({ type: 'result', status: 'completed', transferId: secondId, size: newContent.length });

    const object = await getObjectBytes(stack.s3, bucket, 'growing.log');
    expect(object.length).toBe(40 * MiB + 'one more line\n'.length);
    expect(sha256(object)).toBe(sha256(newContent));

    const states = Object.fromEntries((await listTransfers(home)).map((t) => [t.id, t.state]));
    expect(states).toEqual({ [firstId]: 'cancelled', [secondId]: 'completed' });
    // The failed transfer's multipart upload was aborted when it was cancelled.
    expect(await openUploads(stack.s3, bucket)).toEqual([]);
  });
});
