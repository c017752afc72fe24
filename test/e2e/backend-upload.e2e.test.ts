/**
 * The whole data flow on the local stack (moto + the deployed template + backend processes with
 * their jobs): `dockside upload` through the backend → the dock (dock KMS key) → promotion → the
 * permanent bucket (permanent KMS key), and the engine behind a round-robin "load balancer" over
 * two backend instances, refreshing credentials for every part with some refreshes failing.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.js';
import {
  BackendClient,
  BackendObjectStore,
  NodeFileSource,
  RefreshingCredentialProvider,
  S3ObjectStore,
  TransferManager,
  type TemporaryCredentials,
} from '../../src/main/engine/index.js';
import { SqliteJournal } from '../../src/main/journal/index.js';
import { CliProcess, getObjectBytes, killLeftovers, runCli, writeRandomFile } from '../main/cli/run-cli.js';

const MiB = 1024 * 1024;
let local: LocalStack;
let dir: string;
let s3: S3Client;
let sqs: SQSClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-e2e-'));
  local = await startLocalStack({ instances: 2, dir: join(dir, 'stack'), backendEnv: { DOCKSIDE_CREDENTIAL_TTL_SECONDS: '900', DOCKSIDE_LOG_LEVEL: 'warn' } });
  const aws = { region: 'us-east-1', endpoint: local.motoEndpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  s3 = new S3Client(aws);
  sqs = new SQSClient(aws);
}, 120_000);

afterAll(async () => {
  await killLeftovers();
  s3?.destroy();
  sqs?.destroy();
  await local?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Every "file available" message now on the notification queue (received and deleted). */
async function drainAvailable(): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  for (let empty = 0; empty < 2; ) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: local.stack.notifyQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    const messages = out.Messages ?? [];
    if (messages.length === 0) empty++;
    for (const m of messages) {
      bodies.push(JSON.parse(m.Body ?? '{}') as Record<string, unknown>);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: local.stack.notifyQueueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  return bodies;
}

