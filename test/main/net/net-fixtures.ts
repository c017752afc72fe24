// Local fixtures for the network tests: a real forward proxy (the `proxy` package, CONNECT and
// plain requests, optional Basic auth) that records what it saw, a throwaway CA with a server
// certificate made by openssl, and a TLS front (https reverse proxy) for a local http server.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createProxy } from 'proxy';
import { crc32Of, crc32ToBase64, type S3ObjectStore } from '../../../src/main/engine/index.js';
import { s3ClientFor } from '../../support/moto-server.js';

export interface LocalProxy {
  /** http://127.0.0.1:PORT (no credentials). */
  readonly url: string;
  readonly port: number;
  /** CONNECT targets (host:port) in arrival order, including refused ones. */
  readonly connects: string[];
  /** Absolute-URI requests it forwarded (method and URL). */
  readonly requests: string[];
  /** Proxy-Authorization headers refused. */
  readonly refused: number;
  close(): Promise<void>;
}

/** Starts the proxy; with `auth`, only that user and password get through (else 407). */
export async function startProxy(auth?: { user: string; password: string }): Promise<LocalProxy> {
  const server = http.createServer();
  const connects: string[] = [];
  const requests: string[] = [];
  const state = { refused: 0 };
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.prependListener('connect', (req: http.IncomingMessage) => connects.push(req.url ?? ''));
  server.prependListener('request', (req: http.IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  const proxy = createProxy(server);
  if (auth) {
    const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
    proxy.authenticate = (req) => {
      const good = req.headers['proxy-authorization'] === expected;
      if (!good) state.refused++;
      return good;
    };
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    requests,
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestCa {
  readonly dir: string;
  /** The CA certificate (PEM) and its file. */
  readonly caPem: string;
  readonly caFile: string;
  /** Server key and certificate for localhost / 127.0.0.1, signed by the CA. */
  readonly key: string;
  readonly cert: string;
  remove(): void;
}

/** Makes a CA and a server certificate with openssl (about a second). */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'dockside-ca-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Dockside Test Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeExtFile(dir);
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return {
    dir,
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function writeExtFile(dir: string): void {
  execFileSync('sh', ['-c', `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf`], { cwd: dir });
}

export interface TlsFront {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  close(): Promise<void>;
}

/** An https server that passes every request on to the http server at `upstream` (moto, say). */
export async function startTlsFront(upstream: string, ca: TestCa, onCheckContinue?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<TlsFront> {
  const target = new URL(upstream);
  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const headers = { ...req.headers };
    delete headers.expect;
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.writeHead(502).end());
    req.pipe(out);
  };
  const server = https.createServer({ key: ca.key, cert: ca.cert }, forward);
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (onCheckContinue?.(req, res)) return;
    res.writeContinue();
    forward(req, res);
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Uploads `bytes` in parts of `partSize` through `store` (streams, so the SDK sends Expect: 100-continue); returns the ETag. */
export async function multipartThrough(store: S3ObjectStore, bucket: string, key: string, bytes: Buffer, partSize: number): Promise<string> {
  const { uploadId } = await store.createMultipartUpload({ bucket, key, metadata: {}, checksumType: 'COMPOSITE' });
  const parts: { partNumber: number; size: number; etag: string; checksum: string }[] = [];
  for (let offset = 0, partNumber = 1; offset < bytes.length; offset += partSize, partNumber++) {
    const chunk = bytes.subarray(offset, Math.min(bytes.length, offset + partSize));
    const checksum = crc32ToBase64(crc32Of(chunk));
    const { etag } = await store.uploadPart({ bucket, key, uploadId, partNumber, body: Readable.from([chunk]), contentLength: chunk.length, checksumCrc32: checksum });
    parts.push({ partNumber, size: chunk.length, etag, checksum });
  }
  const done = await store.completeMultipartUpload({ bucket, key, uploadId, parts, checksumType: 'COMPOSITE', fullChecksum: crc32ToBase64(crc32Of(bytes)) });
  return done.etag;
}

/** The object's bytes, read straight from moto (no proxy). */
export async function objectBytes(endpoint: string, bucket: string, key: string): Promise<Buffer> {
  const s3 = s3ClientFor(endpoint);
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return Buffer.from(await out.Body!.transformToByteArray());
  } finally {
    s3.destroy();
  }
}
