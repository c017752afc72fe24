/**
 * `/v1/uploads`: create an upload (with its first credentials), refresh credentials, read one or
 * a page of the caller's uploads, abort. Requests and responses are the zod schemas of the shared
 * wire contract; a user only ever sees their own uploads (another user's id answers 404).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createUploadRequestSchema,
  createUploadResponseSchema,
  credentialsResponseSchema,
  listUploadsQuerySchema,
  listUploadsResponseSchema,
  uploadIdSchema,
  uploadViewSchema,
  type TemporaryCredentialsWire,
  type UploadStatus,
} from '../../../src/shared/backend-api.js';
import type { BackendConfig } from '../config.js';
import type { CredentialVendor, VendedCredentials } from '../domain/credential-vendor.js';
import type { Dock } from '../domain/dock.js';
import { dockKeyFor } from '../domain/key-naming.js';
import type { UploadRecord, UploadStore } from '../domain/upload-store.js';
import { toUploadView } from '../domain/upload-view.js';
import { ApiHttpError } from './api-errors.js';
import { callerOf } from './request-identity.js';
import { commonErrors, conflictError, jsonResponse, notFoundError } from './responses.js';

export interface UploadRoutesDeps {
  readonly config: Pick<BackendConfig, 'aws' | 'clientS3' | 'dock'>;
  readonly store: UploadStore;
  readonly vendor: CredentialVendor;
  readonly dock: Dock;
  readonly newId: () => string;
  readonly now: () => number;
}

const idParams = z.strictObject({ id: uploadIdSchema });
const security = [{ bearerAuth: [] }];

// A user may cancel until the worker starts moving the file; after that it is the firm's.
const ABORTABLE: readonly UploadStatus[] = ['uploading', 'docked', 'failed'];

function wireCredentials(c: VendedCredentials): TemporaryCredentialsWire {
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration.toISOString() };
}

const notFound = (id: string): ApiHttpError => new ApiHttpError(404, 'NOT_FOUND', `No upload ${id} among your uploads.`);

/** The routes, as a Fastify plugin (registered under the `/v1` prefix by the server). */
export function uploadRoutes(deps: UploadRoutesDeps): FastifyPluginAsyncZod {
  const { config, store, vendor, dock } = deps;

  /** The caller's own record, or 404 whether it is missing or someone else's (no existence leak). */
  async function ownRecord(id: string, owner: string): Promise<UploadRecord> {
    const record = await store.get(id);
    if (record === null || record.owner !== owner) throw notFound(id);
    return record;
  }

  return async (app) => {
    app.post(
      '/uploads',
      {
        schema: {
          operationId: 'createUpload',
          summary: 'Start an upload: the server picks the dock key and vends credentials scoped to it',
          tags: ['uploads'],
          security,
          body: createUploadRequestSchema,
          response: { 201: jsonResponse('Created: the dock target and the first credentials', createUploadResponseSchema), ...commonErrors },
        },
      },
      async (request, reply) => {
        const { owner } = callerOf(request);
        const body = request.body;
        const id = deps.newId();
        const key = dockKeyFor(id, body.fileName);
        // Credentials first: if STS is down no record is left behind for an upload that never began.
        const credentials = await vendor.vend({ uploadId: id, owner, bucket: config.dock.bucket, key });
        const now = deps.now();
        await store.create({
          id,
          owner,
          fileName: body.fileName,
          size: body.size,
          contentType: body.contentType ?? null,
          checksum: body.checksum,
          dockBucket: config.dock.bucket,
          dockKey: key,
          status: 'uploading',
          createdAt: now,
          updatedAt: now,
          permanent: null,
          failureReason: null,
          notifiedAt: null,
        });
        request.log.info({ uploadId: id, user: owner, key, size: body.size }, 'upload created');
        return reply.code(201).send({
          id,
          target: {
            bucket: config.dock.bucket,
            key,
            region: config.aws.region,
            endpoint: config.clientS3.endpoint,
            forcePathStyle: config.clientS3.forcePathStyle,
            kmsKeyId: config.dock.kmsKeyArn,
          },
          credentials: wireCredentials(credentials),
        });
      },
    );

    app.post(
      '/uploads/:id/credentials',
      {
        schema: {
          operationId: 'refreshCredentials',
          summary: 'Fresh credentials for the same upload, always for the same principal',
          tags: ['uploads'],
          security,
          params: idParams,
          response: {
            200: jsonResponse('Fresh credentials for the same principal', credentialsResponseSchema),
            404: notFoundError,
            409: conflictError('The upload is no longer uploading'),
            ...commonErrors,
          },
        },
      },
      async (request) => {
        const { owner } = callerOf(request);
        const record = await ownRecord(request.params.id, owner);
        if (record.status !== 'uploading') {
          throw new ApiHttpError(409, 'INVALID_STATE', `Upload ${record.id} is ${record.status}; credentials are issued only while it is uploading.`);
        }
        const credentials = await vendor.vend({ uploadId: record.id, owner, bucket: record.dockBucket, key: record.dockKey });
        return { id: record.id, credentials: wireCredentials(credentials) };
      },
    );

    app.get(
      '/uploads/:id',
      {
        schema: {
          operationId: 'getUpload',
          summary: "One of the caller's uploads and its status",
          tags: ['uploads'],
          security,
          params: idParams,
          response: { 200: jsonResponse('The upload and its status', uploadViewSchema), 404: notFoundError, ...commonErrors },
        },
      },
      async (request) => {
        const { owner } = callerOf(request);
        let record = await ownRecord(request.params.id, owner);
        if (record.status === 'uploading') record = await noticeDocked(record, request.log);
        return toUploadView(record);
      },
    );

    app.get(
      '/uploads',
      {
        schema: {
          operationId: 'listUploads',
          summary: "The caller's uploads, newest first, a page at a time",
          tags: ['uploads'],
          security,
          querystring: listUploadsQuerySchema,
          response: { 200: jsonResponse('A page of uploads; pass nextCursor back as cursor', listUploadsResponseSchema), ...commonErrors },
        },
      },
      async (request) => {
        const { owner } = callerOf(request);
        const { limit, cursor } = request.query;
        const page = await store.listByOwner(owner, cursor === undefined ? { limit } : { limit, cursor });
        return { uploads: page.items.map(toUploadView), nextCursor: page.nextCursor };
      },
    );

    app.delete(
      '/uploads/:id',
      {
        schema: {
          operationId: 'abortUpload',
          summary: 'Abort an upload that has not started promotion (idempotent)',
          tags: ['uploads'],
          security,
          params: idParams,
          response: {
            200: jsonResponse('Aborted (or already aborted)', uploadViewSchema),
            404: notFoundError,
            409: conflictError('The upload is promoting or available and can no longer be aborted'),
            ...commonErrors,
          },
        },
      },
      async (request) => {
        const { owner } = callerOf(request);
        const record = await ownRecord(request.params.id, owner);
        let current: UploadRecord | null = record;
        if (record.status !== 'aborted') {
          current = ABORTABLE.includes(record.status) ? await store.transition(record.id, ABORTABLE, 'aborted') : null;
          // Lost a race (the worker took it) or not abortable: answer from what is stored now.
          current ??= await store.get(record.id);
          if (current === null) throw notFound(record.id);
          if (current.status !== 'aborted') {
            throw new ApiHttpError(409, 'INVALID_STATE', `Upload ${record.id} is ${current.status} and can no longer be aborted.`);
          }
        }
        // Also on a repeat DELETE: a previous attempt may have failed after recording `aborted`.
        const aborted = await dock.abortMultipartUploads(record.dockKey);
        await dock.deleteObject(record.dockKey);
        request.log.info({ uploadId: record.id, user: owner, key: record.dockKey, multipartUploadsAborted: aborted }, 'upload aborted');
        return toUploadView(current);
      },
    );
  };

  /**
   * An `uploading` record whose object is already in the dock (the client completed it, the S3
   * event is on its way) is reported and recorded as `docked`. The dock being unreachable is no
   * reason to fail a status read: the stored status is answered instead.
   */
  async function noticeDocked(record: UploadRecord, log: { warn: (obj: object, msg: string) => void }): Promise<UploadRecord> {
    let present: boolean;
    try {
      present = await dock.objectExists(record.dockKey);
    } catch (error) {
      log.warn({ err: error, uploadId: record.id }, 'could not check the dock for the object');
      return record;
    }
    if (!present) return record;
    return (await store.transition(record.id, ['uploading'], 'docked')) ?? (await store.get(record.id)) ?? record;
  }
}
