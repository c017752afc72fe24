/**
 * ObjectStore on the AWS SDK v3 S3 client. The SDK's own retries are off (maxAttempts 1):
 * part bodies are streams that cannot be replayed, and the engine retries with its own policy,
 * for as long as the transfer is active, re-reading the part from disk.
 *
 * Errors mean the same whatever S3 server answered them, per operation rather than per error code
 * (test/contracts/object-store.contract.ts checks it on moto, our sink and Ceph RGW):
 * - every failure is a DocksideError whose message names the operation and the object;
 * - a 404 to an operation on a multipart upload means the upload is gone (UPLOAD_NOT_FOUND),
 *   whatever code came with it (RGW answers ListParts with NoSuchKey), unless the bucket is missing;
 * - a 5xx to UploadPart or Complete is checked with a ListParts: when the upload is gone, that is
 *   the answer (moto answers 500 pages, RGW "This multipart completion is already in progress");
 * - a part whose aws-chunked CRC32 trailer the server refuses throws ChecksumTrailerRefusedError;
 * - Complete's ETag is quoted, and asked of HeadObject when the server answered none (RGW).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3Client,
  UploadPartCommand,
  type UploadPartCommandInput,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import type { BuildMiddleware } from '@smithy/types';
import http, { type Agent as HttpAgent } from 'node:http';
import https, { type Agent as HttpsAgent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DocksideError } from '../../shared/errors.js';
import type { TransferTarget } from '../../shared/transfer-model.js';
import { classifyError } from './retry.js';
import { announceAwsChunkedLength } from './aws-chunked-length.js';
import { PART_CHUNKS } from './part-body.js';
import { hookStoreAgent } from './store-agents.js';
import { Crc32Checksum } from './crc32.js';
import { ChecksumTrailerRefusedError } from './store-errors.js';
import type {
  CompletedObject,
  CompleteUploadRequest,
  CreateUploadRequest,
  CredentialProvider,
  ObjectStore,
  RemoteObject,
  RemotePart,
  UploadedPart,
  UploadPartRequest,
} from './ports.js';

const silent = (): void => undefined;
const SILENT_LOGGER = { trace: silent, debug: silent, info: silent, warn: silent, error: silent };

export interface S3ObjectStoreOptions {
  readonly target: Pick<TransferTarget, 'endpoint' | 'region' | 'forcePathStyle'>;
  readonly credentials: CredentialProvider;
  /** No bytes moving on a connection for this long means it stalled (default 60 s). */
  readonly stallTimeoutMs?: number;
  /**
   * The same for CompleteMultipartUpload (default 15 min): assembling a very large object takes
   * the server minutes, and S3-compatible servers, unlike S3, send nothing meanwhile.
   */
  readonly completeTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** Connections kept per store; at least the part concurrency. */
  readonly maxSockets?: number;
  /**
   * Builds the agents of one client when a proxy or extra CAs are configured (src/main/net);
   * absent, plain keep-alive agents. Called once per client: the client destroys them with itself.
   * Either way the store puts them behind the 100-continue gate (see makeClient).
   */
  readonly agents?: (options: { maxSockets: number }) => { httpAgent: HttpAgent; httpsAgent: HttpsAgent };
  /** Parts asked for per ListParts page (default and S3's maximum 1000; tests use fewer). */
  readonly listPartsPageSize?: number;
}

/** The S3 operations, as named in messages. */
type Operation =
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'ListParts'
  | 'ListMultipartUploads'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'HeadObject';

interface Where {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId?: string;
  readonly partNumber?: number;
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (raw: unknown): number | undefined => (raw as SdkError | null)?.$metadata?.httpStatusCode;
const s3CodeOf = (raw: unknown): string => {
  const e = (raw ?? {}) as SdkError;
  return e.Code ?? (e.name && e.name !== 'Error' && e.name !== 'UnknownError' ? e.name : '');
};

/** "UploadPart of part 3 of upload X on s3://bucket/key" and the like. */
function label(operation: Operation, where: Where): string {
  const part = where.partNumber !== undefined ? ` of part ${where.partNumber}` : '';
  const upload = where.uploadId !== undefined ? ` of upload ${where.uploadId}` : '';
  return `${operation}${part}${upload} on s3://${where.bucket}/${where.key}`;
}

/** "HTTP 404 NoSuchKey" (what the server answered, for messages). */
function answered(raw: unknown): string {
  const status = statusOf(raw);
  const code = s3CodeOf(raw);
  return [status !== undefined ? `HTTP ${status}` : '', code].filter((s) => s.length > 0).join(' ') || 'an error';
}

/** An ETag in quotes, as S3 sends them (RGW's Complete sends it bare); '' stays ''. */
function quoteEtag(etag: string | undefined): string {
  const bare = (etag ?? '').trim().replace(/^"+|"+$/g, '');
  return bare === '' ? '' : `"${bare}"`;
}

export class S3ObjectStore implements ObjectStore {
  private client!: S3Client;
  private completeClient!: S3Client;
  /** Clients replaced by a credential refresh, closed on destroy(). */
  private readonly retired: S3Client[] = [];
  private forceRefresh = false;

