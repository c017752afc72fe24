/**
 * A TLS endpoint signed by a private CA in front of moto: refused with a typed error telling the
 * user to add the CA, then a whole multipart upload once the CA is added (directly and through a
 * proxy). And the property our agents must keep from the SDK's own: a part S3 refuses before
 * taking its body (ExpiredToken) surfaces as that error, not as a reset connection.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, S3ObjectStore, StaticCredentialProvider } from '../../../src/main/engine/index.js';
import { buildNetwork, type Network } from '../../../src/main/net/index.js';
import { createBucket, startMoto, uniqueBucketName, type MotoServer } from '../../support/moto-server.js';
import { makeTestCa, multipartThrough, objectBytes, startProxy, startTlsFront, type LocalProxy, type TestCa, type TlsFront } from './net-fixtures.js';

const MiB = 1024 * 1024;
let moto: MotoServer;
let ca: TestCa;
let front: TlsFront;
let refusing: TlsFront;
let proxy: LocalProxy;
const bucket = uniqueBucketName('net-tls');
let earlyRefusals = 0;

const EXPIRED = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>';

beforeAll(async () => {
  ca = makeTestCa();
  [moto, proxy] = await Promise.all([startMoto(), startProxy()]);
  await createBucket(moto.endpoint, bucket);
  front = await startTlsFront(moto.endpoint, ca);
  // Refuses every part before its body, as S3 does for an expired session token, and closes.
  refusing = await startTlsFront(moto.endpoint, ca, (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!/partNumber=/.test(req.url ?? '')) return false;
    earlyRefusals++;
    res.writeHead(400, { 'content-type': 'application/xml', connection: 'close', 'content-length': Buffer.byteLength(EXPIRED) });
    res.end(EXPIRED);
    req.socket.destroySoon();
    return true;
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([moto?.stop(), front?.close(), refusing?.close(), proxy?.close()]);
  ca?.remove();
});

const credentials = new StaticCredentialProvider({ accessKeyId: 'test', secretAccessKey: 'test' });
const storeFor = (endpoint: string, network: Network | null) =>
  new S3ObjectStore({ target: { endpoint, region: 'us-east-1', forcePathStyle: true }, credentials, ...(network?.agents ? { agents: network.agents } : {}), stallTimeoutMs: 10_000 });

describe('an endpoint signed by a private CA', () => {
  it('is refused without the CA, with TLS_UNTRUSTED telling the user to add it', async () => {
    const store = storeFor(front.url, null);
    try {
      const error = classifyError(await store.createMultipartUpload({ bucket, key: 'x', metadata: {}, checksumType: 'COMPOSITE' }).catch((e: unknown) => e));
      expect(error.code).toBe('TLS_UNTRUSTED');
      expect(error.retryable).toBe(false);
      expect(error.message).toMatch(/not trusted.*add its root CA/);
    } finally {
      store.destroy();
    }
  });

  it('takes a whole multipart upload once the CA file is added', async () => {
    const network = buildNetwork({ caCertificates: [ca.caFile], env: {} });
    expect(network.trust.added).toEqual([expect.stringContaining('Dockside Test Root CA')]);
    const store = storeFor(front.url, network);
    try {
      const bytes = randomBytes(11 * MiB + 7);
      await multipartThrough(store, bucket, 'tls/direct.bin', bytes, 5 * MiB);
      expect((await objectBytes(moto.endpoint, bucket, 'tls/direct.bin')).equals(bytes)).toBe(true);
    } finally {
      store.destroy();
      await network.close();
    }
  });

  it('works through a proxy with the CA given inline (TLS end to end inside the tunnel)', async () => {
    const network = buildNetwork({ proxy: { url: proxy.url }, caCertificates: [ca.caPem], env: {} });
    const store = storeFor(front.url, network);
    try {
      const bytes = randomBytes(6 * MiB);
      await multipartThrough(store, bucket, 'tls/proxied.bin', bytes, 5 * MiB);
      expect((await objectBytes(moto.endpoint, bucket, 'tls/proxied.bin')).equals(bytes)).toBe(true);
      expect(proxy.connects).toContain(new URL(front.url).host);
    } finally {
      store.destroy();
      await network.close();
    }
  });
});

describe('a part refused before its body (100-continue kept with our agents)', () => {
  for (const via of ['direct', 'proxy'] as const) {
    it(`surfaces S3's ExpiredToken, not a reset connection (${via})`, async () => {
      const network = buildNetwork({ proxy: via === 'proxy' ? { url: proxy.url } : null, caCertificates: [ca.caFile], env: {} });
      const store = storeFor(refusing.url, network);
      try {
        const { uploadId } = await store.createMultipartUpload({ bucket, key: `early/${via}`, metadata: {}, checksumType: 'COMPOSITE' });
        const before = earlyRefusals;
        const size = 32 * MiB;
        let sent = 0;
        // A body far larger than socket buffers: had it been written at once, the refusal would race it.
        const body = Readable.from((function* () {
          for (let i = 0; i < size / MiB; i++) {
            sent += MiB;
            yield Buffer.alloc(MiB, 1);
          }
        })());
        const error = await store.uploadPart({ bucket, key: `early/${via}`, uploadId, partNumber: 1, body, contentLength: size, checksumCrc32: 'AAAAAA==' }).catch((e: unknown) => e);
        expect(earlyRefusals).toBe(before + 1);
        // The store says what S3 answered, with the SDK's error as the cause.
        expect(error).toMatchObject({ code: 'CREDENTIALS_EXPIRED', cause: { name: 'ExpiredToken' } });
        expect(classifyError(error).code).toBe('CREDENTIALS_EXPIRED');
        // At most the chunk a pipe reads ahead was produced; nothing was sent.
        expect(sent).toBeLessThanOrEqual(2 * MiB);
      } finally {
        store.destroy();
        await network.close();
      }
    });
  }
});
