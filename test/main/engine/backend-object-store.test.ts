// The object store of a backend-linked transfer: its credentials may not HeadObject (and end when
// the upload does) or ListMultipartUploads, so it asks the backend instead (or answers "none");
// everything else is the inner S3 store's. The inner store is a fake; the backend client is the real one on a fake fetch.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BackendClient, BackendObjectStore, classifyError, type ObjectStore, type RemoteObject } from '../../../src/main/engine/index.js';
import type { UploadStatus, UploadView } from '../../../src/shared/backend-api.js';
import { DocksideError } from '../../../src/shared/errors.js';
import { UPLOAD_ID, uploadView } from '../../support/backend-fixtures.js';

const WHERE = { bucket: 'firm-dock', key: `uploads/${UPLOAD_ID}/scan.tif` };

/** What S3 sends the SDK for a request the session policy does not allow. */
function accessDenied(): Error {
  return Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } });
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

type Call = { method: string; args: unknown[] };

/** An inner store that records every call and answers from `behaviour` (or a canned value). */
class FakeStore implements ObjectStore {
  readonly calls: Call[] = [];
  head: () => Promise<RemoteObject | null> = async () => null;
  uploads: () => Promise<string[]> = async () => [];

  private record<T>(method: string, args: unknown[], value: T): Promise<T> {
    this.calls.push({ method, args });
    return Promise.resolve(value);
  }
  createMultipartUpload(...args: Parameters<ObjectStore['createMultipartUpload']>) {
    return this.record('createMultipartUpload', args, { uploadId: 'mpu-1' });
  }
  uploadPart(...args: Parameters<ObjectStore['uploadPart']>) {
    return this.record('uploadPart', args, { etag: '"etag-1"' });
  }
  listParts(...args: Parameters<ObjectStore['listParts']>) {
    return this.record('listParts', args, [{ partNumber: 1, size: 5, etag: '"etag-1"' }]);
  }
  async listUploads(...args: Parameters<ObjectStore['listUploads']>) {
    this.calls.push({ method: 'listUploads', args });
    return this.uploads();
  }
  uploadExists(...args: Parameters<ObjectStore['uploadExists']>) {
    return this.record('uploadExists', args, true);
  }
  completeMultipartUpload(...args: Parameters<ObjectStore['completeMultipartUpload']>) {
    return this.record('completeMultipartUpload', args, { etag: '"whole-3"' });
  }
  abortMultipartUpload(...args: Parameters<ObjectStore['abortMultipartUpload']>) {
    return this.record('abortMultipartUpload', args, undefined);
  }
  async headObject(...args: Parameters<ObjectStore['headObject']>) {
    this.calls.push({ method: 'headObject', args });
    return this.head();
  }
  refreshCredentials(): void {
    this.calls.push({ method: 'refreshCredentials', args: [] });
  }
}

