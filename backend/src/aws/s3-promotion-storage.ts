/**
 * The dock and permanent buckets for the promotion worker (the PromotionStorage port): HeadObject
 * with checksums, a copy that re-encrypts under the permanent KMS key (CopyObject, or
 * CreateMultipartUpload + UploadPartCopy + Complete), and the dock delete. Every read of the dock
 * object is conditioned on the ETag of the event being handled (CopySourceIfMatch), so a replaced
 * object is never copied under the old event's name.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  UploadPartCopyCommand,
  type CompletedPart,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { awsStepError, JobStepError, type CopyRequest, type PromotionStorage } from '../domain/job-ports.js';
import { mapLimited } from '../domain/map-limited.js';
import type { ObjectFacts } from '../domain/promotion-plan.js';
import { bareEtag } from '../domain/s3-event.js';

export interface S3PromotionStorageOptions {
  readonly client: S3Client;
  readonly dockBucket: string;
  readonly permanentBucket: string;
  readonly permanentKmsKeyArn: string;
  /** UploadPartCopy calls in flight for one object. */
  readonly partConcurrency?: number;
}

export class S3PromotionStorage implements PromotionStorage {
  private readonly client: S3Client;
  private readonly partConcurrency: number;

  constructor(private readonly options: S3PromotionStorageOptions) {
    this.client = options.client;
    this.partConcurrency = Math.max(1, options.partConcurrency ?? 4);
  }

  headDock(key: string, partNumber?: number): Promise<ObjectFacts | null> {
    return this.head(this.options.dockBucket, key, partNumber);
  }

  headPermanent(key: string): Promise<ObjectFacts | null> {
    return this.head(this.options.permanentBucket, key);
  }

  async copy(request: CopyRequest): Promise<void> {
    if (request.plan.kind === 'single') {
      await this.copySingle(request);
    } else {
      await this.copyMultipart(request, request.plan.parts, request.plan.checksumType);
    }
  }

