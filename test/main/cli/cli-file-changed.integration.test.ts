// A file that changes during its upload is never completed with mixed contents: the transfer
// fails with FILE_CHANGED (exit 1); uploading the file again starts over and cancels the old one.
// The same when it is rewritten in place with its mtime put back (`touch -r`) after a SIGKILL:
// re-running `upload` sends the new content whole, never the new tail on the old head.
import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
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
    const { dir, home, bucket } = await stack.fixture('changed');
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

describe('a file rewritten in place with its mtime put back, after a SIGKILL', () => {
  it('re-running upload starts over with the new content, whole; the killed transfer is cancelled', { timeout: 120_000 }, async () => {
    const { dir, home, bucket } = await stack.fixture('rewritten');
    const file = join(dir, 'archive.tar');
    writeRandomFile(file, 30 * MiB);
    const args = ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--part-size', '5MiB', '--json'];

    const cli = startCli([...args, '--limit-rate', '4MB/s'], { home });
    const firstId = (await cli.waitForJson((l) => l.type === 'transfer', 'the transfer line')).transferId as string;
    await cli.waitForJson(progressWith(firstId, 2), 'progress with two parts done');
    expect((await cli.kill('SIGKILL')).signal).toBe('SIGKILL');

    // Another archive of the same size over the old one, and its times put back, as an unzip does.
    const before = statSync(file, { bigint: true });
    execFileSync('touch', ['-r', file, `${file}.times`]);
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(30 * MiB, 0x5a), 0, 30 * MiB, 0);
    closeSync(fd);
    execFileSync('touch', ['-r', `${file}.times`, file]);
    expect(statSync(file, { bigint: true })).toMatchObject({ size: before.size, mtimeNs: before.mtimeNs, ino: before.ino });

    const again = await runCli(args, { home });
    expect(again.code, again.stderr).toBe(0);
    const lines = parseJsonLines(again.stdout);
    const secondId = lines.find((l) => l.type === 'transfer')!.transferId as string;
    expect(secondId).not.toBe(firstId);
    expect(sha256(await getObjectBytes(stack.s3, bucket, 'archive.tar'))).toBe(sha256(readFileSync(file)));
    const states = Object.fromEntries((await listTransfers(home)).map((t) => [t.id, t.state]));
    expect(states).toEqual({ [firstId]: 'cancelled', [secondId]: 'completed' });
    expect(await openUploads(stack.s3, bucket)).toEqual([]);
  });
});

describe('what verified an upload, in words', () => {
  it('on moto, which checks no checksum: says so, never "verified", in the output, the JSON result and ls', { timeout: 60_000 }, async () => {
    const { dir, home, bucket } = await stack.fixture('words');
    const file = join(dir, 'scan.bin');
    writeRandomFile(file, 6 * MiB);
    const base = ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint];

    const human = await runCli(base, { home });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^! .*scan\.bin → s3:\/\/.*\n {2}not verified by the server, which checks no checksum: only sizes were compared\n/m);
    expect(human.stdout + human.stderr).not.toMatch(/and verified|verified by the server, which checked/);

    writeRandomFile(file, 6 * MiB + 1);
    const json = await runCli([...base, '--verify-file', '--json'], { home });
    expect(json.code, json.stderr).toBe(0);
    expect(parseJsonLines(json.stdout).at(-1)).toMatchObject({ type: 'result', status: 'completed', verification: 'size-only', fileReread: true });

    const ls = await runCli(['ls'], { home });
    expect(ls.stdout).toMatch(/VERIFIED BY/);
    expect(ls.stdout).toMatch(/size only \+ file re-read/);
  });

  it('with `config set verifyFile true`, upload re-reads each file without the flag, and keeps that with the transfer', { timeout: 60_000 }, async () => {
    const { dir, home, bucket } = await stack.fixture('setting');
    const file = join(dir, 'scan.bin');
    writeRandomFile(file, 6 * MiB);
    const base = ['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--json'];

    const set = await runCli(['config', 'set', 'verifyFile', 'true'], { home });
    expect(set.code, set.stderr).toBe(0);
    const on = await runCli(base, { home });
    expect(on.code, on.stderr).toBe(0);
    const onLines = parseJsonLines(on.stdout);
    expect(onLines.at(-1)).toMatchObject({ type: 'result', status: 'completed', verification: 'size-only', fileReread: true });
    const onId = onLines.find((l) => l.type === 'transfer')!.transferId as string;

    const unset = await runCli(['config', 'set', 'verifyFile', 'false'], { home });
    expect(unset.code, unset.stderr).toBe(0);
    writeRandomFile(file, 6 * MiB + 1);
    const off = await runCli(base, { home });
    expect(off.code, off.stderr).toBe(0);
    const offLines = parseJsonLines(off.stdout);
    expect(offLines.at(-1)).toMatchObject({ type: 'result', status: 'completed', fileReread: false });
    const offId = offLines.find((l) => l.type === 'transfer')!.transferId as string;

    const journaled = (await listTransfers(home)) as unknown as { id: string; verifyFile: boolean }[];
    expect(Object.fromEntries(journaled.map((t) => [t.id, t.verifyFile]))).toEqual({ [onId]: true, [offId]: false });
  });
});