  constructor(private readonly options: S3ObjectStoreOptions) {
    this.makeClients();
  }

  /** One client for everything but completion, one with the longer completion timeout. */
  private makeClients(): void {
    this.client = this.makeClient(this.stallMs);
    this.completeClient = this.makeClient(this.completeMs);
  }

  private get stallMs(): number {
    return this.options.stallTimeoutMs ?? 60_000;
  }

  private get completeMs(): number {
    return Math.max(this.options.completeTimeoutMs ?? 15 * 60_000, this.stallMs);
  }

  private makeClient(stallTimeoutMs: number): S3Client {
    const { target, credentials } = this.options;
    const maxSockets = this.options.maxSockets ?? 32;
    const agents = this.options.agents?.({ maxSockets }) ?? {
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    };
    return new S3Client({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      forcePathStyle: target.forcePathStyle,
      maxAttempts: 1,
      // Every failure reaches the engine, which logs it to the journal; the SDK would otherwise
      // print its own warning to the user's terminal for each aborted streaming request.
      logger: SILENT_LOGGER,
      // Checksums only where we ask for them: every UploadPart does (a header or a trailer).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      checksumAlgorithms: { CRC32: Crc32Checksum },
      credentials: async () => {
        const forceRefresh = this.forceRefresh;
        this.forceRefresh = false;
        return credentials.getCredentials({ forceRefresh });
      },
      // Agents of our own, always. Given only agent options, the SDK sends every request that
      // expects "100 Continue" (every UploadPart) through a fresh agent without keep-alive: a new
      // connection and TLS handshake per part (measured: 66 connections for 64 parts; a 4 GiB
      // upload over TLS took 11.6–11.9 s that way, 9.8–10.4 s kept alive). Given agents, it keeps connections but
      // no longer waits for "100 Continue", so an early S3 error (ExpiredToken, AccessDenied)
      // would race the body and surface as a reset connection; the gate holds the body back.
      requestHandler: new NodeHttpHandler({
        httpAgent: hookStoreAgent(agents.httpAgent, PART_CHUNKS),
        httpsAgent: hookStoreAgent(agents.httpsAgent, PART_CHUNKS),
        connectionTimeout: this.options.connectTimeoutMs ?? 15_000,
        socketTimeout: stallTimeoutMs,
      }),
    });
  }

  refreshCredentials(): void {
    // The SDK caches the identity it resolved; a new client asks our provider again.
    // Old clients are left to finish their in-flight requests.
    this.forceRefresh = true;
    this.retired.push(this.client, this.completeClient);
    this.makeClients();
  }

  /** Sends one request, turning whatever it throws into the DocksideError it means (see the file's comment). */
  private async call<T>(operation: Operation, where: Where, signal: AbortSignal | undefined, send: () => Promise<T>, trailer = false): Promise<T> {
    try {
      return await send();
    } catch (raw) {
      throw await this.explain(operation, where, raw, signal, trailer);
    }
  }

