// A moto_server with the Dockside stack deployed from the CloudFormation template (the stack
// deployer under test elsewhere), plus what the job tests need around it: clients, the DynamoDB
// upload store on the stack's table, the jobs' AWS ports, a real multipart upload into the dock,
// and queue helpers.
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { pino, type Logger } from 'pino';
import { DynamoDbUploadStore } from '../../../backend/src/aws/dynamodb-upload-store.js';
import { createJobPorts, type JobPorts } from '../../../backend/src/aws/job-adapters.js';
import { deployStack, type DocksideStack, type StackParameters } from '../../../backend/src/aws/stack-deployer.js';
import { dockKeyFor } from '../../../backend/src/domain/key-naming.js';
import { mapLimited } from '../../../backend/src/domain/map-limited.js';
import { createUlidGenerator } from '../../../backend/src/domain/ulid.js';
import type { UploadRecord } from '../../../backend/src/domain/upload-store.js';
import type { PromotionJob, PromotionJobOptions } from '../../../backend/src/jobs/promotion.job.js';
import { startMoto, type MotoServer } from '../../support/moto-server.js';

export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'jobs', secretAccessKey: 'jobs' };
export const MiB = 1024 * 1024;

export function clientConfig(endpoint: string) {
  return { endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 3 };
}

