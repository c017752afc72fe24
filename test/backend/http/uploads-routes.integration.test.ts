// The /v1 routes over fastify.inject() with in-memory fakes: status codes, bodies, transitions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  apiErrorSchema,
  createUploadResponseSchema,
  credentialsResponseSchema,
  listUploadsResponseSchema,
  MAX_OBJECT_SIZE,
  uploadViewSchema,
} from '../../../src/shared/backend-api.js';
import { sampleRecord } from '../../contracts/upload-store.contract.js';
import { auth, CREATE_BODY, createUpload, FakeVendor, startHarness, type Harness } from './server-harness.js';

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.app.close();
});

function expectApiError(res: { statusCode: number; json: () => unknown }, status: number, code: string): string {
  expect(res.statusCode).toBe(status);
  const body = apiErrorSchema.parse(res.json());
  expect(body.error.code).toBe(code);
  return body.error.message;
}

describe('POST /v1/uploads', () => {
  it('creates an upload: server-chosen key, the dock target and credentials for exactly that key', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: { ...CREATE_BODY, fileName: 'C:\\Users\\alice\\..\\Film final.mov' } });
    expect(res.statusCode).toBe(201);
    const body = createUploadResponseSchema.parse(res.json());
    expect(body.target).toEqual({
      bucket: 'firm-dock',
      key: `uploads/${body.id}/Film_final.mov`,
      region: 'us-east-1',
      endpoint: null,
      forcePathStyle: false,
      kmsKeyId: h.config.dock.kmsKeyArn,
    });
    expect(body.credentials.secretAccessKey).toBe('fake-secret');
    expect(h.vendor.calls).toEqual([{ uploadId: body.id, owner: 'static:alice', bucket: 'firm-dock', key: body.target.key }]);
    const record = await h.store.get(body.id);
    expect(record).toMatchObject({ owner: 'static:alice', status: 'uploading', fileName: 'C:\\Users\\alice\\..\\Film final.mov', dockKey: body.target.key, contentType: 'video/quicktime' });
  });

  it('refuses a name with nothing safe in it as INVALID_FILE_NAME, and vends nothing', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: { ...CREATE_BODY, fileName: '../..' } });
    expect(expectApiError(res, 400, 'INVALID_FILE_NAME')).toMatch(/no usable characters/);
    expect(h.vendor.calls).toHaveLength(0);
  });

  it.each([
    [{ ...CREATE_BODY, size: MAX_OBJECT_SIZE + 1 }, /body\.size/],
    [{ ...CREATE_BODY, size: -1 }, /body\.size/],
    [{ ...CREATE_BODY, size: 1.5 }, /body\.size/],
    [{ ...CREATE_BODY, fileName: '' }, /body\.fileName/],
    [{ ...CREATE_BODY, checksum: { algorithm: 'MD5', type: 'FULL_OBJECT' } }, /body\.checksum\.algorithm/],
    [{ ...CREATE_BODY, contentType: 'not a type' }, /body\.contentType/],
    [{ ...CREATE_BODY, owner: 'bob' }, /body: .*owner/],
    [{ fileName: 'x' }, /body\.size/],
  ])('answers 400 naming the field for %j', async (payload, field) => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload });
    expect(expectApiError(res, 400, 'INVALID_REQUEST')).toMatch(field);
  });

  // JSON.stringify writes a lone surrogate as the escape `\ud800`, which JSON.parse turns back into one.
  it.each([
    ['fileName', JSON.stringify({ ...CREATE_BODY, fileName: 'Film\uD800final.mov' }), /body\.fileName: must be well-formed Unicode/],
    ['fileName, a lone low surrogate', JSON.stringify({ ...CREATE_BODY, fileName: '\uDE00.mov' }), /body\.fileName: must be well-formed Unicode/],
    ['contentType', JSON.stringify({ ...CREATE_BODY, contentType: 'video/\uD800' }), /body\.contentType: must be well-formed Unicode/],
    ['a key', JSON.stringify({ ...CREATE_BODY, ['x\uD800']: 1 }), /body\.x\uFFFD: must be well-formed Unicode/],
    ['a nested value', JSON.stringify({ ...CREATE_BODY, checksum: { algorithm: 'CRC32', type: '\uDBFF' } }), /body\.checksum\.type: must be well-formed Unicode/],
  ])('refuses a lone surrogate in %s with 400 INVALID_REQUEST, before any STS call and without a record', async (_where, payload, message) => {
    expect(payload).toMatch(/\\ud[89ab]|\\ud[c-f]/);
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...auth('alice'), 'content-type': 'application/json' }, payload });
    expect(expectApiError(res, 400, 'INVALID_REQUEST')).toMatch(message);
    expect(h.vendor.calls).toHaveLength(0);
    expect(h.store.all()).toHaveLength(0);
  });

  it('keeps astral characters (surrogate pairs) in a name: they are well-formed', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: { ...CREATE_BODY, fileName: 'Zoë 😀 𝄞.mov' } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await h.store.get((res.json() as { id: string }).id))?.fileName).toBe('Zoë 😀 𝄞.mov');
  });

  it('accepts the largest object S3 allows', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: { ...CREATE_BODY, size: MAX_OBJECT_SIZE } });
    expect(res.statusCode).toBe(201);
  });

  // S3's largest object is 10,000 parts of 5 GiB = 48.8 TiB (since December 2025; 5 TiB before).
  it.each([
    ['5 TiB + 1 (the old limit + 1)', 5 * 1024 ** 4 + 1],
    ['48.8 TiB, exactly 10,000 x 5 GiB', 53_687_091_200_000],
  ])('accepts %s', async (_label, size) => {
    expect(MAX_OBJECT_SIZE).toBe(53_687_091_200_000);
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: { ...CREATE_BODY, size } });
    expect(res.statusCode, res.body).toBe(201);
    expect((await h.store.get((res.json() as { id: string }).id))?.size).toBe(size);
  });

  it('refuses 48.8 TiB + 1 byte as INVALID_REQUEST naming body.size', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: { ...CREATE_BODY, size: 53_687_091_200_001 } });
    expect(expectApiError(res, 400, 'INVALID_REQUEST')).toMatch(/body\.size/);
  });

  it('answers 503 with Retry-After when STS cannot vend, and leaves no record behind', async () => {
    h.vendor.failWith = FakeVendor.unavailable();
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: auth('alice'), payload: CREATE_BODY });
    expectApiError(res, 503, 'SERVICE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('5');
    expect(h.store.all()).toHaveLength(0);
  });

  it('answers 415 to a body that is not JSON, 413 to a huge one, 400 to broken or poisoned JSON', async () => {
    const headers = auth('alice');
    expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...headers, 'content-type': 'text/plain' }, payload: 'hi' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const huge = JSON.stringify({ ...CREATE_BODY, fileName: 'x'.repeat(100_000) });
    expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...headers, 'content-type': 'application/json' }, payload: huge }), 413, 'PAYLOAD_TOO_LARGE');
    expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...headers, 'content-type': 'application/json' }, payload: '{"fileName":' }), 400, 'INVALID_REQUEST');
    const poisoned = '{"fileName":"a","size":1,"checksum":{"algorithm":"CRC32","type":"COMPOSITE"},"__proto__":{"admin":true}}';
    expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...headers, 'content-type': 'application/json' }, payload: poisoned }), 400, 'INVALID_REQUEST');
    expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: { ...headers, 'content-type': 'application/json' }, payload: '' }), 400, 'INVALID_REQUEST');
  });
});