  private async explain(operation: Operation, where: Where, raw: unknown, signal: AbortSignal | undefined, trailer: boolean): Promise<unknown> {
    // A stop of ours is not the server's answer: the caller tells those apart by the signal.
    if (signal?.aborted || raw instanceof DocksideError) return raw;
    const classified = classifyError(raw);
    const status = statusOf(raw);
    const what = label(operation, where);
    const onUpload = where.uploadId !== undefined && operation !== 'HeadObject';
    if (onUpload && (classified.code === 'UPLOAD_NOT_FOUND' || (status === 404 && s3CodeOf(raw) !== 'NoSuchBucket'))) {
      return this.gone(what, raw);
    }
    if (trailer && (status === 411 || status === 501 || classified.code === 'INVALID_REQUEST')) {
      return new ChecksumTrailerRefusedError(
        `${what}: the server refused the part's CRC32 sent as an aws-chunked trailer (it answered ${answered(raw)}); it takes the CRC32 in a header instead.`,
        raw,
      );
    }
    // Some servers answer parts and completions of a gone upload with a 5xx: ask whether it is there.
    const failed = classified.code === 'SERVICE_UNAVAILABLE' || classified.code === 'UNKNOWN';
    if ((operation === 'UploadPart' || operation === 'CompleteMultipartUpload') && onUpload && status !== undefined && status >= 500 && failed) {
      const exists = await this.uploadExists({ bucket: where.bucket, key: where.key, uploadId: where.uploadId! }, signal).catch(() => true);
      if (signal?.aborted) return raw;
      if (!exists) return this.gone(what, raw);
    }
    return new DocksideError(classified.code, `${what}: ${classified.message}`, { cause: raw, retryable: classified.retryable });
  }

  private gone(what: string, raw: unknown): DocksideError {
    return new DocksideError(
      'UPLOAD_NOT_FOUND',
      `${what}: the multipart upload no longer exists: it was aborted, expired or already completed (the server answered ${answered(raw)}).`,
      { cause: raw },
    );
  }

