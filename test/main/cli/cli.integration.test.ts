// The `dockside` CLI as users run it (a child process against a real moto): bad input, --json
// output, and plain output when stdout/stderr are pipes.
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  getObjectBytes,
  journalExists,
  listTransfers,
  MiB,
  openUploads,
  parseJsonLines,
  runCli,
  startCli,
  writeRandomFile,
  useCliStack,
} from './run-cli.js';

const TIMEOUT = { timeout: 120_000 };

const stack = useCliStack('cli');

/** A fresh DOCKSIDE_HOME and bucket for one test. */
/** Base64 of the big-endian CRC32, as S3 spells x-amz-checksum-crc32. */
function crc32Base64(data: Buffer): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32(data) >>> 0);
  return bytes.toString('base64');
}

describe('bad input', () => {
  interface BadCase {
    name: string;
    /** Arguments; FILE, DIR, BUCKET and ENDPOINT are replaced. */
    args: string[];
    stderr: RegExp;
  }
  // Everything but the one mistake is valid, so a CLI that let the mistake through would upload.
  const upload = ['upload', 'FILE', '--bucket', 'BUCKET', '--endpoint', 'ENDPOINT', '--part-size', '5MiB'];
  const cases: BadCase[] = [
    { name: 'a missing file', args: ['upload', 'MISSING', '--bucket', 'BUCKET', '--endpoint', 'ENDPOINT'], stderr: /missing\.bin does not exist/ },
    { name: 'a directory', args: ['upload', 'DIR', '--bucket', 'BUCKET', '--endpoint', 'ENDPOINT'], stderr: /is not a regular file|is a directory/ },
    { name: '--part-size 12XB', args: [...upload.slice(0, -1), '12XB'], stderr: /--part-size: "12XB" is not a size/ },
    { name: '--part-size 3MiB', args: [...upload.slice(0, -1), '3MiB'], stderr: /--part-size 3MiB: use a whole number of MiB from 5MiB/ },
    { name: '--concurrency 0', args: [...upload, '--concurrency', '0'], stderr: /--concurrency 0: use a whole number from 1 to 64/ },
    { name: '--limit-rate fast', args: [...upload, '--limit-rate', 'fast'], stderr: /--limit-rate: "fast" is not a rate/ },
    { name: '--checksum-type sha1', args: [...upload, '--checksum-type', 'sha1'], stderr: /--checksum-type sha1: use full-object or composite/ },
    { name: 'an unknown flag', args: [...upload, '--frobnicate'], stderr: /^dockside: unknown option '--frobnicate'/ },
    { name: 'no --bucket', args: ['upload', 'FILE', '--endpoint', 'ENDPOINT'], stderr: /name a bucket with --bucket \(or set DOCKSIDE_BUCKET\)/ },
    { name: '--key with two files', args: ['upload', 'FILE', 'FILE2', '--key', 'one', '--bucket', 'BUCKET', '--endpoint', 'ENDPOINT'], stderr: /--key names one object/ },
    { name: 'resume with no id and no --all', args: ['resume'], stderr: /Name the transfers to resume, or use --all/ },
    { name: 'resume of an unknown id', args: ['resume', 'nosuchid'], stderr: /No transfer nosuchid/ },
    { name: 'log --level loud', args: ['log', '--level', 'loud'], stderr: /--level loud: use one of debug, info, warn, error/ },
  ];

  it.each(cases)('$name: exit 2, says why on stderr, journals nothing', TIMEOUT, async ({ args, stderr }) => {
    const { home, bucket, dir } = await stack.fixture('bad');
    const file = join(dir, 'data.bin');
    const file2 = join(dir, 'data2.bin');
    writeRandomFile(file, 1 * MiB);
    writeRandomFile(file2, 1 * MiB);
    const substitutes: Record<string, string> = {
      FILE: file,
      FILE2: file2,
      MISSING: join(dir, 'missing.bin'),
      DIR: dir,
      BUCKET: bucket,
      ENDPOINT: stack.moto.endpoint,
    };
    const result = await runCli(
      args.map((a) => substitutes[a] ?? a),
      { home },
    );

    expect(result.code, `stderr: ${result.stderr}`).toBe(2);
    expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe('');
    // Nothing journaled: either no journal at all, or one with no transfers in it.
    if (journalExists(home)) expect(await listTransfers(home)).toEqual([]);
    // Nothing sent.
    const objects = await stack.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(objects.KeyCount ?? 0).toBe(0);
    expect(await openUploads(stack.s3, bucket)).toEqual([]);
  });
});

