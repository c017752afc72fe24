// Builds the HTTP service on in-memory fakes (store, dock, credential vendor) with static tokens
// for alice and bob, capturing the log, for tests that drive it with fastify.inject().
import type { FastifyInstance } from 'fastify';
import { createAuthenticator, type Authenticator } from '../../../backend/src/auth/index.js';
import { hashStaticToken, loadConfig, type BackendConfig } from '../../../backend/src/config.js';
import { CredentialVendError, type CredentialVendor, type VendRequest } from '../../../backend/src/domain/credential-vendor.js';
import type { Dock } from '../../../backend/src/domain/dock.js';
import type { UploadStore } from '../../../backend/src/domain/upload-store.js';
import { createLogger } from '../../../backend/src/logger.js';
import { buildServer } from '../../../backend/src/server.js';
import { MemoryUploadStore } from '../../fakes/memory-upload-store.js';
import { captureLog } from '../log-capture.js';

export const TOKENS = { alice: 'alice-token-0123456789abcdef', bob: 'bob-token-0123456789abcdef' } as const;
export const auth = (user: keyof typeof TOKENS): Record<string, string> => ({ authorization: `Bearer ${TOKENS[user]}` });

export const BASE_ENV: Record<string, string> = {
  DOCKSIDE_DOCK_BUCKET: 'firm-dock',
  DOCKSIDE_DOCK_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/0c8e1a2b-1111-2222-3333-444455556666',
  DOCKSIDE_PERMANENT_BUCKET: 'firm-permanent',
  DOCKSIDE_PERMANENT_KMS_KEY_ARN: 'arn:aws:kms:us-east-1:111122223333:key/permanent',
  DOCKSIDE_UPLOADER_ROLE_ARN: 'arn:aws:iam::111122223333:role/dockside-uploader',
  DOCKSIDE_UPLOADS_TABLE: 'dockside-uploads',
  DOCKSIDE_EVENT_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/events',
  DOCKSIDE_NOTIFY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/111122223333/notify',
  DOCKSIDE_STATIC_TOKENS: JSON.stringify(Object.entries(TOKENS).map(([user, token]) => ({ user, sha256: hashStaticToken(token) }))),
};

/** Records vends; fails on demand. */
export class FakeVendor implements CredentialVendor {
  readonly calls: VendRequest[] = [];
  failWith: Error | null = null;

  async vend(request: VendRequest) {
    this.calls.push(request);
    if (this.failWith) throw this.failWith;
    return {
      accessKeyId: `ASIA${this.calls.length}`,
      secretAccessKey: 'fake-secret',
      sessionToken: 'fake-session-token',
      expiration: new Date(Date.now() + 3600_000),
    };
  }

  static unavailable(): CredentialVendError {
    return new CredentialVendError('STS AssumeRole failed (Throttling)', true);
  }
}

/** A dock with objects and multipart uploads as plain sets. */
export class FakeDock implements Dock {
  readonly objects = new Set<string>();
  readonly multipart = new Map<string, number>();
  failing = false;

  async objectExists(key: string): Promise<boolean> {
    if (this.failing) throw new Error('dock unreachable');
    return this.objects.has(key);
  }

  async abortMultipartUploads(key: string): Promise<number> {
    const n = this.multipart.get(key) ?? 0;
    this.multipart.delete(key);
    return n;
  }

  async deleteObject(key: string): Promise<void> {
    this.objects.delete(key);
  }
}

export interface Harness {
  readonly app: FastifyInstance;
  readonly store: MemoryUploadStore;
  readonly vendor: FakeVendor;
  readonly dock: FakeDock;
  readonly config: BackendConfig;
  /** Every log line written so far (JSON). */
  readonly logLines: string[];
  logText(): string;
}

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  readonly store?: UploadStore;
  readonly authenticator?: Authenticator;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const config = loadConfig({ ...BASE_ENV, DOCKSIDE_RATE_LIMIT_PER_MINUTE: '1000000', ...options.env });
  const { lines: logLines, destination } = captureLog();
  const memory = new MemoryUploadStore();
  const vendor = new FakeVendor();
  const dock = new FakeDock();
  const app = buildServer({
    config,
    store: options.store ?? memory,
    vendor,
    dock,
    authenticator: options.authenticator ?? createAuthenticator(config.auth),
    logger: createLogger({ level: 'info', destination }),
  });
  await app.ready();
  return { app, store: memory, vendor, dock, config, logLines, logText: () => logLines.join('') };
}

export const CREATE_BODY = { fileName: 'Film final.mov', size: 42 * 1024 ** 3, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' }, contentType: 'video/quicktime' };

/** POSTs a new upload as `user` and returns its id. */
export async function createUpload(app: FastifyInstance, user: keyof typeof TOKENS, body: object = CREATE_BODY): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/uploads', headers: auth(user), payload: body });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return (res.json() as { id: string }).id;
}