/** A BackendClient whose fetch answers GET /v1/uploads/:id with `answer()`, recording the paths asked. */
function backend(answer: () => Response | UploadView) {
  const asked: string[] = [];
  const fake: typeof fetch = async (input, init) => {
    asked.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
    const out = answer();
    return out instanceof Response ? out : new Response(JSON.stringify(out), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { client: new BackendClient({ url: 'https://dockside.example.com', token: 'tok', fetch: fake }), asked };
}

function setup(view: () => Response | UploadView = () => uploadView()) {
  const inner = new FakeStore();
  const { client, asked } = backend(view);
  return { inner, asked, store: new BackendObjectStore(inner, client, UPLOAD_ID) };
}

const AVAILABLE = { bucket: 'firm-records', key: 'matters/scan.tif', checksum: 'AAAAAA==', checksumType: 'FULL_OBJECT' as const };

/** What the backend's view of the upload in each state should make headObject answer. */
const byStatus: Array<{ status: UploadStatus; expected: RemoteObject | null }> = [
  { status: 'uploading', expected: null },
  { status: 'docked', expected: { size: 1234, etag: '', metadata: {} } },
  { status: 'promoting', expected: { size: 1234, etag: '', metadata: {} } },
  { status: 'available', expected: { size: 1234, etag: '', metadata: {}, checksumCrc32: AVAILABLE.checksum } },
];
const viewIn = (status: UploadStatus) => uploadView({ status, size: 1234, ...(status === 'available' ? { available: AVAILABLE } : {}) });

describe('BackendObjectStore.headObject', () => {
  // The session policy does not allow HeadObject, and the backend stops vending credentials once
  // S3 has the object: the backend's view is the only answer, and S3 is never asked.
  it.each(byStatus)('$status → $expected, from the backend alone', async ({ status, expected }) => {
    const { inner, asked, store } = setup(() => viewIn(status));
    inner.head = () => Promise.reject(accessDenied());
    expect(await store.headObject(WHERE)).toEqual(expected);
    expect(asked).toEqual([`GET /v1/uploads/${UPLOAD_ID}`]);
    expect(inner.calls).toEqual([]);
  });

  // Ended on the server: no object of ours will come, so waiting for one (2.5 min) would be wrong.
  it.each([
    { status: 'aborted' as const, says: /^Upload \w+ was cancelled on the Dockside server, so Dockside stopped sending it/ },
    { status: 'failed' as const, says: /^The Dockside server rejected upload \w+: it is 9 bytes, not 1234\. Dockside stopped sending it/ },
  ])('$status → UPLOAD_CANCELLED, not retried', async ({ status, says }) => {
    const { inner, store } = setup(() => uploadView({ status, failureReason: status === 'failed' ? 'it is 9 bytes, not 1234.' : null }));
    const error = await store.headObject(WHERE).catch((e: unknown) => e);
    expect(classifyError(error)).toMatchObject({ code: 'UPLOAD_CANCELLED', retryable: false, message: expect.stringMatching(says) });
    expect(inner.calls).toEqual([]);
  });

  it('reports a backend that fails meanwhile as a typed error the retry logic retries', async () => {
    const { store } = setup(() => new Response('{"error":{"code":"SERVICE_UNAVAILABLE","message":"store down"}}', { status: 503 }));
    const error = await store.headObject(WHERE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocksideError);
    expect(classifyError(error)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
  });

  it("passes the caller's signal to the backend", async () => {
    const inner = new FakeStore();
    let backendSignal: AbortSignal | undefined;
    const fake: typeof fetch = async (_input, init) => {
      backendSignal = init?.signal ?? undefined;
      return new Response(JSON.stringify(viewIn('docked')), { status: 200 });
    };
    const store = new BackendObjectStore(inner, new BackendClient({ url: 'https://dockside.example.com', token: 'tok', fetch: fake }), UPLOAD_ID);
    const controller = new AbortController();
    await store.headObject(WHERE, controller.signal);
    expect(backendSignal?.aborted).toBe(false);
    controller.abort();
    expect(backendSignal?.aborted).toBe(true);
  });
});

describe('BackendObjectStore.listUploads', () => {
  it('answers "none" when S3 refuses ListMultipartUploads: the backend cleans up abandoned uploads', async () => {
    const { inner, store } = setup();
    inner.uploads = () => Promise.reject(accessDenied());
    expect(await store.listUploads(WHERE)).toEqual([]);
  });

  it('returns what S3 lists when S3 allows it', async () => {
    const { inner, store } = setup();
    inner.uploads = async () => ['mpu-old'];
    expect(await store.listUploads(WHERE)).toEqual(['mpu-old']);
  });

  it('lets other errors through unchanged', async () => {
    const { inner, store } = setup();
    const error = s3Error('InternalError', 500);
    inner.uploads = () => Promise.reject(error);
    await expect(store.listUploads(WHERE)).rejects.toBe(error);
  });
});

describe('BackendObjectStore.createMultipartUpload', () => {
  const request = { ...WHERE, metadata: {}, checksumType: 'FULL_OBJECT' as const, kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/dock' };

  it('asks the backend first, and creates the upload on S3 while the backend says uploading', async () => {
    const { inner, asked, store } = setup(() => uploadView({ status: 'uploading' }));
    const signal = new AbortController().signal;
    expect(await store.createMultipartUpload(request, signal)).toEqual({ uploadId: 'mpu-1' });
    expect(asked).toEqual([`GET /v1/uploads/${UPLOAD_ID}`]);
    expect(inner.calls).toEqual([{ method: 'createMultipartUpload', args: [request, signal] }]);
  });

  // The credentials in hand still work after a cancel on the server: the backend is the one to ask.
  it.each([
    { status: 'aborted' as const, code: 'UPLOAD_CANCELLED', says: /cancelled on the Dockside server/ },
    { status: 'failed' as const, code: 'UPLOAD_CANCELLED', says: /rejected upload/ },
    { status: 'docked' as const, code: 'INVALID_STATE', says: /already has the file of upload \w+ \(it is docked\); Dockside does not send it again/ },
    { status: 'promoting' as const, code: 'INVALID_STATE', says: /it is promoting/ },
    { status: 'available' as const, code: 'INVALID_STATE', says: /it is available/ },
  ])('refuses to start one when the backend says $status ($code), and never asks S3', async ({ status, code, says }) => {
    const { inner, store } = setup(() => viewIn(status));
    const error = await store.createMultipartUpload(request).catch((e: unknown) => e);
    expect(classifyError(error)).toMatchObject({ code, retryable: false, message: expect.stringMatching(says) });
    expect(inner.calls).toEqual([]);
  });

  it('lets a backend that cannot answer be retried, without asking S3', async () => {
    const { inner, store } = setup(() => new Response('{"error":{"code":"SERVICE_UNAVAILABLE","message":"store down"}}', { status: 503 }));
    const error = await store.createMultipartUpload(request).catch((e: unknown) => e);
    expect(classifyError(error)).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryable: true });
    expect(inner.calls).toEqual([]);
  });
});

describe('BackendObjectStore.endUpload', () => {
  it('cancels the upload on the backend (DELETE), which ends its credentials and cleans the dock; S3 is not asked', async () => {
    const { inner, asked, store } = setup(() => viewIn('aborted'));
    await store.endUpload();
    expect(asked).toEqual([`DELETE /v1/uploads/${UPLOAD_ID}`]);
    expect(inner.calls).toEqual([]);
  });
});

describe('BackendObjectStore delegates everything else to the S3 store', () => {
  const signal = new AbortController().signal;
  const upload = { ...WHERE, uploadId: 'mpu-1' };
  const cases: Array<{ method: keyof ObjectStore; args: unknown[]; result: unknown }> = [
    { method: 'uploadPart', args: [{ ...upload, partNumber: 1, body: Readable.from([]), contentLength: 0, checksumCrc32: 'AAAAAA==' }, signal], result: { etag: '"etag-1"' } },
    { method: 'listParts', args: [upload, signal], result: [{ partNumber: 1, size: 5, etag: '"etag-1"' }] },
    { method: 'uploadExists', args: [upload, signal], result: true },
    { method: 'completeMultipartUpload', args: [{ ...upload, parts: [], checksumType: 'FULL_OBJECT', fullChecksum: 'AAAAAA==' }, signal], result: { etag: '"whole-3"' } },
    { method: 'abortMultipartUpload', args: [upload, signal], result: undefined },
    { method: 'refreshCredentials', args: [], result: undefined },
  ];

  it.each(cases)('$method', async ({ method, args, result }) => {
    const { inner, asked, store } = setup();
    const call = store[method] as (...a: unknown[]) => unknown;
    expect(await call.apply(store, args)).toEqual(result);
    expect(inner.calls).toEqual([{ method, args }]);
    expect(inner.calls[0]!.args[0]).toBe(args[0]); // the very request, not a copy
    expect(asked).toEqual([]);
  });
});