describe('upload --json', () => {
  it('prints only JSON lines: the transfer, progress, and a completed result with a correct CRC32', TIMEOUT, async () => {
    const { home, bucket, dir } = await stack.fixture('json');
    const file = join(dir, 'twenty-five.bin');
    const data = writeRandomFile(file, 25 * MiB);

    const result = await runCli(['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint, '--part-size', '5MiB', '--json'], { home });
    expect(result.code, `stderr: ${result.stderr}`).toBe(0);

    const lines = parseJsonLines(result.stdout); // throws on any non-JSON line
    const transfer = lines.find((l) => l.type === 'transfer');
    expect(transfer).toMatchObject({ type: 'transfer', file, bucket, key: 'twenty-five.bin', size: 25 * MiB, partSize: 5 * MiB, partCount: 5 });
    const transferId = transfer!.transferId as string;
    expect(transferId).toEqual(expect.any(String));

    const progress = lines.filter((l) => l.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(1);
    for (const p of progress) {
      expect(p).toMatchObject({ transferId, bytesTotal: 25 * MiB, bytesDone: expect.any(Number) });
      expect(p.bytesDone as number).toBeLessThanOrEqual(25 * MiB);
    }

    const final = lines.at(-1)!;
    expect(final).toMatchObject({
      type: 'result',
      status: 'completed',
      transferId,
      bucket,
      key: 'twenty-five.bin',
      size: 25 * MiB,
      checksum: crc32Base64(data),
      uploadId: expect.any(String),
    });
    expect(lines.filter((l) => l.type === 'result')).toHaveLength(1);

    expect((await getObjectBytes(stack.s3, bucket, 'twenty-five.bin')).equals(data)).toBe(true);
    expect(await openUploads(stack.s3, bucket)).toEqual([]);

    const listed = await listTransfers(home);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: transferId, state: 'completed', partsDone: 5, partCount: 5, bytesDone: 25 * MiB });

    const log = await runCli(['log', transferId], { home });
    expect(log.code, log.stderr).toBe(0);
    const human = log.stdout.split('\n').filter((l) => l !== '');
    expect(human.length).toBeGreaterThan(1);
    for (const line of human) expect(line).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} {2}(DEBUG|INFO |WARN |ERROR) {2}\S/);
    expect(log.stdout).toContain('Upload complete');

    const logJson = await runCli(['log', transferId, '--json'], { home });
    expect(logJson.code, logJson.stderr).toBe(0);
    const entries = parseJsonLines(logJson.stdout);
    expect(entries.length).toBe(human.length);
    for (const entry of entries) expect(entry).toMatchObject({ transferId, type: expect.any(String), level: expect.any(String), message: expect.any(String) });
    expect(entries.map((e) => e.type)).toEqual(expect.arrayContaining(['transfer.started', 'upload.created', 'transfer.completed']));
  });
});

describe('output closed by the reader (`dockside log | head -1`)', () => {
  // BUG (src/main/cli/main.ts and the commands' process.stdout.write calls): nothing handles
  // EPIPE on stdout, so when the reader of a pipe goes away (`dockside log | head`, `ls --json |
  // head -c 100`) Node crashes with "Unhandled 'error' event ... write EPIPE" and a stack trace on
  // stderr (exit code 1). A CLI should stop quietly. `upload --json | head` dies the same way,
  // mid-upload (no pause, no result).
  it.each([
    { name: 'log', args: ['log'] },
    { name: 'ls --json', args: ['ls', '--json'] },
  ])('`dockside $name` stops quietly when stdout is closed', TIMEOUT, async ({ args }) => {
    const { home, bucket, dir } = await stack.fixture('epipe');
    const file = join(dir, 'small.bin');
    writeRandomFile(file, 1 * MiB);
    const upload = await runCli(['upload', file, '--bucket', bucket, '--endpoint', stack.moto.endpoint], { home });
    expect(upload.code, upload.stderr).toBe(0);

    const cli = startCli(args, { home });
    cli.child.stdout!.destroy(); // the reader is gone before the CLI writes a byte
    const exit = await cli.waitForExit();
    expect(exit.stderr).not.toMatch(/EPIPE|Unhandled 'error' event|\n\s+at /);
    expect(exit.code).toBe(0);
  });
});

describe('plain output (not a terminal, no --json)', () => {
  it('prints the done line with s3://bucket/key on stdout, and what verified it, and exits 0', TIMEOUT, async () => {
    const { home, bucket, dir } = await stack.fixture('plain');
    const file = join(dir, 'plain.bin');
    const data = writeRandomFile(file, 12 * MiB);

    const result = await runCli(['upload', file, '--bucket', bucket, '--key', 'some/where/plain.bin', '--endpoint', stack.moto.endpoint], { home });
    expect(result.code, `stderr: ${result.stderr}`).toBe(0);

    const out = result.stdout.split('\n').filter((l) => l !== '');
    // moto checks no checksum (the probes find that out), so the line is marked `!`, not `✓`,
    // and says that only sizes were compared.
    expect(out).toEqual([
      `! ${file} → s3://${bucket}/some/where/plain.bin (12.6 MB, CRC32 ${crc32Base64(data)})`,
      '  not verified by the server, which checks no checksum: only sizes were compared',
    ]);
    // What is going on goes to stderr, with the transfer id to resume it by.
    const [listed] = await listTransfers(home);
    expect(result.stderr).toContain(`${file} → s3://${bucket}/some/where/plain.bin`);
    expect(result.stderr).toContain(`[${listed!.id}]`);
    expect(listed!.state).toBe('completed');
    expect((await getObjectBytes(stack.s3, bucket, 'some/where/plain.bin')).equals(data)).toBe(true);
  });
});
