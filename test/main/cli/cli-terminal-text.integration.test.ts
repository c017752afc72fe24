// Text that others control reaches the terminal shown, never obeyed: a file whose name holds
// ESC[2J (clear screen), an OSC title sequence, a C1 CSI and a bidi override is printed escaped
// by `upload`, `ls` and `log` (and by errors, `cancel`, an S3 server's error message); --json
// stays JSON that parses back to the exact name. And a key with control characters (a newline
// in the file name, standalone mode) is refused as bad input (exit 2) with a way out, instead
// of ending as a misleading BUCKET_NOT_FOUND.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startLocalHttp } from '../../support/local-http.js';
import { createBucket, uniqueBucketName } from '../../support/moto-server.js';
import { getObjectBytes, journalExists, parseJsonLines, runCli, sha256, useCliStack, writeRandomFile, type CliExit } from './run-cli.js';

const CLEAR = '\u001b[2J';
const TITLE = '\u001b]0;pwned\u0007';
const EVIL_NAME = `report${CLEAR}${TITLE}\u009b31m\u202Efdp.bin`;
const SHOWN_NAME = 'report\\e[2J\\e]0;pwned\\x07\\x9b31m\\u202efdp.bin';
/** Anything a terminal would obey; a line break of the output's own and a tab are allowed. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const stack = useCliStack('cli-text');

function output(result: CliExit): string {
  return result.stdout + result.stderr;
}

function expectShownNotObeyed(result: CliExit): void {
  expect(output(result)).not.toMatch(OBEYED);
}

describe('file names with terminal escape codes', () => {
  it('upload, ls and log print them escaped; --json keeps the exact name as JSON', { timeout: 120_000 }, async () => {
    const dir = join(stack.scratch.path, 'evil');
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const bucket = uniqueBucketName('text');
    await createBucket(stack.moto.endpoint, bucket);
    const file = join(dir, EVIL_NAME);
    const data = writeRandomFile(file, 64 * 1024);
    const base = ['--bucket', bucket, '--endpoint', stack.moto.endpoint];

    // The name as the key: refused before anything is journaled, the name shown escaped.
    const refused = await runCli(['upload', file, ...base], { home });
    expect(refused.code, output(refused)).toBe(2);
    expectShownNotObeyed(refused);
    expect(refused.stderr).toContain(`${join(dir, SHOWN_NAME)}: the file name contains control characters`);
    expect(refused.stderr).toContain("--key 'report_[2J_]0;pwned_31m_fdp.bin'");
    expect(journalExists(home)).toBe(false);

    const upload = await runCli(['upload', file, ...base, '--key', 'report.bin'], { home });
    expect(upload.code, output(upload)).toBe(0);
    expectShownNotObeyed(upload);
    // `!`: moto checks no checksum, so the done line does not claim the server verified it.
    expect(upload.stdout).toContain(`! ${join(dir, SHOWN_NAME)} → s3://${bucket}/report.bin`);
    expect(upload.stderr).toContain(`${join(dir, SHOWN_NAME)} → s3://${bucket}/report.bin`);
    expect(sha256(await getObjectBytes(stack.s3, bucket, 'report.bin'))).toBe(sha256(data));

    const ls = await runCli(['ls'], { home });
    expect(ls.code, output(ls)).toBe(0);
    expectShownNotObeyed(ls);
    expect(ls.stdout).toContain(`${join(dir, SHOWN_NAME)} → s3://${bucket}/report.bin`);

    const log = await runCli(['log'], { home });
    expect(log.code, output(log)).toBe(0);
    expectShownNotObeyed(log);
    expect(log.stdout).toContain(`Queued ${join(dir, SHOWN_NAME)} for s3://${bucket}/report.bin.`);

    // JSON output stays JSON: the exact name comes back from parsing, nothing raw on the way.
    const lsJson = await runCli(['ls', '--json'], { home });
    expectShownNotObeyed(lsJson);
    expect((JSON.parse(lsJson.stdout) as Array<{ filePath: string }>)[0]!.filePath).toBe(file);
    const logJson = await runCli(['log', '--json'], { home });
    expectShownNotObeyed(logJson);
    expect(parseJsonLines(logJson.stdout)[0]!.message).toBe(`Queued ${file} for s3://${bucket}/report.bin.`);
    const uploadJson = await runCli(['upload', file, ...base, '--key', 'report-2.bin', '--json'], { home });
    expect(uploadJson.code, output(uploadJson)).toBe(0);
    expectShownNotObeyed(uploadJson);
    expect(parseJsonLines(uploadJson.stdout).at(-1)).toMatchObject({ type: 'result', status: 'completed', file });
  });

  it('an S3 server whose error message carries escape codes: the failure and the log show them escaped', { timeout: 60_000 }, async () => {
    const dir = join(stack.scratch.path, 'server');
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true });
    const file = join(dir, 'plain.bin');
    writeRandomFile(file, 1024);
    const server = await startLocalHttp();
    server.handle((_req, res) => {
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>denied${TITLE}${CLEAR}</Message></Error>`;
      res.writeHead(403, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    try {
      const upload = await runCli(['upload', file, '--bucket', 'some-bucket', '--endpoint', server.url], { home });
      expect(upload.code, output(upload)).toBe(1);
      expectShownNotObeyed(upload);
      expect(upload.stdout).toContain('denied\\e]0;pwned\\x07\\e[2J');
      const log = await runCli(['log', '--level', 'error'], { home });
      expectShownNotObeyed(log);
      expect(log.stdout).toContain('denied\\e]0;pwned\\x07\\e[2J');
    } finally {
      await server.close();
    }
  });

  it('arguments typed with escape codes come back escaped in errors (cancel, an unknown option)', async () => {
    const home = join(stack.scratch.path, 'args-home');
    const cancel = await runCli(['cancel', `x${CLEAR}`], { home });
    expect(cancel.code, output(cancel)).toBe(2);
    expectShownNotObeyed(cancel);
    expect(cancel.stderr).toContain('No transfer x\\e[2J.');
    const option = await runCli(['ls', `--x${TITLE}`], { home });
    expect(option.code, output(option)).toBe(2);
    expectShownNotObeyed(option);
    expect(option.stderr).toContain('--x\\e]0;pwned\\x07');
  });
});

describe('a newline in the file name (standalone: the key defaults to the name)', () => {
  it('is refused as bad input (exit 2) naming the way out, not BUCKET_NOT_FOUND; with --key it uploads', { timeout: 60_000 }, async () => {
    const { dir, home, bucket } = await stack.fixture('newline');
    const file = join(dir, 'two\nlines.bin');
    const data = writeRandomFile(file, 4096);
    const base = ['--bucket', bucket, '--endpoint', stack.moto.endpoint];

    const refused = await runCli(['upload', file, ...base], { home });
    expect(refused.code, output(refused)).toBe(2);
    expect(output(refused)).not.toContain('BUCKET_NOT_FOUND');
    expect(output(refused)).not.toMatch(/bucket name|bucket exists/i);
    expect(refused.stderr).toBe(
      `dockside: ${join(dir, 'two\\nlines.bin')}: the file name contains control characters (a newline, tab, escape or other control character), which S3 listings and most tools cannot handle, so it cannot be the object key. Name the object with --key, such as --key 'two_lines.bin' (or rename the file).\n`,
    );
    expect(journalExists(home)).toBe(false);

    const badKey = await runCli(['upload', file, ...base, '--key', 'a\rb'], { home });
    expect(badKey.code, output(badKey)).toBe(2);
    expect(badKey.stderr).toContain("--key a\\rb: the key contains control characters");
    expect(journalExists(home)).toBe(false);

    const named = await runCli(['upload', file, ...base, '--key', 'two_lines.bin'], { home });
    expect(named.code, output(named)).toBe(0);
    expect(sha256(await getObjectBytes(stack.s3, bucket, 'two_lines.bin'))).toBe(sha256(data));
  });
});

