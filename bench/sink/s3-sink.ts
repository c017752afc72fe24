/**
 * A fast loopback S3 endpoint for benchmarks: it speaks enough of the S3 REST API for the AWS CLI,
 * rclone, lib-storage's Upload and Dockside, and streams request bodies without storing them.
 *
 * Bodies are hashed as they arrive (CRC32 always, MD5 for ETags unless `md5: false`, SHA-1/256
 * when a request declares one of those checksums) and dropped. Objects and multipart uploads keep
 * metadata only: sizes, ETags, checksums, user metadata. Checksums sent by the client (headers,
 * Content-MD5 or an aws-chunked trailer) are verified: 400 BadDigest on mismatch. Complete checks
 * the part list like S3 (InvalidPart, InvalidPartOrder, EntityTooSmall) and a FULL_OBJECT CRC32
 * against the CRC32 combined from the parts.
 *
 * Not verified: SigV4 signatures (any are accepted), x-amz-content-sha256, CRC32C and CRC64NVME
 * values (recorded as sent). Buckets exist implicitly. GetObject is not implemented (no bytes kept).
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';
import { crc32OfParts, crc32ToBase64 } from '../../src/main/engine/crc32.js';
import { AwsChunkedDecoder, AwsChunkedError } from './aws-chunked.js';
import { ensureServerCert } from './tls-certs.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface SinkStats {
  requests: number;
  /** Payload bytes of PutObject and UploadPart bodies (after aws-chunked decoding). */
  bytesReceived: number;
  partsReceived: number;
  objectsCompleted: number;
  checksumFailures: number;
}

/** What the sink remembers of a stored object (no bytes). */
export interface SinkObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Quoted, as in S3 responses. */
  readonly etag: string;
  /** CRC32 (base64) of the whole object, whatever the client sent: computed or combined from parts. */
  readonly crc32: string;
  /** The checksum S3 would report with checksum mode (algorithm as in the header name). */
  readonly checksum?: { readonly algorithm: string; readonly type: 'FULL_OBJECT' | 'COMPOSITE'; readonly value: string };
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly partCount?: number;
  readonly lastModified: Date;
}

export interface S3Sink {
  /** https://127.0.0.1:PORT or http://... */
  readonly endpoint: string;
  /** PEM path of the test CA when tls. */
  readonly caFile?: string;
  stats(): SinkStats;
  /** The object's recorded metadata (an addition for tests and bench checks). */
  object(bucket: string, key: string): SinkObject | undefined;
  close(): Promise<void>;
}

export interface S3SinkOptions {
  tls: boolean;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 = a free port. */
  port?: number;
  /**
   * Compute MD5 of every body for S3-style ETags (default true). With false, ETags are derived
   * from CRC32 and size ("crc32-<hex>-<size>", never mistaken for an MD5); MD5 is still computed
   * for requests that carry Content-MD5, so it can be checked.
   */
  md5?: boolean;
  /**
   * With `md5: false` only: take a request's Content-MD5 on trust instead of hashing the body to
   * check it (its value becomes the ETag, as S3's would be for intact data). The AWS CLI and rclone
   * send Content-MD5 with every part, so without this the sink spends most of its CPU on MD5 for
   * them. Default false (Content-MD5 is verified). CRC32 and x-amz-checksum-* are always verified.
   */
  trustContentMd5?: boolean;
  /** Where the test CA and server certs are cached (default bench/.cache/tls). */
  certDir?: string;
}

export async function startS3Sink(options: S3SinkOptions): Promise<S3Sink> {
  const host = options.host ?? '127.0.0.1';
  const state = new SinkState(options.md5 ?? true, options.trustContentMd5 ?? false);
  const handler = (req: IncomingMessage, res: ServerResponse): void => state.handle(req, res, host);
  const common = {
    keepAlive: true,
    noDelay: true,
    highWaterMark: 1024 * 1024, // measured: no difference with flowing bodies (kept: harmless, fewer pauses if a handler lags)
    requestTimeout: 0, // a multi-GiB part on a slow link may take long; stalls are the client's business
    headersTimeout: 120_000,
    keepAliveTimeout: 120_000, // longer than rclone's (Go's) 90 s idle timeout: a reused socket is not closed under a request
  };
  let server: http.Server;
  let caFile: string | undefined;
  if (options.tls) {
    const cert = ensureServerCert(host, options.certDir);
    caFile = cert.caFile;
    server = https.createServer(
      {
        ...common,
        key: readFileSync(cert.keyFile),
        cert: readFileSync(cert.certFile),
        minVersion: 'TLSv1.2',
        // AES-128-GCM first: with AES-NI the cheapest AEAD, and the sink should not be the bottleneck.
        ciphers: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305',
        honorCipherOrder: true,
      },
      handler,
    );
    server.on('tlsClientError', () => undefined);
  } else {
    server = http.createServer(common, handler);
  }
  server.keepAliveTimeout = common.keepAliveTimeout;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const endpoint = `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    ...(caFile ? { caFile } : {}),
    stats: () => ({ ...state.stats }),
    object: (bucket, key) => state.objectInfo(bucket, key),
    close: () => {
      closing ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Errors and XML

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The client went away in the middle of its request body (nothing to answer). */
class ClientGone extends Error {
  constructor() {
    super('client closed the connection before the end of the body');
  }
}

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';
const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_XML_BODY = 16 * 1024 * 1024;

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

function unesc(value: string): string {
  return value.replace(/&(lt|gt|amp|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (whole, name: string, dec?: string, hex?: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[name] ?? whole;
  });
}

/** `<tag>escaped value</tag>`, or nothing for undefined. */
function el(tag: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${tag}>${esc(String(value))}</${tag}>`;
}