  async createMultipartUpload(req: CreateUploadRequest, signal?: AbortSignal): Promise<{ uploadId: string }> {
    const out = await this.call('CreateMultipartUpload', req, signal, () => this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: req.bucket,
        Key: req.key,
        ContentType: req.contentType ?? 'application/octet-stream',
        Metadata: { ...req.metadata },
        ChecksumAlgorithm: 'CRC32',
        ChecksumType: req.checksumType,
        ...(req.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: req.kmsKeyId } : {}),
      }),
      { abortSignal: signal },
    ));
    if (!out.UploadId) throw new DocksideError('INVALID_REQUEST', `${label('CreateMultipartUpload', req)}: the server answered without an UploadId.`);
    return { uploadId: out.UploadId };
  }

  async uploadPart(req: UploadPartRequest, signal?: AbortSignal): Promise<UploadedPart> {
    const command = new UploadPartCommand({
      Bucket: req.bucket,
      Key: req.key,
      UploadId: req.uploadId,
      PartNumber: req.partNumber,
      Body: req.body,
      ContentLength: req.contentLength,
      // With the value, a header; without it, the SDK streams the body as aws-chunked and
      // sends the CRC32 it computed on the way as a trailer (one read of the part, not two).
      ...(req.checksumCrc32 !== undefined ? { ChecksumCRC32: req.checksumCrc32 } : { ChecksumAlgorithm: 'CRC32' as const }),
      ...(req.contentMd5 !== undefined ? { ContentMD5: req.contentMd5 } : {}),
    });
    const chunkBytes = req.bodyChunkBytes;
    if (req.checksumCrc32 === undefined && chunkBytes !== undefined) {
      // A body in chunks of known size: the aws-chunked request says its length (aws-chunked-length.ts).
      command.middlewareStack.addRelativeTo(
        ((next) => (args) => {
          announceAwsChunkedLength(args.request, chunkBytes);
          return next(args);
        }) satisfies BuildMiddleware<UploadPartCommandInput, UploadPartCommandOutput>,
        { relation: 'after', toMiddleware: 'flexibleChecksumsMiddleware', name: 'docksideAwsChunkedLength' },
      );
    }
    const where = { bucket: req.bucket, key: req.key, uploadId: req.uploadId, partNumber: req.partNumber };
    const out = await this.call('UploadPart', where, signal, () => this.client.send(command, { abortSignal: signal }), req.checksumCrc32 === undefined);
    if (!out.ETag) throw new DocksideError('INVALID_REQUEST', `${label('UploadPart', where)}: the server answered without an ETag.`);
    return { etag: quoteEtag(out.ETag), ...(out.ChecksumCRC32 ? { checksumCrc32: out.ChecksumCRC32 } : {}) };
  }

  async listParts(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<RemotePart[]> {
    const parts: RemotePart[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.call('ListParts', req, signal, () => this.client.send(
        new ListPartsCommand({ Bucket: req.bucket, Key: req.key, UploadId: req.uploadId, MaxParts: this.options.listPartsPageSize ?? 1000, PartNumberMarker: marker }),
        { abortSignal: signal },
      ));
      for (const p of page.Parts ?? []) {
        if (p.PartNumber === undefined || !p.ETag) continue;
        parts.push({
          partNumber: p.PartNumber,
          size: p.Size ?? 0,
          etag: quoteEtag(p.ETag),
          ...(p.ChecksumCRC32 ? { checksumCrc32: p.ChecksumCRC32 } : {}),
        });
      }
      if (!page.IsTruncated) return parts;
      const next = page.NextPartNumberMarker;
      // A truncated page without a usable marker would loop forever; fail loudly instead.
      if (next === undefined || next === marker) throw new DocksideError('INVALID_REQUEST', `${label('ListParts', req)}: the server said there were more parts without saying where they start.`);
      marker = next;
    }
  }

  async listUploads(req: { bucket: string; key: string }, signal?: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      const page = await this.call('ListMultipartUploads', req, signal, () => this.client.send(
        new ListMultipartUploadsCommand({ Bucket: req.bucket, Prefix: req.key, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        { abortSignal: signal },
      ));
      for (const u of page.Uploads ?? []) if (u.Key === req.key && u.UploadId) ids.push(u.UploadId);
      if (!page.IsTruncated) return ids;
      if (page.NextKeyMarker === keyMarker && page.NextUploadIdMarker === uploadIdMarker) throw new DocksideError('INVALID_REQUEST', `${label('ListMultipartUploads', req)}: the server said there were more uploads without saying where they start.`);
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  async uploadExists(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.call('ListParts', req, signal, () =>
        this.client.send(new ListPartsCommand({ Bucket: req.bucket, Key: req.key, UploadId: req.uploadId, MaxParts: 1 }), { abortSignal: signal }),
      );
      return true;
    } catch (error) {
      if (error instanceof DocksideError && error.code === 'UPLOAD_NOT_FOUND') return false;
      throw error;
    }
  }

  async completeMultipartUpload(req: CompleteUploadRequest, signal?: AbortSignal): Promise<CompletedObject> {
    const out = await this.call('CompleteMultipartUpload', req, signal, () => this.completeClient.send(
      new CompleteMultipartUploadCommand({
        Bucket: req.bucket,
        Key: req.key,
        UploadId: req.uploadId,
        MultipartUpload: {
          Parts: req.parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ChecksumCRC32: p.checksum })),
        },
        ...(req.checksumType === 'FULL_OBJECT' ? { ChecksumCRC32: req.fullChecksum, ChecksumType: 'FULL_OBJECT' as const } : {}),
      }),
      { abortSignal: signal },
    ));
    const checksum = out.ChecksumCRC32 ? { checksumCrc32: out.ChecksumCRC32 } : {};
    const etag = quoteEtag(out.ETag);
    if (etag !== '') return { etag, ...checksum };
    // RGW 16.2 answers its first Complete with an empty ETag: the object's is the answer. If even
    // that cannot be had, '' (the caller heads the object anyway).
    const object = await this.headObject(req, signal).catch(() => null);
    return { etag: quoteEtag(object?.etag), ...checksum };
  }

  async abortMultipartUpload(req: { bucket: string; key: string; uploadId: string }, signal?: AbortSignal): Promise<void> {
    await this.call('AbortMultipartUpload', req, signal, () =>
      this.client.send(new AbortMultipartUploadCommand({ Bucket: req.bucket, Key: req.key, UploadId: req.uploadId }), { abortSignal: signal }),
    );
  }

  async headObject(req: { bucket: string; key: string }, signal?: AbortSignal): Promise<RemoteObject | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: req.bucket, Key: req.key, ChecksumMode: 'ENABLED' }), {
        abortSignal: signal,
      });
      return {
        size: out.ContentLength ?? 0,
        etag: quoteEtag(out.ETag),
        metadata: out.Metadata ?? {},
        ...(out.ChecksumCRC32 ? { checksumCrc32: out.ChecksumCRC32 } : {}),
        ...(out.ChecksumType ? { checksumType: out.ChecksumType } : {}),
      };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return null;
      throw await this.explain('HeadObject', req, error, signal, false);
    }
  }

  /** Closes pooled connections. */
  destroy(): void {
    for (const client of [this.client, this.completeClient, ...this.retired]) client.destroy();
    this.retired.length = 0;
  }
}
