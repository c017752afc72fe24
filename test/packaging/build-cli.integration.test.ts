// The bundled `dockside` (npm run build:cli) is the same CLI: it starts, knows its version, and
// uploads a multi-part file to S3 byte for byte, as the sources run through tsx do.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.js';
import { createBucket, uniqueBucketName } from '../support/moto-server.js';
import { getObjectBytes, MiB, openUploads, parseJsonLines, REPO_ROOT, runCli, sha256, useCliStack, writeRandomFile } from '../main/cli/run-cli.js';

const stack = useCliStack('bundle');
// Inside the repository, as dist/cli is: better-sqlite3 and package.json are found above it.
const outDir = join(REPO_ROOT, 'dist', `test-cli-${randomBytes(4).toString('hex')}`);
const bundle = join(outDir, 'dockside.mjs');
const VERSION = (await import('../../package.json', { with: { type: 'json' } })).default.version;

beforeAll(async () => {
  await buildCli(bundle);
}, 120_000);
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('the bundled CLI', () => {
  it('is one file that runs on its own and knows its version', async () => {
    expect(existsSync(bundle)).toBe(true);
    const home = join(stack.scratch.path, 'version');
    const out = await runCli(['--version'], { home, entry: [bundle] });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe(VERSION);
  });

  it('uploads a multi-part file byte for byte and leaves no multipart upload behind', async () => {
    const dir = join(stack.scratch.path, 'upload');
    mkdirSync(dir, { recursive: true });
    const bucket = uniqueBucketName('bundle');
    await createBucket(stack.moto.endpoint, bucket);
    const bytes = writeRandomFile(join(dir, 'big.bin'), 11 * MiB + 5);
    const out = await runCli(
      ['upload', join(dir, 'big.bin'), '--bucket', bucket, '--key', 'big.bin', '--endpoint', stack.moto.endpoint, '--part-size', '5MiB', '--json'],
      { home: join(dir, 'home'), entry: [bundle] },
    );
    expect(out.code, out.stderr).toBe(0);
    const result = parseJsonLines(out.stdout).find((l) => l.type === 'result');
    expect(result).toMatchObject({ status: 'completed', size: bytes.length });
    expect(sha256(await getObjectBytes(stack.s3, bucket, 'big.bin'))).toBe(sha256(bytes));
    expect(await openUploads(stack.s3, bucket)).toEqual([]);
  });

  it('is what bin/dockside.js runs when it has been built, else the sources (same answer either way)', async () => {
    const out = await runCli(['--version'], { home: join(stack.scratch.path, 'bin'), entry: [join(REPO_ROOT, 'bin', 'dockside.js')] });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toBe(VERSION);
  });
});