/** Text of the first <tag> in `xml`, unescaped. */
function tagText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  return m?.[1] === undefined ? undefined : unesc(m[1]).trim();
}

const unquote = (etag: string): string => etag.trim().replace(/^"+|"+$/g, '');
const quote = (etag: string): string => `"${etag}"`;
const isoDate = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, '.000Z');

// ---------------------------------------------------------------------------------------------
// State

type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'crc64nvme' | 'sha1' | 'sha256';
const ALGORITHMS: readonly ChecksumAlgorithm[] = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'];

interface PartInfo {
  readonly partNumber: number;
  readonly size: number;
  /** Unquoted. */
  readonly etag: string;
  readonly crc: number;
  readonly md5?: Buffer;
  /** Per algorithm, the base64 value S3 would list (sent by the client or computed). */
  readonly checksums: Partial<Record<ChecksumAlgorithm, string>>;
  readonly lastModified: Date;
}

interface UploadInfo {
  readonly id: string;
  readonly bucket: string;
  readonly key: string;
  readonly initiated: Date;
  readonly metadata: Record<string, string>;
  readonly contentType?: string;
  readonly algorithm?: ChecksumAlgorithm;
  readonly checksumType?: 'FULL_OBJECT' | 'COMPOSITE';
  readonly parts: Map<number, PartInfo>;
}

interface Received {
  size: number;
  crc: number;
  md5?: Buffer;
  /** The checksum the request carried (verified when the algorithm is one we compute). */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

interface Route {
  bucket: string;
  key: string;
  query: URLSearchParams;
}

/** One result per completed upload id, so a retried Complete (lost answer) gets the same answer. */
const COMPLETED_KEPT = 10_000;

class SinkState {
  readonly stats: SinkStats = { requests: 0, bytesReceived: 0, partsReceived: 0, objectsCompleted: 0, checksumFailures: 0 };
  private readonly buckets = new Map<string, { created: Date; objects: Map<string, SinkObject> }>();
  private readonly uploads = new Map<string, UploadInfo>();
  private readonly completed = new Map<string, { bucket: string; key: string; xml: string }>();
  private requestCounter = 0;
  /** DOCKSIDE_SINK_TRACE=1: one stderr line per request (method, URL, interesting headers). Off in benchmarks. */
  private readonly trace = process.env['DOCKSIDE_SINK_TRACE'] === '1';
  /** DOCKSIDE_SINK_DEBUG=1: one stderr line per refused request. */
  private readonly debug = process.env['DOCKSIDE_SINK_DEBUG'] === '1';

  constructor(
    private readonly md5: boolean,
    private readonly trustContentMd5: boolean,
  ) {}

  objectInfo(bucket: string, key: string): SinkObject | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  handle(req: IncomingMessage, res: ServerResponse, host: string): void {
    this.stats.requests++;
    res.setHeader('x-amz-request-id', (++this.requestCounter).toString(16).padStart(16, '0'));
    res.setHeader('Server', 'DocksideSink');
    if (this.trace) traceRequest(req);
    this.dispatch(req, res, host).catch((error: unknown) => this.fail(req, res, error));
  }

  private fail(req: IncomingMessage, res: ServerResponse, error: unknown): void {
    if (this.debug) {
      let what = String(error);
      if (error instanceof S3Error) what = `${error.status} ${error.code}: ${error.message}`;
      else if (error instanceof ClientGone) what = error.message;
      else if (error instanceof Error) what = error.stack ?? error.message;
      process.stderr.write(`sink: ${req.method} ${req.url} -> ${what}\n`);
    }
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const e =
      error instanceof S3Error
        ? error
        : error instanceof AwsChunkedError
          ? new S3Error(400, 'IncompleteBody', error.message)
          : new S3Error(500, 'InternalError', error instanceof Error ? error.message : String(error));
    if (!req.complete) res.setHeader('Connection', 'close'); // do not parse the rest of a refused body
    sendError(req, res, e);
  }