async function waitForStatus(client: BackendClient, id: string, status: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await client.getUpload(id);
    if (view.status === status) return view;
    if (view.status === 'failed' || Date.now() > deadline) throw new Error(`upload ${id} is ${view.status} (${view.failureReason ?? ''}), not ${status}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const keyIdOf = (arn: string) => arn.split('/').pop();

/** `dockside status ID --json`, which must succeed. */
async function statusOf(id: string, home: string, env: Record<string, string>): Promise<unknown> {
  const out = await runCli(['status', id, '--json'], { home, env });
  expect(out.code, out.stderr).toBe(0);
  return JSON.parse(out.stdout) as unknown;
}

describe('dockside upload through the backend', () => {
  it('docks the file under the dock key, promotes it byte-identical under the permanent key, announces it once, leaves nothing behind', async () => {
    const home = join(dir, 'cli-home');
    const file = join(dir, 'survey-2026.bin');
    const bytes = writeRandomFile(file, 24 * MiB);
    const env = { DOCKSIDE_BACKEND_URL: local.backendUrls[0]!, DOCKSIDE_TOKEN: local.token, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };

    const started = Date.now();
    const upload = await runCli(['upload', file, '--json'], { home, env });
    const uploadSeconds = (Date.now() - started) / 1000;
    expect(upload.code, upload.stderr).toBe(0);
    const result = JSON.parse(upload.stdout.trim().split('\n').pop()!) as { status: string; transferId: string; bucket: string; key: string };
    expect(result.status).toBe('completed');
    expect(result.bucket).toBe(local.stack.dockBucket);
    expect(result.key).toMatch(/^uploads\/[0-9A-Z]{26}\/survey-2026\.bin$/);

    // `dockside status` follows the backend until the promotion worker has made the file available.
    const deadline = Date.now() + 60_000;
    let status: { status: string; available: { bucket: string; key: string; checksum: string } | null } | null = null;
    while (Date.now() < deadline) {
      const out = await runCli(['status', result.transferId, '--json'], { home, env });
      expect(out.code, out.stderr).toBe(0);
      status = JSON.parse(out.stdout) as typeof status;
      if (status!.status === 'available') break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const promotedSeconds = (Date.now() - started) / 1000 - uploadSeconds;
    expect(status!.status).toBe('available');
    const where = status!.available!;
    expect(where.bucket).toBe(local.stack.permanentBucket);
    // The backend names what it checked before calling it available, and claims nothing more.
    expect(status!.available).toMatchObject({ verifiedBy: 'copy-crc32' });

    const copy = await getObjectBytes(s3, where.bucket, where.key);
    expect(createHash('sha256').update(copy).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    const head = await s3.send(new HeadObjectCommand({ Bucket: where.bucket, Key: where.key }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(keyIdOf(head.SSEKMSKeyId ?? '')).toBe(keyIdOf(local.stack.permanentKmsKeyArn));
    await expect(s3.send(new HeadObjectCommand({ Bucket: local.stack.dockBucket, Key: result.key }))).rejects.toMatchObject({ name: 'NotFound' });
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: local.stack.dockBucket }));
    expect(open.Uploads ?? []).toEqual([]);

    // moto emits two ObjectCreated events per completion; consumers still hear of the file once.
    const uploadId = result.key.split('/')[1];
    const announced = (await drainAvailable()).filter((m) => JSON.stringify(m).includes(uploadId!));
    expect(announced).toHaveLength(1);

    // The human view names the permanent place.
    const human = await runCli(['status', result.transferId], { home, env });
    expect(human.stdout).toContain('available');
    expect(human.stdout).toContain(`s3://${where.bucket}/${where.key}`);
    expect(human.stdout).toContain(`${uploadId}: the permanent copy's size and CRC32, as the storage reports them, equal the uploaded object's.`);
    console.log(`e2e: 24 MiB uploaded through the backend in ${uploadSeconds.toFixed(1)} s (CLI start to exit), available ${promotedSeconds.toFixed(1)} s later`);
  });

  it('a file name with a newline and terminal escape codes: the backend picks a clean key, the upload completes, the output shows the name escaped', async () => {
    const home = join(dir, 'cli-home-names');
    const file = join(dir, 'line one\nline two\u001b[2J\u001b]0;pwned\u0007.bin');
    const bytes = writeRandomFile(file, 64 * 1024);
    const env = { DOCKSIDE_BACKEND_URL: local.backendUrls[0]!, DOCKSIDE_TOKEN: local.token, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };

    const upload = await runCli(['upload', file], { home, env });
    expect(upload.code, upload.stdout + upload.stderr).toBe(0);
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(upload.stdout + upload.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // The done line: `!` because moto checks no checksum (the line after it says so).
    const line = upload.stdout.split('\n').find((l) => l.startsWith('! '))!;
    expect(line).toContain(`${join(dir, 'line one\\nline two\\e[2J\\e]0;pwned\\x07.bin')} → s3://${local.stack.dockBucket}/uploads/`);
    // The server's key: control characters dropped, the rest made safe; the object is the file.
    const key = /→ s3:\/\/[^/]+\/(\S+) \(/.exec(line)![1]!;
    expect(key).toMatch(/^uploads\/[0-9A-Z]{26}\/line_oneline_two_2J_0_pwned\.bin$/);
    const transferId = /\[([0-9a-z]+)\]$/m.exec(upload.stderr)![1]!;
    const deadline = Date.now() + 60_000;
    type View = { status: string; dock: { key: string }; available: { bucket: string; key: string } | null };
    let status = (await statusOf(transferId, home, env)) as View;
    while (Date.now() < deadline && status.status !== 'available') {
      await new Promise((r) => setTimeout(r, 300));
      status = (await statusOf(transferId, home, env)) as View;
    }
    expect(status.dock.key).toBe(key);
    expect(status.available).not.toBeNull();
    const copy = await getObjectBytes(s3, status.available!.bucket, status.available!.key);
    expect(createHash('sha256').update(copy).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
    const ls = await runCli(['ls'], { home, env });
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    expect(ls.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(ls.stdout).toContain('line one\\nline two\\e[2J');
  });
});

/**
 * `dockside upload` of a new 30 MiB file through the backend, held to 4 MiB/s in 5 MiB parts two at
 * a time, so that it is still sending for seconds when the test acts: resolves once a part is sent.
 */
async function slowUploadUnderway(name: string) {
  const home = join(dir, `cli-home-${name}`);
  const file = join(dir, `${name}.bin`);
  writeRandomFile(file, 30 * MiB);
  const env = { DOCKSIDE_BACKEND_URL: local.backendUrls[0]!, DOCKSIDE_TOKEN: local.token, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' };
  const cli = new CliProcess(['upload', file, '--json', '--part-size', '5MiB', '--concurrency', '2', '--limit-rate', '4MiB/s'], { home, env });
  const transfer = await cli.waitForJson((l) => l.type === 'transfer', 'the transfer line');
  await cli.waitForJson((l) => l.type === 'progress' && (l.partsDone as number) >= 1, 'a part sent');
  const key = transfer.key as string;
  return { home, file, env, cli, transferId: transfer.transferId as string, key, uploadId: key.split('/')[1]! };
}

describe('cancelled on the server while the CLI is sending', () => {
  it('stops the CLI as cancelled on the server (exit 3, in words) without a new multipart upload; nothing of it stays in the dock; upload again starts afresh', async () => {
    const { home, file, env, cli, transferId, key, uploadId } = await slowUploadUnderway('cancelled-midway');

    // Someone cancels it on the server (DELETE /v1/uploads/{id}); the CLI's credentials stay valid for 15 min.
    const client = new BackendClient({ url: local.backendUrls[1]!, token: local.token });
    expect((await client.abortUpload(uploadId)).status).toBe('aborted');

    const exit = await cli.waitForExit();
    expect(exit.code, cli.transcript()).toBe(3);
    const result = cli.jsonLines().find((l) => l.type === 'result');
    expect(result).toMatchObject({
      status: 'failed',
      error: { code: 'UPLOAD_CANCELLED', retryable: false, message: expect.stringMatching(/^Upload \w+ was cancelled on the Dockside server, so Dockside stopped sending it/) },
    });
    expect(exit.stdout + exit.stderr).not.toMatch(/INTEGRITY|not ours or not there/);

    // The journal: the transfer is over (cancelled, with why), and S3 was asked for one multipart upload only.
    const journal = new SqliteJournal(join(home, 'journal.sqlite'));
    try {
      const record = journal.getTransfer(transferId)!;
      expect(record).toMatchObject({ state: 'cancelled', errorCode: 'UPLOAD_CANCELLED' });
      const types = journal.queryLog({ transferId: record.id }).map((e) => e.type);
      expect(types.filter((t) => t === 'upload.created')).toHaveLength(1);
      expect(types).toContain('transfer.cancelled');
    } finally {
      journal.close();
    }
    // `dockside ls` says so in words.
    const ls = await runCli(['ls'], { home, env });
    expect(ls.stdout).toContain('cancelled');

    // Nothing of it in the dock: no multipart upload, no object; and no more credentials for it.
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: local.stack.dockBucket, Prefix: key }));
    expect(open.Uploads ?? []).toEqual([]);
    await expect(s3.send(new HeadObjectCommand({ Bucket: local.stack.dockBucket, Key: key }))).rejects.toMatchObject({ name: 'NotFound' });
    await expect(client.credentials(uploadId)).rejects.toMatchObject({ code: 'UPLOAD_CANCELLED', message: expect.stringMatching(/cancelled on the Dockside server/) });
    expect((await client.getUpload(uploadId)).status).toBe('aborted');

    // As the message says: uploading the file again sends it, as a new upload.
    const again = await runCli(['upload', file, '--json'], { home, env });
    expect(again.code, again.stderr).toBe(0);
    const fresh = JSON.parse(again.stdout.trim().split('\n').pop()!) as { status: string; key: string };
    expect(fresh.status).toBe('completed');
    expect(fresh.key).not.toBe(key);
    await waitForStatus(client, fresh.key.split('/')[1]!, 'available');
    await drainAvailable();
  });
});