describe('POST /v1/uploads/:id/credentials', () => {
  it('vends fresh credentials for the same upload and key, accepting an empty JSON body', async () => {
    const id = await createUpload(h.app, 'alice');
    const res = await h.app.inject({ method: 'POST', url: `/v1/uploads/${id}/credentials`, headers: { ...auth('alice'), 'content-type': 'application/json' }, payload: '' });
    expect(res.statusCode).toBe(200);
    expect(credentialsResponseSchema.parse(res.json()).id).toBe(id);
    expect(h.vendor.calls[1]).toEqual(h.vendor.calls[0]);
  });

  it.each(['docked', 'promoting', 'available', 'failed', 'aborted'] as const)('refuses with 409 once the upload is %s', async (status) => {
    const id = await createUpload(h.app, 'alice');
    await h.store.transition(id, ['uploading'], status);
    const res = await h.app.inject({ method: 'POST', url: `/v1/uploads/${id}/credentials`, headers: auth('alice') });
    expect(expectApiError(res, 409, 'INVALID_STATE')).toContain(status);
  });

  it('answers 400 for an id that is not a ULID and 404 for an unknown one', async () => {
    expect(expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads/nope/credentials', headers: auth('alice') }), 400, 'INVALID_REQUEST')).toMatch(/params\.id/);
    expectApiError(await h.app.inject({ method: 'POST', url: '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/credentials', headers: auth('alice') }), 404, 'NOT_FOUND');
  });
});

describe('GET /v1/uploads/:id', () => {
  it('reports uploading while the dock has no object, then records and reports docked', async () => {
    const id = await createUpload(h.app, 'alice');
    const first = uploadViewSchema.parse((await h.app.inject({ url: `/v1/uploads/${id}`, headers: auth('alice') })).json());
    expect(first.status).toBe('uploading');
    h.dock.objects.add(first.dock.key);
    const second = uploadViewSchema.parse((await h.app.inject({ url: `/v1/uploads/${id}`, headers: auth('alice') })).json());
    expect(second.status).toBe('docked');
    expect((await h.store.get(id))?.status).toBe('docked');
  });

  it('answers a record stored before lone surrogates were refused, with U+FFFD in their place (not a 500)', async () => {
    const old = sampleRecord({ owner: 'static:alice', fileName: 'Old\uD800name.mov', status: 'failed', failureReason: 'x' });
    await h.store.create(old);
    const res = await h.app.inject({ url: `/v1/uploads/${old.id}`, headers: auth('alice') });
    expect(res.statusCode, res.body).toBe(200);
    expect(uploadViewSchema.parse(res.json()).fileName).toBe('Old\uFFFDname.mov');
    const list = await h.app.inject({ url: '/v1/uploads', headers: auth('alice') });
    expect(listUploadsResponseSchema.parse(list.json()).uploads.map((u) => u.fileName)).toEqual(['Old\uFFFDname.mov']);
  });

  it('answers from the store when the dock cannot be reached', async () => {
    const id = await createUpload(h.app, 'alice');
    h.dock.failing = true;
    const res = await h.app.inject({ url: `/v1/uploads/${id}`, headers: auth('alice') });
    expect(res.statusCode).toBe(200);
    expect(uploadViewSchema.parse(res.json()).status).toBe('uploading');
  });

  it('shows the permanent location once available, and the reason once failed', async () => {
    const a = await createUpload(h.app, 'alice');
    const permanent = { bucket: 'firm-permanent', key: 'uploads/x/Film_final.mov', checksum: 'AAAAAA==', checksumType: 'FULL_OBJECT' as const, etag: '"e"' };
    await h.store.transition(a, ['uploading'], 'available', { permanent });
    const view = uploadViewSchema.parse((await h.app.inject({ url: `/v1/uploads/${a}`, headers: auth('alice') })).json());
    expect(view.available).toEqual({ bucket: 'firm-permanent', key: 'uploads/x/Film_final.mov', checksum: 'AAAAAA==', checksumType: 'FULL_OBJECT', verifiedBy: 'copy-crc32' });
    const f = await createUpload(h.app, 'alice');
    await h.store.transition(f, ['uploading'], 'failed', { failureReason: 'The permanent copy did not match.' });
    const failed = uploadViewSchema.parse((await h.app.inject({ url: `/v1/uploads/${f}`, headers: auth('alice') })).json());
    expect(failed).toMatchObject({ status: 'failed', failureReason: 'The permanent copy did not match.', available: null });
  });
});

describe('GET /v1/uploads', () => {
  it("pages through the caller's uploads newest first, and only theirs", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createUpload(h.app, 'alice'));
    await createUpload(h.app, 'bob');
    const seen: string[] = [];
    let url = '/v1/uploads?limit=2';
    for (let i = 0; i < 5; i++) {
      const page = listUploadsResponseSchema.parse((await h.app.inject({ url, headers: auth('alice') })).json());
      expect(page.uploads.length).toBeLessThanOrEqual(2);
      seen.push(...page.uploads.map((u) => u.id));
      if (page.nextCursor === null) break;
      url = `/v1/uploads?limit=2&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses bad limits, unknown parameters and foreign cursors with 400', async () => {
    expect(expectApiError(await h.app.inject({ url: '/v1/uploads?limit=0', headers: auth('alice') }), 400, 'INVALID_REQUEST')).toMatch(/querystring\.limit/);
    expectApiError(await h.app.inject({ url: '/v1/uploads?limit=abc', headers: auth('alice') }), 400, 'INVALID_REQUEST');
    expectApiError(await h.app.inject({ url: '/v1/uploads?limit=101', headers: auth('alice') }), 400, 'INVALID_REQUEST');
    expectApiError(await h.app.inject({ url: '/v1/uploads?owner=bob', headers: auth('alice') }), 400, 'INVALID_REQUEST');
    expectApiError(await h.app.inject({ url: '/v1/uploads?cursor=garbage', headers: auth('alice') }), 400, 'INVALID_CURSOR');
    for (let i = 0; i < 2; i++) await createUpload(h.app, 'bob');
    const bobs = listUploadsResponseSchema.parse((await h.app.inject({ url: '/v1/uploads?limit=1', headers: auth('bob') })).json());
    expectApiError(await h.app.inject({ url: `/v1/uploads?cursor=${bobs.nextCursor}`, headers: auth('alice') }), 400, 'INVALID_CURSOR');
  });
});

describe('DELETE /v1/uploads/:id', () => {
  it('aborts the dock multipart uploads, removes a finished dock object, records aborted, and is idempotent', async () => {
    const id = await createUpload(h.app, 'alice');
    const key = (await h.store.get(id))!.dockKey;
    h.dock.multipart.set(key, 2);
    const first = await h.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: auth('alice') });
    expect(first.statusCode).toBe(200);
    expect(uploadViewSchema.parse(first.json()).status).toBe('aborted');
    expect(h.dock.multipart.has(key)).toBe(false);
    const again = await h.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: auth('alice') });
    expect(again.statusCode).toBe(200);
    expect(uploadViewSchema.parse(again.json()).status).toBe('aborted');
    expect(h.logText()).toContain('"multipartUploadsAborted":2');
  });

  it.each(['docked', 'failed'] as const)('aborts a %s upload too', async (status) => {
    const id = await createUpload(h.app, 'alice');
    await h.store.transition(id, ['uploading'], status);
    const key = (await h.store.get(id))!.dockKey;
    h.dock.objects.add(key);
    const res = await h.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: auth('alice') });
    expect(uploadViewSchema.parse(res.json()).status).toBe('aborted');
    expect(h.dock.objects.has(key)).toBe(false);
  });

  it.each(['promoting', 'available'] as const)('refuses with 409 once the upload is %s, and touches nothing', async (status) => {
    const id = await createUpload(h.app, 'alice');
    await h.store.transition(id, ['uploading'], status);
    const key = (await h.store.get(id))!.dockKey;
    h.dock.objects.add(key);
    const res = await h.app.inject({ method: 'DELETE', url: `/v1/uploads/${id}`, headers: auth('alice') });
    expect(expectApiError(res, 409, 'INVALID_STATE')).toContain(status);
    expect(h.dock.objects.has(key)).toBe(true);
    expect((await h.store.get(id))?.status).toBe(status);
  });
});

describe('errors the caller did not cause', () => {
  it('answers 500 with a generic message, logs the cause, and leaks nothing', async () => {
    const failing = await startHarness({
      store: {
        create: async () => undefined,
        get: async () => {
          throw new Error('DynamoDB exploded: arn:aws:dynamodb:secret-table password=hunter2');
        },
        listByOwner: async () => ({ items: [], nextCursor: null }),
        transition: async () => null,
        update: async () => null,
      },
    });
    try {
      const res = await failing.app.inject({ url: '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA', headers: auth('alice') });
      const message = expectApiError(res, 500, 'INTERNAL');
      expect(res.body).not.toMatch(/DynamoDB|hunter2|stack|at /);
      expect(message).toMatch(/logged/);
      expect(failing.logText()).toContain('DynamoDB exploded');
      const ready = await failing.app.inject({ url: '/readyz' });
      expectApiError(ready, 503, 'SERVICE_UNAVAILABLE');
    } finally {
      await failing.app.close();
    }
  });

  it('answers unknown routes and methods with a 404 apiError', async () => {
    expectApiError(await h.app.inject({ url: '/v2/uploads', headers: auth('alice') }), 404, 'NOT_FOUND');
    expectApiError(await h.app.inject({ method: 'PUT', url: '/v1/uploads', headers: auth('alice') }), 404, 'NOT_FOUND');
    expectApiError(await h.app.inject({ url: '/' }), 404, 'NOT_FOUND');
  });
});

describe('probes', () => {
  it('answers /healthz and /readyz without a token', async () => {
    expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });
});

describe('rate limits', () => {
  it('limits each user separately and unauthenticated callers by address, with a 429 apiError', async () => {
    const limited = await startHarness({ env: { DOCKSIDE_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const get = (headers: Record<string, string>) => limited.app.inject({ url: '/v1/uploads', headers });
      for (let i = 0; i < 3; i++) expect((await get(auth('alice'))).statusCode).toBe(200);
      const over = await get(auth('alice'));
      expect(expectApiError(over, 429, 'RATE_LIMITED')).toMatch(/retry in/);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await get(auth('bob'))).statusCode).toBe(200);
      for (let i = 0; i < 3; i++) expect((await get({ authorization: 'Bearer guess' })).statusCode).toBe(401);
      expectApiError(await get({ authorization: 'Bearer guess' }), 429, 'RATE_LIMITED');
      expect((await limited.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await limited.app.close();
    }
  });
});
