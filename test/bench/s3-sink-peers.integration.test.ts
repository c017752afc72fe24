// The real benchmark peers against the S3 sink over TLS: the AWS CLI v2 (`aws s3 cp`) and rclone
// (`rclone copyto`), each with a multipart and a single-request upload. Skipped when a tool is not
// installed (Debian: apt-get install awscli rclone).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Sink, type S3Sink } from '../../bench/sink/s3-sink.js';
import { crc32Of, crc32ToBase64 } from '../../src/main/engine/index.js';
import { MiB } from '../../src/shared/part-planner.js';
import { randomFile, tempDir } from '../support/engine-harness.js';

// A pip-installed AWS CLI v1 may come first on PATH; the Debian package is v2.
const AWS = '/usr/bin/aws';
const RCLONE = ['/usr/bin/rclone', '/usr/local/bin/rclone'].find((p) => existsSync(p));

const md5 = (data: Uint8Array): Buffer => createHash('md5').update(data).digest();
/** S3's multipart ETag for `data` cut in parts of `partSize`. */
function multipartEtag(data: Buffer, partSize: number): string {
  const digests: Buffer[] = [];
  for (let i = 0; i < data.length; i += partSize) digests.push(md5(data.subarray(i, i + partSize)));
  return `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}"`;
}

/** Runs a command without blocking the event loop (the sink lives in this process). */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The environment minus anything that would point a tool at real AWS or another CA bundle. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.startsWith('RCLONE_')) delete env[name];
  return { ...env, ...extra };
}

let sink: S3Sink;
let trusting: S3Sink;
const dir = tempDir('dockside-sink-peers-');
const big = randomFile(dir, 12 * MiB + 4321, 'big.bin');
const small = randomFile(dir, 1 * MiB + 7, 'small.bin');

beforeAll(async () => {
  [sink, trusting] = await Promise.all([startS3Sink({ tls: true }), startS3Sink({ tls: true, md5: false, trustContentMd5: true })]);
});

afterAll(async () => {
  await Promise.all([sink?.close(), trusting?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('benchmark peers against the S3 sink', () => {
  it.skipIf(!existsSync(AWS))('aws s3 cp (AWS CLI v2): multipart and single PutObject', async () => {
    const env = cleanEnv({ AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
    for (const [file, key] of [[big, 'aws/big.bin'], [small, 'aws/small.bin']] as const) {
      const out = await run(AWS, ['--endpoint-url', sink.endpoint, '--ca-bundle', sink.caFile!, 's3', 'cp', '--no-progress', file.path, `s3://peers/${key}`], env);
      expect(out.code, out.output).toBe(0);
    }
    // aws s3 cp: 8 MiB parts above its 8 MiB threshold, one PutObject below.
    expect(sink.object('peers', 'aws/big.bin')).toMatchObject({ size: big.bytes.length, etag: multipartEtag(big.bytes, 8 * MiB), crc32: crc32ToBase64(crc32Of(big.bytes)) });
    expect(sink.object('peers', 'aws/small.bin')).toMatchObject({ size: small.bytes.length, etag: `"${md5(small.bytes).toString('hex')}"` });
  });

  it.skipIf(!RCLONE)('rclone copyto (S3 backend): multipart and single PutObject, also against a trusting md5: false sink', async () => {
    for (const target of [sink, trusting]) {
      const env = cleanEnv({
        RCLONE_CONFIG_SINK_TYPE: 's3',
        RCLONE_CONFIG_SINK_PROVIDER: 'Other',
        RCLONE_CONFIG_SINK_ENDPOINT: target.endpoint,
        RCLONE_CONFIG_SINK_ACCESS_KEY_ID: 'x',
        RCLONE_CONFIG_SINK_SECRET_ACCESS_KEY: 'x',
        RCLONE_CONFIG_SINK_FORCE_PATH_STYLE: 'true',
        RCLONE_CONFIG: '/dev/null',
      });
      const common = ['--ca-cert', target.caFile!, '--s3-upload-cutoff', '5M', '--s3-chunk-size', '5M', '-q'];
      for (const [file, key] of [[big, 'rclone/big.bin'], [small, 'rclone/small.bin']] as const) {
        const out = await run(RCLONE!, ['copyto', file.path, `sink:peers/${key}`, ...common], env);
        expect(out.code, out.output).toBe(0);
      }
      expect(target.object('peers', 'rclone/big.bin')).toMatchObject({
        size: big.bytes.length,
        etag: multipartEtag(big.bytes, 5 * MiB),
        crc32: crc32ToBase64(crc32Of(big.bytes)),
        metadata: { md5chksum: md5(big.bytes).toString('base64') },
      });
      expect(target.object('peers', 'rclone/small.bin')).toMatchObject({ size: small.bytes.length, etag: `"${md5(small.bytes).toString('hex')}"` });
    }
  });
});
