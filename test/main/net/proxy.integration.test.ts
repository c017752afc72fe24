/**
 * S3 parts and backend calls through a real forward proxy (the `proxy` package) in front of moto
 * and a local backend: with and without proxy authentication, a wrong password, and NO_PROXY.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, classifyError, S3ObjectStore, StaticCredentialProvider } from '../../../src/main/engine/index.js';
import { buildNetwork, type Network } from '../../../src/main/net/index.js';
import { createBucket, startMoto, uniqueBucketName, type MotoServer } from '../../support/moto-server.js';
import { sendJson, startLocalHttp, type LocalHttp } from '../../support/local-http.js';
import { multipartThrough, objectBytes, startProxy, type LocalProxy } from './net-fixtures.js';

const MiB = 1024 * 1024;
const PASSWORD = 'p@ss:w0rd-secret';
let moto: MotoServer;
let backend: LocalHttp;
let open: LocalProxy;
let guarded: LocalProxy;
const bucket = uniqueBucketName('net-proxy');

beforeAll(async () => {
  [moto, backend, open, guarded] = await Promise.all([startMoto(), startLocalHttp(), startProxy(), startProxy({ user: 'alice', password: PASSWORD })]);
  await createBucket(moto.endpoint, bucket);
  backend.handle((_req, res) => sendJson(res, 200, { uploads: [], nextCursor: null }));
}, 60_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), backend?.close(), open?.close(), guarded?.close()]);
});

const credentials = new StaticCredentialProvider({ accessKeyId: 'test', secretAccessKey: 'test' });
const storeFor = (network: Network) =>
  new S3ObjectStore({ target: { endpoint: moto.endpoint, region: 'us-east-1', forcePathStyle: true }, credentials, ...(network.agents ? { agents: network.agents } : {}), stallTimeoutMs: 10_000 });
const guardedUrl = (password: string) => `http://alice:${encodeURIComponent(password)}@127.0.0.1:${guarded.port}`;
const motoHost = () => new URL(moto.endpoint).host;
const backendHost = () => new URL(backend.url).host;

describe('through a forward proxy', () => {
  it('sends every S3 request and the backend calls through the proxy, and the object arrives whole', async () => {
    const network = buildNetwork({ env: { HTTP_PROXY: open.url } });
    const store = storeFor(network);
    try {
      const bytes = randomBytes(6 * MiB);
      const started = Date.now();
      await multipartThrough(store, bucket, 'open/one.bin', bytes, 5 * MiB);
      // Parts did not wait out the 6 s "100 Continue" fallback: moto answers 100 through the tunnel.
      expect(Date.now() - started).toBeLessThan(5_000);
      expect((await objectBytes(moto.endpoint, bucket, 'open/one.bin')).equals(bytes)).toBe(true);
      expect(open.connects.filter((c) => c === motoHost()).length).toBeGreaterThan(0);
      const client = new BackendClient({ url: backend.url, token: 'tok', fetch: network.fetch! });
      await client.listUploads({ limit: 1 });
      expect(open.connects).toContain(backendHost());
    } finally {
      store.destroy();
      await network.close();
    }
  });

  it('signs in to an authenticating proxy with a percent-encoded password', async () => {
    const network = buildNetwork({ proxy: { url: guardedUrl(PASSWORD) }, env: {} });
    const store = storeFor(network);
    try {
      const bytes = randomBytes(5 * MiB + 123);
      await multipartThrough(store, bucket, 'auth/one.bin', bytes, 5 * MiB);
      expect((await objectBytes(moto.endpoint, bucket, 'auth/one.bin')).equals(bytes)).toBe(true);
      await new BackendClient({ url: backend.url, token: 'tok', fetch: network.fetch! }).listUploads();
      expect(guarded.connects).toContain(motoHost());
      expect(guarded.connects).toContain(backendHost());
      expect(guarded.refused).toBe(0);
    } finally {
      store.destroy();
      await network.close();
    }
  });

  it('a wrong password is PROXY_AUTH naming the proxy, for S3 and for the backend, without the password', async () => {
    const network = buildNetwork({ env: { HTTPS_PROXY: guardedUrl('wrong-secret'), HTTP_PROXY: guardedUrl('wrong-secret') } });
    const store = storeFor(network);
    try {
      const s3Error = classifyError(await store.createMultipartUpload({ bucket, key: 'x', metadata: {}, checksumType: 'COMPOSITE' }).catch((e: unknown) => e));
      expect(s3Error.code).toBe('PROXY_AUTH');
      expect(s3Error.retryable).toBe(false);
      expect(s3Error.message).toContain(`http://alice@127.0.0.1:${guarded.port}`);
      expect(s3Error.message).toContain('407');
      const backendError = await new BackendClient({ url: backend.url, token: 'tok', fetch: network.fetch! }).listUploads().catch((e: unknown) => e);
      expect(backendError).toMatchObject({ code: 'PROXY_AUTH' });
      for (const e of [s3Error, backendError as Error]) {
        expect(e.message).not.toContain('wrong-secret');
        expect(JSON.stringify(e)).not.toContain('wrong-secret');
      }
      expect(guarded.refused).toBeGreaterThanOrEqual(2);
    } finally {
      store.destroy();
      await network.close();
    }
  });

  it('goes around the proxy for NO_PROXY hosts', async () => {
    const before = open.connects.length + open.requests.length;
    const network = buildNetwork({ env: { HTTP_PROXY: open.url, NO_PROXY: 'localhost,127.0.0.1' } });
    const store = storeFor(network);
    try {
      const bytes = randomBytes(5 * MiB + 1);
      await multipartThrough(store, bucket, 'direct/one.bin', bytes, 5 * MiB);
      expect((await objectBytes(moto.endpoint, bucket, 'direct/one.bin')).equals(bytes)).toBe(true);
      await new BackendClient({ url: backend.url, token: 'tok', fetch: network.fetch! }).listUploads();
      expect(open.connects.length + open.requests.length).toBe(before);
    } finally {
      store.destroy();
      await network.close();
    }
  });
});