  private bucket(name: string): { created: Date; objects: Map<string, SinkObject> } {
    let b = this.buckets.get(name);
    if (!b) {
      b = { created: new Date(), objects: new Map() };
      this.buckets.set(name, b);
    }
    return b;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, host: string): Promise<void> {
    const route = parseRoute(req, host);
    const { bucket, key, query } = route;
    const method = req.method ?? 'GET';
    if (!bucket) {
      if (method === 'GET') return this.listBuckets(req, res);
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    if (!key) {
      switch (method) {
        case 'PUT':
          await drain(req);
          this.bucket(bucket);
          res.setHeader('Location', `/${bucket}`);
          return sendEmpty(res, 200);
        case 'HEAD':
          this.bucket(bucket);
          res.setHeader('x-amz-bucket-region', 'us-east-1');
          return sendEmpty(res, 200);
        case 'DELETE':
          this.buckets.delete(bucket);
          return sendEmpty(res, 204);
        case 'GET':
          if (query.has('location')) return sendXml(res, 200, `<LocationConstraint xmlns="${S3_NS}"></LocationConstraint>`);
          if (query.has('uploads')) return this.listUploads(res, bucket, query);
          if (query.has('versioning')) return sendXml(res, 200, `<VersioningConfiguration xmlns="${S3_NS}"/>`);
          if (query.get('list-type') === '2') return this.listObjects(res, bucket, query, 2);
          if ([...query.keys()].every((k) => ['prefix', 'delimiter', 'marker', 'max-keys', 'encoding-type', 'x-id'].includes(k))) {
            return this.listObjects(res, bucket, query, 1);
          }
          throw new S3Error(501, 'NotImplemented', `bucket subresource ${[...query.keys()].join(',')} is not implemented by the sink`);
        case 'POST':
          if (query.has('delete')) return this.deleteObjects(req, res, bucket);
          break;
      }
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    const uploadId = query.get('uploadId');
    switch (method) {
      case 'PUT':
        if (req.headers['x-amz-copy-source']) throw new S3Error(501, 'NotImplemented', 'copy is not implemented by the sink');
        if (uploadId !== null) return this.uploadPart(req, res, route, uploadId);
        return this.putObject(req, res, route);
      case 'POST':
        if (query.has('uploads')) return this.createUpload(req, res, route);
        if (uploadId !== null) return this.completeUpload(req, res, route, uploadId);
        break;
      case 'GET':
        if (uploadId !== null) return this.listParts(res, route, uploadId);
        throw new S3Error(501, 'NotImplemented', 'the sink keeps no object bytes: GetObject is not implemented');
      case 'HEAD':
        return this.headObject(req, res, route);
      case 'DELETE':
        if (uploadId !== null) {
          await drain(req);
          if (!this.uploads.delete(uploadId)) throw noSuchUpload(uploadId);
          return sendEmpty(res, 204);
        }
        this.buckets.get(bucket)?.objects.delete(key);
        return sendEmpty(res, 204);
    }
    throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  // --- bodies ------------------------------------------------------------------------------

  /** Streams the body through the hashes, verifies any checksum it carries, and forgets it. */
  private receive(req: IncomingMessage): Promise<Received> {
    const headers = req.headers;
    const contentMd5 = header(headers, 'content-md5');
    const declared = declaredChecksum(headers);
    let sentMd5: Buffer | undefined;
    if (contentMd5 !== undefined) {
      sentMd5 = Buffer.from(contentMd5.trim(), 'base64');
      if (sentMd5.length !== 16) return Promise.reject(new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.'));
    }
    const trusted = !this.md5 && this.trustContentMd5 ? sentMd5 : undefined;
    const md5 = this.md5 || (sentMd5 && !trusted) ? createHash('md5') : undefined;
    const sha: Hash | undefined =
      declared?.algorithm === 'sha1' ? createHash('sha1') : declared?.algorithm === 'sha256' ? createHash('sha256') : undefined;
    const stats = this.stats;
    let crc = 0;
    let size = 0;
    const onData = (data: Buffer): void => {
      crc = crc32(data, crc);
      md5?.update(data);
      sha?.update(data);
      size += data.length;
      stats.bytesReceived += data.length;
    };
    const decoder = isAwsChunked(headers) ? new AwsChunkedDecoder() : undefined;
    return new Promise<Received>((resolve, reject) => {
      let failed = false;
      const failWith = (error: unknown): void => {
        if (failed) return;
        failed = true;
        req.removeAllListeners('data');
        req.resume(); // discard the rest
        reject(error);
      };
      if (decoder) {
        req.on('data', (chunk: Buffer) => {
          if (failed) return;
          try {
            decoder.push(chunk, onData);
          } catch (error) {
            failWith(error);
          }
        });
      } else {
        req.on('data', onData);
      }
      req.once('error', failWith);
      req.once('aborted', () => failWith(new ClientGone()));
      req.once('end', () => {
        if (failed) return;
        try {
          crc >>>= 0;
          let expected = declared?.value;
          if (decoder) {
            decoder.finish();
            const decodedLength = header(headers, 'x-amz-decoded-content-length');
            if (decodedLength !== undefined && Number(decodedLength) !== size) {
              throw new S3Error(400, 'IncompleteBody', `x-amz-decoded-content-length is ${decodedLength} but the body had ${size} bytes.`);
            }
            if (declared) expected ??= decoder.trailers.get(`x-amz-checksum-${declared.algorithm}`);
            if (declared && expected === undefined) {
              throw new S3Error(400, 'MalformedTrailerError', `The request declared a ${declared.algorithm} trailer but sent none.`);
            }
          }
          const md5Digest = md5?.digest() ?? trusted;
          if (sentMd5 && md5Digest && !md5Digest.equals(sentMd5)) {
            stats.checksumFailures++;
            throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
          }
          const out: Received = { size, crc, ...(md5Digest ? { md5: md5Digest } : {}) };
          if (declared && expected !== undefined) {
            const actual = declared.algorithm === 'crc32' ? crc32ToBase64(crc) : sha ? sha.digest('base64') : undefined;
            if (actual !== undefined && actual !== expected) {
              stats.checksumFailures++;
              throw new S3Error(400, 'BadDigest', `The ${declared.algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
            }
            out.checksum = { algorithm: declared.algorithm, value: expected };
          }
          resolve(out);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  private etagOf(r: Received): string {
    return r.md5 ? r.md5.toString('hex') : `crc32-${r.crc.toString(16).padStart(8, '0')}-${r.size}`;
  }

  // --- objects -----------------------------------------------------------------------------

  private async putObject(req: IncomingMessage, res: ServerResponse, { bucket, key }: Route): Promise<void> {
    const received = await this.receive(req);
    const etag = this.etagOf(received);
    const checksum = received.checksum;
    const object: SinkObject = {
      bucket,
      key,
      size: received.size,
      etag: quote(etag),
      crc32: crc32ToBase64(received.crc),
      ...(checksum ? { checksum: { algorithm: checksum.algorithm, type: 'FULL_OBJECT' as const, value: checksum.value } } : {}),
      metadata: userMetadata(req.headers),
      ...contentTypeOf(req.headers),
      lastModified: new Date(),
    };
    this.bucket(bucket).objects.set(key, object);
    this.stats.objectsCompleted++;
    res.setHeader('ETag', object.etag);
    if (checksum) {
      res.setHeader(`x-amz-checksum-${checksum.algorithm}`, checksum.value);
      res.setHeader('x-amz-checksum-type', 'FULL_OBJECT');
    }
    sendEmpty(res, 200);
  }

  private headObject(req: IncomingMessage, res: ServerResponse, { bucket, key }: Route): void {
    req.resume();
    const object = this.objectInfo(bucket, key);
    if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    res.setHeader('Content-Length', object.size);
    res.setHeader('ETag', object.etag);
    res.setHeader('Last-Modified', object.lastModified.toUTCString());
    res.setHeader('Content-Type', object.contentType ?? 'binary/octet-stream');
    res.setHeader('Accept-Ranges', 'bytes');
    if (object.partCount !== undefined) res.setHeader('x-amz-mp-parts-count', object.partCount);
    for (const [name, value] of Object.entries(object.metadata)) res.setHeader(`x-amz-meta-${name}`, value);
    if (object.checksum && header(req.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED') {
      res.setHeader(`x-amz-checksum-${object.checksum.algorithm}`, object.checksum.value);
      res.setHeader('x-amz-checksum-type', object.checksum.type);
    }
    res.writeHead(200);
    res.end();
  }

  private async deleteObjects(req: IncomingMessage, res: ServerResponse, bucket: string): Promise<void> {
    const xml = (await readBody(req)).toString('utf8');
    const objects = this.buckets.get(bucket)?.objects;
    let out = '';
    for (const m of xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)) {
      const key = tagText(m[1] ?? '', 'Key');
      if (key === undefined) continue;
      objects?.delete(key);
      out += `<Deleted>${el('Key', key)}</Deleted>`;
    }
    sendXml(res, 200, `<DeleteResult xmlns="${S3_NS}">${out}</DeleteResult>`);
  }

  private listBuckets(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const buckets = [...this.buckets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, b]) => `<Bucket>${el('Name', name)}${el('CreationDate', isoDate(b.created))}</Bucket>`)
      .join('');
    sendXml(res, 200, `<ListAllMyBucketsResult xmlns="${S3_NS}"><Owner><ID>sink</ID><DisplayName>sink</DisplayName></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`);
  }

  /** ListObjects (v1) and ListObjectsV2, with prefix, delimiter and pagination. */
  private listObjects(res: ServerResponse, bucket: string, query: URLSearchParams, version: 1 | 2): void {
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxKeys = clampInt(query.get('max-keys'), 1000, 0, 1000);
    const urlEncode = query.get('encoding-type') === 'url';
    const enc = (s: string): string => (urlEncode ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
    const token = query.get('continuation-token');
    const after = version === 2 ? (token !== null ? Buffer.from(token, 'base64url').toString('utf8') : (query.get('start-after') ?? '')) : (query.get('marker') ?? '');
    const objects = this.buckets.get(bucket)?.objects ?? new Map<string, SinkObject>();
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let contents = '';
    let prefixes = '';
    let count = 0;
    let last: string | undefined;
    let truncated = false;
    const seenPrefixes = new Set<string>();
    for (const k of keys) {
      // Resuming after a common prefix: skip the rest of that prefix.
      if (delimiter && after.endsWith(delimiter) && k.startsWith(after)) continue;
      let common: string | undefined;
      if (delimiter) {
        const at = k.indexOf(delimiter, prefix.length);
        if (at >= 0) common = k.slice(0, at + delimiter.length);
      }
      if (common !== undefined && seenPrefixes.has(common)) continue;
      if (count >= maxKeys) {
        truncated = true;
        break;
      }
      count++;
      if (common !== undefined) {
        seenPrefixes.add(common);
        prefixes += `<CommonPrefixes>${el('Prefix', enc(common))}</CommonPrefixes>`;
        last = common;
      } else {
        const o = objects.get(k)!;
        contents += `<Contents>${el('Key', enc(k))}${el('LastModified', isoDate(o.lastModified))}${el('ETag', o.etag)}${el('Size', o.size)}<StorageClass>STANDARD</StorageClass></Contents>`;
        last = k;
      }
    }
    let head = `${el('Name', bucket)}${el('Prefix', enc(prefix))}${el('MaxKeys', maxKeys)}${delimiter ? el('Delimiter', enc(delimiter)) : ''}${el('IsTruncated', truncated)}`;
    if (urlEncode) head += el('EncodingType', 'url');
    if (version === 2) {
      head += el('KeyCount', count);
      if (token !== null) head += el('ContinuationToken', token);
      if (query.get('start-after') !== null) head += el('StartAfter', enc(query.get('start-after') ?? ''));
      if (truncated && last !== undefined) head += el('NextContinuationToken', Buffer.from(last, 'utf8').toString('base64url'));
    } else {
      head += el('Marker', enc(query.get('marker') ?? ''));
      if (truncated && last !== undefined) head += el('NextMarker', enc(last));
    }
    sendXml(res, 200, `<ListBucketResult xmlns="${S3_NS}">${head}${contents}${prefixes}</ListBucketResult>`);
  }

  // --- multipart ---------------------------------------------------------------------------

  private async createUpload(req: IncomingMessage, res: ServerResponse, { bucket, key }: Route): Promise<void> {
    await drain(req);
    const algorithmHeader = header(req.headers, 'x-amz-checksum-algorithm')?.toLowerCase();
    if (algorithmHeader !== undefined && !ALGORITHMS.includes(algorithmHeader as ChecksumAlgorithm)) {
      throw new S3Error(400, 'InvalidRequest', `Checksum algorithm ${algorithmHeader} is not supported.`);
    }
    const algorithm = algorithmHeader as ChecksumAlgorithm | undefined;
    const typeHeader = header(req.headers, 'x-amz-checksum-type')?.toUpperCase();
    if (typeHeader !== undefined && typeHeader !== 'FULL_OBJECT' && typeHeader !== 'COMPOSITE') {
      throw new S3Error(400, 'InvalidRequest', `Checksum type ${typeHeader} is not supported.`);
    }
    if (typeHeader !== undefined && algorithm === undefined) {
      throw new S3Error(400, 'InvalidRequest', 'x-amz-checksum-type requires x-amz-checksum-algorithm.');
    }
    const checksumType = algorithm === undefined ? undefined : ((typeHeader as 'FULL_OBJECT' | 'COMPOSITE' | undefined) ?? (algorithm === 'crc64nvme' ? 'FULL_OBJECT' : 'COMPOSITE'));
    if (checksumType === 'FULL_OBJECT' && (algorithm === 'sha1' || algorithm === 'sha256')) {
      throw new S3Error(400, 'InvalidRequest', `The FULL_OBJECT checksum type cannot be used with the ${algorithm} algorithm.`);
    }
    this.bucket(bucket);
    const id = randomBytes(24).toString('base64url');
    this.uploads.set(id, {
      id,
      bucket,
      key,
      initiated: new Date(),
      metadata: userMetadata(req.headers),
      ...contentTypeOf(req.headers),
      ...(algorithm ? { algorithm } : {}),
      ...(checksumType ? { checksumType } : {}),
      parts: new Map(),
    });
    if (algorithm) {
      res.setHeader('x-amz-checksum-algorithm', algorithm.toUpperCase());
      res.setHeader('x-amz-checksum-type', checksumType!);
    }
    sendXml(res, 200, `<InitiateMultipartUploadResult xmlns="${S3_NS}">${el('Bucket', bucket)}${el('Key', key)}${el('UploadId', id)}</InitiateMultipartUploadResult>`);
  }

  private upload(route: Route, uploadId: string): UploadInfo {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== route.bucket || upload.key !== route.key) throw noSuchUpload(uploadId);
    return upload;
  }

  private async uploadPart(req: IncomingMessage, res: ServerResponse, route: Route, uploadId: string): Promise<void> {
    const partNumber = Number(route.query.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
      await drain(req);
      throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.');
    }
    if (!this.uploads.has(uploadId)) {
      await drain(req);
      throw noSuchUpload(uploadId);
    }
    const received = await this.receive(req);
    const upload = this.upload(route, uploadId); // still there after the body (not aborted meanwhile)
    const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
    if (received.checksum) checksums[received.checksum.algorithm] = received.checksum.value;
    if (upload.algorithm === 'crc32') checksums.crc32 ??= crc32ToBase64(received.crc);
    if (upload.algorithm && received.checksum && received.checksum.algorithm !== upload.algorithm) {
      throw new S3Error(
        400,
        'InvalidRequest',
        `Checksum Type mismatch occurred, expected checksum Type: ${upload.algorithm}, actual checksum Type: ${received.checksum.algorithm}`,
      );
    }
    const part: PartInfo = {
      partNumber,
      size: received.size,
      etag: this.etagOf(received),
      crc: received.crc,
      ...(received.md5 ? { md5: received.md5 } : {}),
      checksums,
      lastModified: new Date(),
    };
    upload.parts.set(partNumber, part);
    this.stats.partsReceived++;
    res.setHeader('ETag', quote(part.etag));
    for (const [algorithm, value] of Object.entries(checksums)) res.setHeader(`x-amz-checksum-${algorithm}`, value);
    sendEmpty(res, 200);
  }

  private listParts(res: ServerResponse, route: Route, uploadId: string): void {
    const upload = this.upload(route, uploadId);
    const maxParts = clampInt(route.query.get('max-parts'), 1000, 0, 1000);
    const marker = clampInt(route.query.get('part-number-marker'), 0, 0, 10_000);
    const numbers = [...upload.parts.keys()].filter((n) => n > marker).sort((a, b) => a - b);
    const page = numbers.slice(0, maxParts);
    const truncated = numbers.length > page.length;
    let parts = '';
    for (const n of page) {
      const p = upload.parts.get(n)!;
      let sums = '';
      for (const [algorithm, value] of Object.entries(p.checksums)) sums += el(`Checksum${algorithm.toUpperCase()}`, value);
      parts += `<Part>${el('PartNumber', n)}${el('LastModified', isoDate(p.lastModified))}${el('ETag', quote(p.etag))}${el('Size', p.size)}${sums}</Part>`;
    }
    const owner = '<ID>sink</ID><DisplayName>sink</DisplayName>';
    const body =
      `<ListPartsResult xmlns="${S3_NS}">${el('Bucket', upload.bucket)}${el('Key', upload.key)}${el('UploadId', upload.id)}` +
      `${el('PartNumberMarker', marker)}${el('NextPartNumberMarker', page.length ? page[page.length - 1] : marker)}${el('MaxParts', maxParts)}` +
      `${el('IsTruncated', truncated)}<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass>` +
      `${upload.algorithm ? el('ChecksumAlgorithm', upload.algorithm.toUpperCase()) : ''}${upload.checksumType ? el('ChecksumType', upload.checksumType) : ''}` +
      `${parts}</ListPartsResult>`;
    sendXml(res, 200, body);
  }

  private listUploads(res: ServerResponse, bucket: string, query: URLSearchParams): void {
    const prefix = query.get('prefix') ?? '';
    const maxUploads = clampInt(query.get('max-uploads'), 1000, 0, 1000);
    const keyMarker = query.get('key-marker') ?? '';
    const idMarker = query.get('upload-id-marker') ?? '';
    const all = [...this.uploads.values()]
      .filter((u) => u.bucket === bucket && u.key.startsWith(prefix))
      .filter((u) => u.key > keyMarker || (u.key === keyMarker && idMarker !== '' && u.id > idMarker))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = all.slice(0, maxUploads);
    const truncated = all.length > page.length;
    const lastUpload = page[page.length - 1];
    const owner = '<ID>sink</ID><DisplayName>sink</DisplayName>';
    let uploads = '';
    for (const u of page) {
      uploads += `<Upload>${el('Key', u.key)}${el('UploadId', u.id)}<Initiator>${owner}</Initiator><Owner>${owner}</Owner><StorageClass>STANDARD</StorageClass>${el('Initiated', isoDate(u.initiated))}${u.algorithm ? el('ChecksumAlgorithm', u.algorithm.toUpperCase()) : ''}${u.checksumType ? el('ChecksumType', u.checksumType) : ''}</Upload>`;
    }
    const body =
      `<ListMultipartUploadsResult xmlns="${S3_NS}">${el('Bucket', bucket)}${el('KeyMarker', keyMarker)}${el('UploadIdMarker', idMarker)}` +
      `${truncated && lastUpload ? el('NextKeyMarker', lastUpload.key) + el('NextUploadIdMarker', lastUpload.id) : ''}` +
      `${el('Prefix', prefix)}${el('MaxUploads', maxUploads)}${el('IsTruncated', truncated)}${uploads}</ListMultipartUploadsResult>`;
    sendXml(res, 200, body);
  }

  private async completeUpload(req: IncomingMessage, res: ServerResponse, route: Route, uploadId: string): Promise<void> {
    const xml = (await readBody(req)).toString('utf8');
    const replay = this.completed.get(uploadId);
    if (replay && replay.bucket === route.bucket && replay.key === route.key) return sendXml(res, 200, replay.xml);
    const upload = this.upload(route, uploadId);

    const requested: { partNumber: number; etag: string; checksums: Partial<Record<ChecksumAlgorithm, string>> }[] = [];
    for (const m of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
      const body = m[1] ?? '';
      const partNumber = Number(tagText(body, 'PartNumber'));
      const etag = tagText(body, 'ETag');
      if (!Number.isInteger(partNumber) || etag === undefined) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
      const checksums: Partial<Record<ChecksumAlgorithm, string>> = {};
      for (const algorithm of ALGORITHMS) {
        const value = tagText(body, `Checksum${algorithm.toUpperCase()}`);
        if (value !== undefined) checksums[algorithm] = value;
      }
      requested.push({ partNumber, etag: unquote(etag), checksums });
    }
    if (requested.length === 0) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');

    const parts: PartInfo[] = [];
    let previous = 0;
    for (const r of requested) {
      if (r.partNumber <= previous) throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
      previous = r.partNumber;
      const part = upload.parts.get(r.partNumber);
      if (!part || part.etag !== r.etag) {
        throw new S3Error(400, 'InvalidPart', `One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag. (part ${r.partNumber})`);
      }
      for (const [algorithm, value] of Object.entries(r.checksums)) {
        const have = part.checksums[algorithm as ChecksumAlgorithm] ?? (algorithm === 'crc32' ? crc32ToBase64(part.crc) : undefined);
        if (have !== undefined && have !== value) {
          throw new S3Error(400, 'InvalidPart', `One or more of the specified parts could not be found. The ${algorithm} checksum of part ${r.partNumber} does not match.`);
        }
      }
      if (upload.algorithm && r.checksums[upload.algorithm] === undefined) {
        throw new S3Error(
          400,
          'InvalidRequest',
          `The upload was created using a ${upload.algorithm} checksum. The complete request must include the checksum for each part. It was missing for part ${r.partNumber} in the request.`,
        );
      }
      parts.push(part);
    }
    for (let i = 0; i < parts.length - 1; i++) {
      if (parts[i]!.size < MIN_PART_SIZE) throw new S3Error(400, 'EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size. (part ${parts[i]!.partNumber}: ${parts[i]!.size} bytes)`);
    }

    // Object checksums: the whole-object CRC32 always (combined from the parts), plus what S3 reports.
    const fullCrc = crc32OfParts(parts.map((p) => ({ crc: p.crc, size: p.size })));
    const sentType = header(req.headers, 'x-amz-checksum-type')?.toUpperCase();
    if (sentType !== undefined && upload.checksumType !== undefined && sentType !== upload.checksumType) {
      throw new S3Error(400, 'InvalidRequest', `The upload was created using the ${upload.checksumType} checksum mode. The complete request must use the same checksum mode.`);
    }
    const sent = ALGORITHMS.map((a) => [a, header(req.headers, `x-amz-checksum-${a}`)] as const).find(([, v]) => v !== undefined);
    let checksum: SinkObject['checksum'];
    const type = upload.checksumType ?? (sent && sentType === 'FULL_OBJECT' ? 'FULL_OBJECT' : undefined);
    const algorithm = upload.algorithm ?? (type ? sent?.[0] : undefined);
    if (algorithm && type) {
      let value: string | undefined;
      if (algorithm === 'crc32') {
        value = type === 'FULL_OBJECT' ? crc32ToBase64(fullCrc) : compositeCrc32(parts);
      } else if (type === 'COMPOSITE' && (algorithm === 'sha1' || algorithm === 'sha256' || algorithm === 'crc32c')) {
        value = compositeOf(algorithm, parts);
      } else {
        value = sent?.[0] === algorithm ? sent[1] : undefined; // CRC32C/CRC64NVME full-object: recorded as sent
      }
      if (value !== undefined) checksum = { algorithm, type, value };
    }
    if (sent && checksum && sent[0] === checksum.algorithm && sent[1] !== undefined) {
      const strip = (v: string): string => v.replace(/-\d+$/, '');
      if (strip(sent[1]) !== strip(checksum.value)) {
        this.stats.checksumFailures++;
        throw new S3Error(400, 'BadDigest', `The ${checksum.algorithm.toUpperCase()} you specified for the whole object did not match the one computed from the parts.`);
      }
    }

    const size = parts.reduce((sum, p) => sum + p.size, 0);
    const etag = `${multipartDigest(parts)}-${parts.length}`;
    const object: SinkObject = {
      bucket: upload.bucket,
      key: upload.key,
      size,
      etag: quote(etag),
      crc32: crc32ToBase64(fullCrc),
      ...(checksum ? { checksum } : {}),
      metadata: upload.metadata,
      ...(upload.contentType !== undefined ? { contentType: upload.contentType } : {}),
      partCount: parts.length,
      lastModified: new Date(),
    };
    this.bucket(upload.bucket).objects.set(upload.key, object);
    this.uploads.delete(uploadId);
    this.stats.objectsCompleted++;
    const location = `/${encodeURIComponent(upload.bucket)}/${upload.key.split('/').map(encodeURIComponent).join('/')}`;
    const sums = checksum ? `${el(`Checksum${checksum.algorithm.toUpperCase()}`, checksum.value)}${el('ChecksumType', checksum.type)}` : '';
    const result = `<CompleteMultipartUploadResult xmlns="${S3_NS}">${el('Location', location)}${el('Bucket', upload.bucket)}${el('Key', upload.key)}${el('ETag', object.etag)}${sums}</CompleteMultipartUploadResult>`;
    if (this.completed.size >= COMPLETED_KEPT) this.completed.delete(this.completed.keys().next().value!);
    this.completed.set(uploadId, { bucket: upload.bucket, key: upload.key, xml: result });
    sendXml(res, 200, result);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

function traceRequest(req: IncomingMessage): void {
  const shown = Object.entries(req.headers)
    .filter(([name]) => name.startsWith('x-amz-') || ['content-length', 'content-md5', 'content-encoding', 'transfer-encoding', 'expect', 'host', 'connection'].includes(name))
    .filter(([name]) => name !== 'x-amz-date' && name !== 'x-amz-security-token')
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(' ');
  process.stderr.write(`sink: ${req.method} ${req.url} ${shown}\n`);
}

function noSuchUpload(id: string): S3Error {
  return new S3Error(404, 'NoSuchUpload', `The specified multipart upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed. (${id})`);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encoding = header(headers, 'content-encoding');
  if (encoding && encoding.split(',').some((e) => e.trim().toLowerCase() === 'aws-chunked')) return true;
  return header(headers, 'x-amz-content-sha256')?.startsWith('STREAMING-') ?? false;
}

/** The checksum a request carries in a header or announces as an aws-chunked trailer. */
function declaredChecksum(headers: IncomingHttpHeaders): { algorithm: ChecksumAlgorithm; value?: string } | undefined {
  for (const algorithm of ALGORITHMS) {
    const value = header(headers, `x-amz-checksum-${algorithm}`);
    if (value !== undefined) return { algorithm, value: value.trim() };
  }
  const trailer = header(headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer?.startsWith('x-amz-checksum-')) {
    const algorithm = trailer.slice('x-amz-checksum-'.length) as ChecksumAlgorithm;
    if (ALGORITHMS.includes(algorithm)) return { algorithm };
  }
  return undefined;
}

function userMetadata(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) out[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

function contentTypeOf(headers: IncomingHttpHeaders): { contentType?: string } {
  const type = header(headers, 'content-type');
  return type ? { contentType: type } : {};
}

function clampInt(value: string | null, fallback: number, min: number, max: number): number {
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new S3Error(400, 'InvalidArgument', `"${value}" is not a number.`);
  return Math.min(max, Math.max(min, Math.trunc(n)));
}

/** MD5 of the parts' binary MD5s (S3's multipart ETag); without MD5s, of their ETag strings. */
function multipartDigest(parts: readonly PartInfo[]): string {
  const hash = createHash('md5');
  for (const p of parts) hash.update(p.md5 ?? Buffer.from(p.etag, 'latin1'));
  return hash.digest('hex');
}

/** S3's COMPOSITE CRC32: the CRC32 of the concatenated 4-byte part CRCs, then "-N". */
function compositeCrc32(parts: readonly PartInfo[]): string {
  let crc = 0;
  const bytes = Buffer.alloc(4);
  for (const p of parts) {
    bytes.writeUInt32BE(p.crc >>> 0);
    crc = crc32(bytes, crc);
  }
  return `${crc32ToBase64(crc >>> 0)}-${parts.length}`;
}

/** COMPOSITE for SHA-1/SHA-256/CRC32C: the hash of the concatenated raw part checksums. CRC32C falls back to what was sent. */
function compositeOf(algorithm: 'sha1' | 'sha256' | 'crc32c', parts: readonly PartInfo[]): string | undefined {
  if (algorithm === 'crc32c') return undefined;
  const hash = createHash(algorithm);
  for (const p of parts) {
    const value = p.checksums[algorithm];
    if (value === undefined) return undefined;
    hash.update(Buffer.from(value, 'base64'));
  }
  return `${hash.digest('base64')}-${parts.length}`;
}

/** Bucket and key from a path-style URL, or from Host for virtual-host style (bucket.localhost, bucket.<host>). */
function parseRoute(req: IncomingMessage, host: string): Route {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  let hostBucket: string | undefined;
  const hostHeader = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  for (const suffix of ['.localhost', `.${host.toLowerCase()}`]) {
    if (hostHeader.endsWith(suffix) && hostHeader.length > suffix.length && !/^[\d.]+$/.test(hostHeader)) {
      hostBucket = hostHeader.slice(0, -suffix.length);
      break;
    }
  }
  try {
    if (hostBucket !== undefined) return { bucket: hostBucket, key: decodeURIComponent(path.slice(1)), query };
    const slash = path.indexOf('/', 1);
    const bucket = decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash));
    const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
    return { bucket, key, query };
  } catch {
    throw new S3Error(400, 'InvalidURI', `Couldn't parse the specified URI: ${path}`);
  }
}

function drain(req: IncomingMessage): Promise<void> {
  if (req.complete) return Promise.resolve();
  return new Promise((resolve, reject) => {
    req.on('data', () => undefined);
    req.once('end', resolve);
    req.once('error', reject);
    req.once('aborted', () => reject(new ClientGone()));
  });
}

/** A small body (XML). aws-chunked framing, if any, is removed. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const decoder = isAwsChunked(req.headers) ? new AwsChunkedDecoder() : undefined;
    const keep = (data: Buffer): void => {
      size += data.length;
      if (size > MAX_XML_BODY) throw new S3Error(400, 'MaxMessageLengthExceeded', 'Your request was too big.');
      chunks.push(Buffer.from(data)); // a copy: decoded runs are views of the socket's chunk
    };
    req.on('data', (chunk: Buffer) => {
      try {
        if (decoder) decoder.push(chunk, keep);
        else keep(chunk);
      } catch (error) {
        req.removeAllListeners('data');
        req.resume();
        reject(error);
      }
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(new ClientGone()));
  });
}

function sendEmpty(res: ServerResponse, status: number): void {
  res.setHeader('Content-Length', 0);
  res.writeHead(status);
  res.end();
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  const data = Buffer.from(XML_DECL + body, 'utf8');
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', data.length);
  res.writeHead(status);
  res.end(data);
}

function sendError(req: IncomingMessage, res: ServerResponse, error: S3Error): void {
  if (req.method === 'HEAD') {
    // No body for HEAD: the SDKs map the status (404 -> NotFound).
    res.setHeader('x-amz-error-code', error.code);
    return sendEmpty(res, error.status);
  }
  const resource = (req.url ?? '/').split('?')[0] ?? '/';
  sendXml(res, error.status, `<Error>${el('Code', error.code)}${el('Message', error.message)}${el('Resource', resource)}${el('RequestId', String(res.getHeader('x-amz-request-id') ?? ''))}</Error>`);
}