export function s3For(endpoint: string): S3Client {
  // WHEN_REQUIRED: checksums are ours to choose (CRC32 per part), not the SDK's defaults.
  return new S3Client({
    ...clientConfig(endpoint),
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Logs to stderr when DOCKSIDE_TEST_LOG names a level (e.g. debug), else silent. */
export function testLogger(): Logger {
  return pino({ level: process.env.DOCKSIDE_TEST_LOG ?? 'silent' }, pino.destination(2));
}

export interface JobStack {
  readonly stack: DocksideStack;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly store: DynamoDbUploadStore;
  readonly ports: JobPorts;
  /** Options every PromotionJob in these tests shares; spread and override. */
  promotionOptions(overrides?: Partial<PromotionJobOptions>): PromotionJobOptions;
  destroy(): void;
}

let stackCounter = 0;

/** Deploys one more stack (own buckets, queues, table) on `moto`. */
export async function deployJobStack(moto: MotoServer, parameters: StackParameters = {}): Promise<JobStack> {
  stackCounter += 1;
  const prefix = `j${process.pid.toString(36)}${stackCounter}`.slice(0, 20);
  const stack = await deployStack({
    stackName: `dockside-${prefix}`,
    region: REGION,
    endpoint: moto.endpoint,
    credentials: CREDENTIALS,
    parameters: { NamePrefix: prefix, ...parameters },
    pollIntervalMs: 100,
  });
  const s3 = s3For(moto.endpoint);
  const sqs = new SQSClient(clientConfig(moto.endpoint));
  const dynamo = new DynamoDBClient(clientConfig(moto.endpoint));
  const store = new DynamoDbUploadStore({ client: dynamo, tableName: stack.uploadsTable });
  const ports = createJobPorts({
    s3,
    sqs,
    dockBucket: stack.dockBucket,
    permanentBucket: stack.permanentBucket,
    permanentKmsKeyArn: stack.permanentKmsKeyArn,
    eventQueueUrl: stack.eventQueueUrl,
    notifyQueueUrl: stack.notifyQueueUrl,
  });
  const logger = testLogger();
  return {
    stack,
    s3,
    sqs,
    store,
    ports,
    promotionOptions: (overrides = {}) => ({
      queue: ports.queue,
      storage: ports.storage,
      notifier: ports.notifier,
      store,
      logger,
      dockBucket: stack.dockBucket,
      permanentBucket: stack.permanentBucket,
      permanentKmsKeyArn: stack.permanentKmsKeyArn,
      dockKmsKeyArn: stack.dockKmsKeyArn,
      waitTimeSeconds: 1,
      retryDelay: { baseSeconds: 0, capSeconds: 0 },
      ...overrides,
    }),
    destroy: () => {
      s3.destroy();
      sqs.destroy();
      dynamo.destroy();
    },
  };
}

/** moto with multipart parts allowed down to 1 KiB, so multipart paths are cheap to test. */
export function startJobsMoto(): Promise<MotoServer> {
  return startMoto({ env: { S3_UPLOAD_PART_MIN_SIZE: '1024' } });
}

const ulidAt = createUlidGenerator();

/** Stores an `uploading` record as POST /v1/uploads would. `createdAt` sets the id's time. */
export async function createRecord(
  js: JobStack,
  options: { fileName?: string; size: number; owner?: string; checksumType?: 'FULL_OBJECT' | 'COMPOSITE'; createdAt?: number },
): Promise<UploadRecord> {
  const createdAt = options.createdAt ?? Date.now();
  const id = options.createdAt === undefined ? ulidAt() : createUlidGenerator({ now: () => createdAt })();
  const fileName = options.fileName ?? 'Quarterly report (final).bin';
  const record: UploadRecord = {
    id,
    owner: options.owner ?? 'alice@example.com',
    fileName,
    size: options.size,
    contentType: 'application/octet-stream',
    checksum: { algorithm: 'CRC32', type: options.checksumType ?? 'FULL_OBJECT' },
    dockBucket: js.stack.dockBucket,
    dockKey: dockKeyFor(id, fileName),
    status: 'uploading',
    createdAt,
    updatedAt: createdAt,
    permanent: null,
    failureReason: null,
    notifiedAt: null,
  };
  await js.store.create(record);
  return record;
}

const b64crc = (n: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b.toString('base64');
};

export interface PartSource {
  readonly size: number;
  /** Bytes [start, end) of the object. */
  read(start: number, end: number): Promise<Buffer> | Buffer;
}

export const bufferSource = (data: Buffer): PartSource => ({ size: data.length, read: (s, e) => data.subarray(s, e) });

/**
 * Uploads like the engine does: multipart, SSE-KMS under the dock key, CRC32 per part and (for
 * FULL_OBJECT) the whole-object CRC32 on Complete. Returns the object's CRC32 (base64).
 */
export async function multipartUpload(
  js: JobStack,
  key: string,
  source: PartSource,
  options: {
    partSize: number;
    checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
    concurrency?: number;
    /** How CreateMultipartUpload asks for encryption (`{}`: not at all); SSE-KMS under the dock key unless given. */
    encryption?: { ServerSideEncryption?: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string };
  },
): Promise<{ checksum: string; etag: string }> {
  const type = options.checksumType ?? 'FULL_OBJECT';
  const { s3, stack } = js;
  const created = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: stack.dockBucket,
      Key: key,
      ...(options.encryption ?? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: stack.dockKmsKeyArn }),
      ChecksumAlgorithm: 'CRC32',
      ChecksumType: type,
    }),
  );
  const ranges: [number, number][] = [];
  for (let start = 0; start < source.size; start += options.partSize) ranges.push([start, Math.min(start + options.partSize, source.size)]);
  const crcs: { crc: number; length: number }[] = [];
  const parts = await mapLimited(ranges, options.concurrency ?? 3, async ([start, end], i) => {
    const body = await source.read(start, end);
    const crc = crc32(body) >>> 0;
    crcs[i] = { crc, length: end - start };
    const out = await s3.send(
      new UploadPartCommand({ Bucket: stack.dockBucket, Key: key, UploadId: created.UploadId, PartNumber: i + 1, Body: body, ChecksumCRC32: b64crc(crc) }),
    );
    return { PartNumber: i + 1, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 ?? b64crc(crc) };
  });
  // Whole-object CRC32 by reading again in order (the tests' sources are cheap to read).
  let full = 0;
  for (const [start, end] of ranges) full = crc32(await source.read(start, end), full) >>> 0;
  const completed = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: stack.dockBucket,
      Key: key,
      UploadId: created.UploadId,
      MultipartUpload: { Parts: parts },
      ...(type === 'FULL_OBJECT' ? { ChecksumType: 'FULL_OBJECT' as const, ChecksumCRC32: b64crc(full) } : {}),
    }),
  );
  return { checksum: b64crc(full), etag: (completed.ETag ?? '').replace(/"/g, '') };
}

export const randomData = (size: number): Buffer => randomBytes(size);

export async function getObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Receives (and deletes) everything on a queue until a receive comes back empty. */
export async function drainQueue(sqs: SQSClient, queueUrl: string, waitSeconds = 1): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waitSeconds }));
    const got = out.Messages ?? [];
    if (got.length === 0) return all;
    for (const m of got) {
      all.push(m);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** Messages on a queue, visible and in flight. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

export async function sendEvent(sqs: SQSClient, queueUrl: string, body: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

/** An S3 ObjectCreated event body as S3 (and moto) write it: key URL-encoded, `+` for spaces. */
export function objectCreatedEvent(bucket: string, key: string, size: number, eTag: string, eventName = 'ObjectCreated:CompleteMultipartUpload'): string {
  const encodedKey = encodeURIComponent(key).replace(/%20/g, '+');
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: REGION,
        eventTime: new Date().toISOString(),
        eventName,
        s3: { s3SchemaVersion: '1.0', bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodedKey, size, eTag } },
      },
    ],
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs a promotion job until the stack's event queue is empty (every event handled), then stops it. */
export async function runUntilQuiet(job: PromotionJob, js: JobStack, timeoutMs = 30_000): Promise<void> {
  job.start();
  try {
    await eventually(
      async () => {
        const d = await queueDepth(js.sqs, js.stack.eventQueueUrl);
        return d.visible === 0 && d.inFlight === 0 ? true : undefined;
      },
      timeoutMs,
      'the event queue to empty',
    );
  } finally {
    await job.stop(5_000);
  }
}

/** Waits until the record reaches one of `statuses`. */
export function recordReaches(js: JobStack, id: string, statuses: readonly string[], timeoutMs = 30_000): Promise<UploadRecord> {
  return eventually(
    async () => {
      const r = await js.store.get(id);
      return r && statuses.includes(r.status) ? r : undefined;
    },
    timeoutMs,
    `upload ${id} to become ${statuses.join('/')}`,
  );
}