describe('dockside cancel of an upload through the backend', () => {
  it('cancels it on the backend too: the record is aborted, no credentials for it, nothing in the dock', async () => {
    const { home, env, cli, transferId, key, uploadId } = await slowUploadUnderway('paused-then-cancelled');
    expect((await cli.kill('SIGINT')).code).toBe(75);
    const client = new BackendClient({ url: local.backendUrls[0]!, token: local.token });
    expect((await client.getUpload(uploadId)).status).toBe('uploading');

    const cancel = await runCli(['cancel', transferId], { home, env });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toMatch(/^Cancelled \w+; its multipart upload was aborted on S3\.$/m);
    expect((await client.getUpload(uploadId)).status).toBe('aborted');
    await expect(client.credentials(uploadId)).rejects.toMatchObject({ code: 'UPLOAD_CANCELLED' });
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: local.stack.dockBucket, Prefix: key }));
    expect(open.Uploads ?? []).toEqual([]);
  });
});

describe('the engine behind a load balancer of two backend instances', () => {
  it('signs every part as the same principal whichever instance vends, refreshes for every part, and retries failed refreshes', async () => {
    // A round-robin balancer in front of both instances that fails every third credentials request.
    let next = 0;
    let credentialRequests = 0;
    const hits = [0, 0];
    const balancer = http.createServer((req, res) => {
      const isRefresh = req.method === 'POST' && /\/credentials$/.test(req.url ?? '');
      if (isRefresh && ++credentialRequests % 3 === 0) {
        res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'balancer says no' } }));
        return;
      }
      const i = next++ % 2;
      hits[i]!++;
      const upstream = new URL(local.backendUrls[i]!);
      const proxied = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      proxied.on('error', () => res.writeHead(502).end());
      req.pipe(proxied);
    });
    await new Promise<void>((r) => balancer.listen(0, '127.0.0.1', r));
    const address = balancer.address() as { port: number };
    const url = `http://127.0.0.1:${address.port}`;

    const vended: TemporaryCredentials[] = [];
    const client = new BackendClient({ url, token: local.token });
    const home = join(dir, 'engine-home');
    const journal = new SqliteJournal(join(home, 'journal.sqlite'));
    const file = join(dir, 'balanced.bin');
    const bytes = writeRandomFile(file, 40 * MiB);
    const manager = new TransferManager({
      journal,
      files: new NodeFileSource(),
      storeFor: (target) => {
        const uploadId = target.backend!.uploadId;
        // Each set is made to look as if it expired a second after it was vended (moto does not
        // expire credentials itself): the SDK and the provider then fetch a new set for every
        // request, from whichever instance the balancer picks.
        const credentials = new RefreshingCredentialProvider(async () => {
          const fresh = await client.credentials(uploadId);
          vended.push(fresh);
          return { ...fresh, expiration: new Date(Date.now() + 1_000) };
        });
        const store = new S3ObjectStore({ target, credentials, stallTimeoutMs: 10_000, completeTimeoutMs: 30_000 });
        return new BackendObjectStore(store, client, uploadId);
      },
      concurrency: 2,
      backoff: { baseMs: 20, capMs: 200 },
    });
    try {
      const granted = await client.createUpload({ fileName: 'balanced.bin', size: bytes.length, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' } });
      const record = await manager.add({
        filePath: file,
        partSize: 5 * MiB,
        target: { ...granted.target, backend: { url, uploadId: granted.id } },
      });
      const done = manager.waitFor(record.id);
      manager.start(record.id);
      const outcome = await done;
      expect(outcome.kind, JSON.stringify(outcome)).toBe('completed');
      const retries = journal.queryLog({ transferId: record.id }).filter((e) => e.type === 'retry');
      expect(retries.length).toBeGreaterThan(0);
      expect(hits[0]).toBeGreaterThan(0);
      expect(hits[1]).toBeGreaterThan(0);

      // Every set the two instances vended is the same principal: one role, one session name.
      expect(new Set(vended.map((c) => c.accessKeyId)).size).toBeGreaterThanOrEqual(4);
      const arns = new Set<string>();
      for (const c of vended) {
        const sts = new STSClient({ region: 'us-east-1', endpoint: local.motoEndpoint, credentials: c });
        arns.add((await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '');
        sts.destroy();
      }
      expect([...arns]).toEqual([expect.stringMatching(new RegExp(`assumed-role/[^/]+/dockside-${granted.id}$`))]);
      await waitForStatus(client, granted.id, 'available');
      console.log(`e2e: ${vended.length} credential sets from 2 instances (${hits.join(' + ')} requests), ${retries.length} retries, one principal: ${[...arns][0]}`);
    } finally {
      await manager.close();
      journal.close();
      balancer.close();
      await drainAvailable();
    }
  });
});
