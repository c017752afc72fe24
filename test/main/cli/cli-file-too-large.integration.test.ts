// `dockside upload` of a real file above S3's largest object (10,000 x 5 GiB = 48.8 TiB): a sparse
// file on tmpfs (/dev/shm), since ext4 holds no file above 16 TiB. The CLI must refuse it as bad
// input (exit 2, one line, no stack), journal nothing and send nothing, straight to S3 or through
// a backend. A file of exactly the maximum goes on to S3: the refusal is about the size alone.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHttp, type LocalHttp } from '../../support/local-http.js';
import { S3_MAX_OBJECT_BYTES as MAX, sparseDir, type SparseDir } from '../../support/sparse-file.js';
import { journalExists, killLeftovers, listTransfers, runCli } from './run-cli.js';

const TIMEOUT = { timeout: 60_000 };

let sparse: SparseDir;
let http: LocalHttp;

beforeAll(async () => {
  sparse = sparseDir('too-large');
  http = await startLocalHttp();
});

afterEach(async () => {
  await killLeftovers();
  http.requests.length = 0;
});

afterAll(async () => {
  await http?.close();
  sparse?.remove();
});

/** One line on stderr saying the real limit, and nothing that looks like a stack trace. */
function expectOneLineRefusal(stderr: string, path: string): void {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toBe(
    `dockside: ${path}: The file is ${MAX + 1} bytes (48.8 TiB); an S3 object can be at most ${MAX} bytes (48.8 TiB). Split the file before uploading it.`,
  );
  expect(stderr).not.toMatch(/unexpected error|PartPlanError|\n\s+at /);
}

describe('dockside upload of a file above 48.8 TiB', () => {
  it('straight to S3: exit 2, one line, nothing journaled, no request sent', TIMEOUT, async () => {
    const big = sparse.file('too-big.bin', MAX + 1);
    const home = join(sparse.path, 'home-standalone');
    const result = await runCli(['upload', big, '--bucket', 'dock', '--endpoint', http.url], { home });

    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expectOneLineRefusal(result.stderr, big);
    if (journalExists(home)) expect(await listTransfers(home)).toEqual([]);
    expect(http.requests).toEqual([]);
  });

  it('with --part-size 5GiB, the biggest part S3 allows: still refused the same way', TIMEOUT, async () => {
    const big = sparse.file('too-big-5g.bin', MAX + 1);
    const home = join(sparse.path, 'home-5g');
    const result = await runCli(['upload', big, '--bucket', 'dock', '--endpoint', http.url, '--part-size', '5GiB'], { home });

    expect(result.code, result.stderr).toBe(2);
    expectOneLineRefusal(result.stderr, big);
    if (journalExists(home)) expect(await listTransfers(home)).toEqual([]);
    expect(http.requests).toEqual([]);
  });

  it('through a backend: exit 2 before any upload is asked of the backend', TIMEOUT, async () => {
    const big = sparse.file('too-big-backend.bin', MAX + 1);
    const home = join(sparse.path, 'home-backend');
    const result = await runCli(['upload', big], { home, env: { DOCKSIDE_BACKEND_URL: http.url, DOCKSIDE_TOKEN: 'token' } });

    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expectOneLineRefusal(result.stderr, big);
    if (journalExists(home)) expect(await listTransfers(home)).toEqual([]);
    expect(http.requests).toEqual([]);
  });

  it('a file of exactly the maximum is not refused: it is journaled as 10,000 parts of 5 GiB and goes to S3', TIMEOUT, async () => {
    const max = sparse.file('max.bin', MAX);
    const home = join(sparse.path, 'home-max');
    // The "S3" refuses the upload for good (403), so the run ends without sending a byte of the file.
    http.handle((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
    });
    const result = await runCli(['upload', max, '--bucket', 'dock', '--endpoint', http.url, '--json'], { home });

    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).not.toMatch(/48\.8 TiB|unexpected error/);
    // CreateMultipartUpload was asked for: the file got past every check.
    expect(http.requests.some((r) => r.method === 'POST' && /^\/dock\/max\.bin\?uploads(=|&|$)/.test(r.url))).toBe(true);
    const transfers = await listTransfers(home);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({ fileSize: MAX, partCount: 10_000, errorCode: 'ACCESS_DENIED' });
  });
});
