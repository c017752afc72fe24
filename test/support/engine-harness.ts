// Builds a real engine (SQLite journal, node file source, S3 store) pointed at a local endpoint,
// with short backoff and stall timeouts so fault tests run in seconds.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { TransferTarget } from '../../src/shared/transfer-model.js';
import {
  NodeFileSource,
  S3ObjectStore,
  StaticCredentialProvider,
  TransferManager,
  type CredentialProvider,
  type TransferManagerOptions,
} from '../../src/main/engine/index.js';
import { SqliteJournal } from '../../src/main/journal/index.js';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { createBucket, s3ClientFor, startMoto, uniqueBucketName, type MotoServer } from './moto-server.js';

/** Plan limits for tests: 1 KiB parts (moto started by useLocalS3 accepts them), so small files have many parts. */
export const TINY_PARTS = { minPartSize: 1024, unit: 1024 } as const;

export interface Harness {
  readonly manager: TransferManager;
  readonly journal: SqliteJournal;
  readonly stores: S3ObjectStore[];
  close(): Promise<void>;
}

export const testCredentials = (): CredentialProvider => new StaticCredentialProvider({ accessKeyId: 'test', secretAccessKey: 'test' });

/** A manager on a journal in `home`, talking to `endpoint`. */
export function makeEngine(
  home: string,
  options: Partial<TransferManagerOptions> & { credentials?: CredentialProvider; stallTimeoutMs?: number; completeTimeoutMs?: number } = {},
): Harness {
  const journal = new SqliteJournal(join(home, 'journal.sqlite'));
  const stores: S3ObjectStore[] = [];
  const credentials = options.credentials ?? testCredentials();
  const manager = new TransferManager({
    journal,
    files: new NodeFileSource(),
    storeFor: (target) => {
      const store = new S3ObjectStore({
        target,
        credentials,
        stallTimeoutMs: options.stallTimeoutMs ?? 2_000,
        completeTimeoutMs: options.completeTimeoutMs ?? 10_000,
        connectTimeoutMs: 2_000,
      });
      stores.push(store);
      return store;
    },
    backoff: { baseMs: 5, capMs: 50 },
    progressIntervalMs: 50,
    ...options,
  });
  return {
    manager,
    journal,
    stores,
    close: async () => {
      await manager.close();
      journal.close();
    },
  };
}

export function tempDir(prefix = 'dockside-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A file of `size` random bytes; returns its path and sha256. */
export function randomFile(dir: string, size: number, name = `file-${randomBytes(3).toString('hex')}.bin`): { path: string; sha256: string; bytes: Buffer } {
  const bytes = randomBytes(size);
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return { path, sha256: sha256(bytes), bytes };
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function target(endpoint: string, bucket: string, key: string): TransferTarget {
  return { bucket, key, endpoint, region: 'us-east-1', forcePathStyle: true };
}

/** The object's bytes, read straight from the endpoint. */
export async function getObject(endpoint: string, bucket: string, key: string): Promise<Buffer> {
  const out = await s3ClientFor(endpoint).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Resolves once the transfer has at least `parts` parts journaled (polling the journal). */
export async function whenPartsDone(harness: Harness, id: string, parts: number, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while ((harness.journal.getTransfer(id)?.partsDone ?? 0) < parts) {
    if (Date.now() - start > timeoutMs) throw new Error(`transfer ${id} did not reach ${parts} parts in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface LocalS3 {
  /** moto_server, allowing parts as small as 1 byte so tests can use many tiny parts. */
  moto: MotoServer;
  /** The fault-injecting proxy in front of moto; rules are cleared after each test. */
  proxy: FaultProxy;
  /** A new, empty bucket. */
  bucket(): Promise<string>;
}

/** Registers hooks that start moto and a fault proxy for the file, and returns access to them. */
export function useLocalS3(): LocalS3 {
  const env = {
    async bucket() {
      const name = uniqueBucketName();
      await createBucket(env.moto.endpoint, name);
      return name;
    },
  } as LocalS3;
  beforeAll(async () => {
    env.moto = await startMoto({ env: { S3_UPLOAD_PART_MIN_SIZE: '1' } });
    env.proxy = await startFaultProxy(env.moto.endpoint);
  });
  afterEach(() => env.proxy?.clearRules());
  afterAll(async () => {
    await env.proxy?.close();
    await env.moto?.stop();
  });
  return env;
}