  async deleteDock(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.dockBucket, Key: key }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw wrap('DeleteObject (dock)', error);
    }
  }

  private async head(bucket: string, key: string, partNumber?: number): Promise<ObjectFacts | null> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED', ...(partNumber ? { PartNumber: partNumber } : {}) }),
      );
      return factsOf(out);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw wrap(`HeadObject (${bucket})`, error);
    }
  }

  private copySource(request: CopyRequest): string {
    return `${this.options.dockBucket}/${encodeURIComponent(request.dockKey)}`;
  }

  /** Destination settings shared by CopyObject and CreateMultipartUpload. */
  private destination(request: CopyRequest) {
    return {
      Bucket: this.options.permanentBucket,
      Key: request.permanentKey,
      ServerSideEncryption: 'aws:kms' as const,
      SSEKMSKeyId: this.options.permanentKmsKeyArn,
      BucketKeyEnabled: true,
      ChecksumAlgorithm: 'CRC32' as const,
      Metadata: { ...request.metadata },
      ContentType: request.contentType ?? 'application/octet-stream',
    };
  }

  private async copySingle(request: CopyRequest): Promise<void> {
    try {
      await this.client.send(
        new CopyObjectCommand({
          ...this.destination(request),
          CopySource: this.copySource(request),
          CopySourceIfMatch: `"${request.sourceEtag}"`,
          // REPLACE: the copy carries our metadata, not the dock object's.
          MetadataDirective: 'REPLACE',
        }),
        signalOption(request.signal),
      );
    } catch (error) {
      throw wrap('CopyObject', error, request.signal);
    }
  }

  private async copyMultipart(request: CopyRequest, parts: CopyRequestParts, checksumType: 'FULL_OBJECT' | 'COMPOSITE'): Promise<void> {
    let uploadId: string | undefined;
    try {
      const created = await this.client.send(
        new CreateMultipartUploadCommand({ ...this.destination(request), ChecksumType: checksumType }),
        signalOption(request.signal),
      );
      uploadId = created.UploadId;
      if (!uploadId) throw new JobStepError('AWS_ERROR', 'CreateMultipartUpload answered without an UploadId');
      const id = uploadId;
      const completed = await mapLimited(
        parts,
        this.partConcurrency,
        async (range): Promise<CompletedPart> => {
          const out = await this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.options.permanentBucket,
              Key: request.permanentKey,
              UploadId: id,
              PartNumber: range.partNumber,
              CopySource: this.copySource(request),
              CopySourceRange: `bytes=${range.start}-${range.end}`,
              CopySourceIfMatch: `"${request.sourceEtag}"`,
            }),
            signalOption(request.signal),
          );
          const etag = out.CopyPartResult?.ETag;
          if (!etag) throw new JobStepError('AWS_ERROR', `UploadPartCopy of part ${range.partNumber} answered without an ETag`);
          const checksum = out.CopyPartResult?.ChecksumCRC32;
          return { PartNumber: range.partNumber, ETag: etag, ...(checksum ? { ChecksumCRC32: checksum } : {}) };
        },
        request.signal,
      );
      const fullChecksum = request.sourceChecksumCrc32;
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.options.permanentBucket,
          Key: request.permanentKey,
          UploadId: id,
          MultipartUpload: { Parts: completed },
          // With FULL_OBJECT, S3 checks the copy's full-object CRC32 against the dock object's
          // before it completes (BadDigest otherwise); the caller verifies it again after.
          ...(checksumType === 'FULL_OBJECT' && fullChecksum ? { ChecksumType: 'FULL_OBJECT' as const, ChecksumCRC32: fullChecksum } : {}),
        }),
        signalOption(request.signal),
      );
      uploadId = undefined;
    } catch (error) {
      throw wrap('multipart copy', error, request.signal);
    } finally {
      // Best effort: parts of an unfinished copy would otherwise be billed until the permanent
      // bucket's lifecycle rule aborts them.
      if (uploadId !== undefined) {
        await this.client
          .send(new AbortMultipartUploadCommand({ Bucket: this.options.permanentBucket, Key: request.permanentKey, UploadId: uploadId }))
          .catch(() => undefined);
      }
    }
  }
}

type CopyRequestParts = Extract<CopyRequest['plan'], { kind: 'multipart' }>['parts'];

/**
 * ObjectFacts from a HeadObject answer. A checksum without a type is FULL_OBJECT on a single-part
 * object (moto, and older S3 answers, leave the type out after CopyObject) and COMPOSITE on a
 * multipart one (the ETag ends in `-N`), which is what S3 computed for such objects before it
 * reported types.
 */
export function factsOf(out: HeadObjectCommandOutput): ObjectFacts {
  const etag = bareEtag(out.ETag ?? '');
  const multipart = /-\d+$/.test(etag);
  const checksum = out.ChecksumCRC32 ?? null;
  const reportedType = out.ChecksumType === 'FULL_OBJECT' || out.ChecksumType === 'COMPOSITE' ? out.ChecksumType : null;
  return {
    size: out.ContentLength ?? 0,
    etag,
    checksumCrc32: checksum,
    checksumType: checksum === null ? null : (reportedType ?? (multipart ? 'COMPOSITE' : 'FULL_OBJECT')),
    serverSideEncryption: out.ServerSideEncryption ?? null,
    kmsKeyId: out.SSEKMSKeyId ?? null,
    contentType: out.ContentType ?? null,
    metadata: out.Metadata ?? {},
    partsCount: out.PartsCount ?? null,
  };
}

function signalOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

function wrap(operation: string, error: unknown, signal?: AbortSignal): JobStepError {
  if (error instanceof JobStepError) return error;
  if (signal?.aborted) return new JobStepError('ABORTED', `${operation} stopped: the job is stopping`, { cause: error });
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412) {
    return new JobStepError('SOURCE_CHANGED', `${operation}: the dock object no longer has the event's ETag`, { cause: error });
  }
  return awsStepError(`S3 ${operation}`, error);
}
