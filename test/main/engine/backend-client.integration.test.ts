// The engine's client of the companion backend against a local HTTP server: what it sends, how it
// reads answers (every one through the shared wire schemas), and how each kind of failure becomes
// a typed DocksideError the retry logic can act on, without the sign-in token in any message.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, classifyError } from '../../../src/main/engine/index.js';
import { DocksideError, ERROR_CODES, type ErrorCode } from '../../../src/shared/errors.js';
import { createUploadResponse, UPLOAD_ID, uploadView } from '../../support/backend-fixtures.js';
import { sendJson, startLocalHttp, type LocalHttp } from '../../support/local-http.js';

const TOKEN = 'tok-7f3a9c1e-secret-never-print';

let server: LocalHttp;
beforeAll(async () => {
  server = await startLocalHttp();
});
afterEach(() => {
  server.requests.length = 0;
  server.handle((_req, res) => sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'no handler set' } }));
});
afterAll(() => server.close());

const client = (options: { timeoutMs?: number; token?: string; url?: string } = {}) =>
  new BackendClient({ url: options.url ?? server.url, token: options.token ?? TOKEN, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) });

/** Every message in the error and its chain of causes. */
function allMessages(error: unknown): string {
  const texts: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    texts.push(String((e as { message?: unknown }).message ?? e));
    if (texts.length > 10) break;
  }
  return texts.join('\n');
}

/** The rejection of `promise`, which must be a DocksideError with this code whose messages never show the token. */
async function refusal(promise: Promise<unknown>, code: ErrorCode): Promise<DocksideError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocksideError);
  const typed = error as DocksideError;
  expect(typed.code, typed.message).toBe(code);
  expect(typed.retryable).toBe(ERROR_CODES[code].retryable);
  // The retry logic classifies everything it catches: it must see the same kind of error.
  expect(classifyError(typed).code).toBe(code);
  expect(allMessages(typed)).not.toContain(TOKEN);
  expect(JSON.stringify(typed.toInfo())).not.toContain(TOKEN);
  return typed;
}

/** A handler that never answers; `closed` resolves when the client gives up on the request. */
function holdRequests(): { closed: Promise<void> } {
  let markClosed!: () => void;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  server.handle((_req, res) => {
    res.on('close', markClosed);
  });
  return { closed };
}

describe('BackendClient requests', () => {
  it('asks for an upload with the bearer token and a JSON body, and returns the parsed answer', async () => {
    server.handle((_req, res) => sendJson(res, 201, createUploadResponse()));
    const request = { fileName: 'scan.tif', size: 1234, checksum: { algorithm: 'CRC32' as const, type: 'FULL_OBJECT' as const } };
    // A base URL given with a trailing slash still reaches /v1/... (not //v1/...).
    const granted = await client({ url: `${server.url}/` }).createUpload(request);

    expect(granted).toEqual(createUploadResponse());
    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1/uploads');
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual(request);
  });

  it('turns vended credentials into the engine form, with the expiry as a Date', async () => {
    const wire = createUploadResponse().credentials;
    server.handle((_req, res) => sendJson(res, 200, { id: UPLOAD_ID, credentials: wire }));
    const credentials = await client().credentials(UPLOAD_ID);

    expect(credentials).toEqual({
      accessKeyId: wire.accessKeyId,
      secretAccessKey: wire.secretAccessKey,
      sessionToken: wire.sessionToken,
      expiration: new Date(wire.expiration),
    });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`POST /v1/uploads/${UPLOAD_ID}/credentials`]);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('reads, lists and aborts uploads with the right method and path, sending no body where there is none', async () => {
    server.handle((req, res) => {
      if (req.method === 'GET' && req.url.startsWith('/v1/uploads?')) sendJson(res, 200, { uploads: [uploadView()], nextCursor: 'next-page' });
      else if (req.method === 'GET' && req.url === '/v1/uploads') sendJson(res, 200, { uploads: [], nextCursor: null });
      else if (req.method === 'DELETE') sendJson(res, 200, uploadView({ status: 'aborted' }));
      else sendJson(res, 200, uploadView({ status: 'docked' }));
    });
    const c = client();

    expect((await c.getUpload(UPLOAD_ID)).status).toBe('docked');
    expect(await c.listUploads({ cursor: 'abc/=+', limit: 7 })).toEqual({ uploads: [uploadView()], nextCursor: 'next-page' });
    expect(await c.listUploads()).toEqual({ uploads: [], nextCursor: null });
    expect((await c.abortUpload(UPLOAD_ID)).status).toBe('aborted');

    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /v1/uploads/${UPLOAD_ID}`,
      'GET /v1/uploads?cursor=abc%2F%3D%2B&limit=7',
      'GET /v1/uploads',
      `DELETE /v1/uploads/${UPLOAD_ID}`,
    ]);
    for (const sent of server.requests) {
      expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(sent.headers['content-type']).toBeUndefined();
      expect(sent.body).toBe('');
    }
  });

  it('escapes an upload id into a single path segment', async () => {
    server.handle((_req, res) => sendJson(res, 404, { error: { code: 'NOT_FOUND', message: 'No such upload.' } }));
    await refusal(client().getUpload('../../admin?x=1'), 'BACKEND_REFUSED');
    expect(server.requests[0]!.url).toBe('/v1/uploads/..%2F..%2Fadmin%3Fx%3D1');
  });
});

describe('BackendClient failures', () => {
  const apiError = (code: string, message: string) => JSON.stringify({ error: { code, message } });
  const cases: Array<{ name: string; status: number; body: string; code: ErrorCode; says?: RegExp }> = [
    { name: '401 (token refused)', status: 401, body: apiError('INVALID_TOKEN', 'The bearer token is not recognised.'), code: 'BACKEND_AUTH', says: /HTTP 401: The bearer token is not recognised\..*dockside login/ },
    { name: '401 (token expired)', status: 401, body: apiError('TOKEN_EXPIRED', 'The token has expired; sign in again.'), code: 'BACKEND_AUTH', says: /expired/ },
    { name: '429', status: 429, body: apiError('RATE_LIMITED', 'Too many requests.'), code: 'THROTTLED', says: /HTTP 429/ },
    { name: '500', status: 500, body: apiError('INTERNAL', 'Something went wrong on our side.'), code: 'SERVICE_UNAVAILABLE', says: /HTTP 500/ },
    { name: '503', status: 503, body: apiError('SERVICE_UNAVAILABLE', 'STS cannot be reached.'), code: 'SERVICE_UNAVAILABLE', says: /HTTP 503: STS cannot be reached/ },
    { name: "502 with a proxy's HTML page", status: 502, body: '<html><body>Bad Gateway</body></html>', code: 'SERVICE_UNAVAILABLE', says: /HTTP 502 \(/ },
    { name: '400', status: 400, body: apiError('INVALID_REQUEST', 'size: must be at most 5497558138880'), code: 'BACKEND_REFUSED', says: /HTTP 400: size: must be at most 5497558138880/ },
    { name: '404', status: 404, body: apiError('NOT_FOUND', 'No such upload.'), code: 'BACKEND_REFUSED', says: /HTTP 404: No such upload\./ },
    { name: '409', status: 409, body: apiError('INVALID_STATE', 'The upload is available; it cannot be aborted.'), code: 'BACKEND_REFUSED', says: /cannot be aborted/ },
    { name: "403 with a proxy's HTML page", status: 403, body: '<h1>Forbidden</h1>', code: 'BACKEND_REFUSED', says: /HTTP 403\.$/ },
  ];

  it.each(cases)('$name becomes $code', async ({ status, body, code, says }) => {
    server.handle((_req, res) => {
      res.writeHead(status, { 'content-type': body.startsWith('{') ? 'application/json' : 'text/html' });
      res.end(body);
    });
    const error = await refusal(client().abortUpload(UPLOAD_ID), code);
    expect(error.message).toMatch(says!);
    expect(error.message).toContain(`DELETE /v1/uploads/${UPLOAD_ID}`);
  });

  // The backend answers 409 to a refresh once the upload is no longer uploading (the route's words,
  // as backend/src/routes/uploads.route.ts sends them); the client asks why.
  const refusedRefresh = (status: 'aborted' | 'failed' | 'docked', failureReason: string | null = null) =>
    server.handle((req, res) => {
      if (req.method === 'POST') {
        sendJson(res, 409, { error: { code: 'INVALID_STATE', message: `Upload ${UPLOAD_ID} is ${status}; credentials are issued only while it is uploading.` } });
      } else sendJson(res, 200, uploadView({ status, failureReason }));
    });

  it.each([
    { status: 'aborted' as const, reason: null, says: /^Upload \w+ was cancelled on the Dockside server, so Dockside stopped sending it; the server deletes what was sent\. To send the file anyway, upload it again\.$/ },
    { status: 'failed' as const, reason: 'The object is 9 bytes but 10 were announced.', says: /^The Dockside server rejected upload \w+: The object is 9 bytes but 10 were announced\. Dockside stopped/ },
  ])('a credentials refresh refused for an upload that is $status is UPLOAD_CANCELLED, in words', async ({ status, reason, says }) => {
    refusedRefresh(status, reason);
    const error = await refusal(client().credentials(UPLOAD_ID), 'UPLOAD_CANCELLED');
    expect(error.message).toMatch(says);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`POST /v1/uploads/${UPLOAD_ID}/credentials`, `GET /v1/uploads/${UPLOAD_ID}`]);
  });

  it('a credentials refresh refused for an upload S3 completed stays the backend refusal it was', async () => {
    refusedRefresh('docked');
    const error = await refusal(client().credentials(UPLOAD_ID), 'BACKEND_REFUSED');
    expect(error.message).toMatch(/HTTP 409: Upload \w+ is docked; credentials are issued only while it is uploading\.$/);
  });

  it('never repeats the token, even when the server echoes it in its error message', async () => {
    server.handle((req, res) => sendJson(res, 401, { error: { code: 'INVALID_TOKEN', message: `Unknown token ${req.headers.authorization ?? ''}` } }));
    const error = await refusal(client().getUpload(UPLOAD_ID), 'BACKEND_AUTH');
    expect(error.message).toMatch(/HTTP 401: Unknown token/);
  });

  it('refuses, without sending it, a token that cannot go in a header, and never shows it', async () => {
    const token = `${TOKEN}\nsecond-line`;
    const error = await refusal(client({ token }).getUpload(UPLOAD_ID), 'BACKEND_AUTH');
    expect(allMessages(error)).not.toContain('second-line');
    expect(server.requests).toHaveLength(0);
  });

  it('sends a token without the white space around it (a line break left by copying)', async () => {
    server.handle((_req, res) => sendJson(res, 200, uploadView()));
    await client({ token: `  ${TOKEN}\n` }).getUpload(UPLOAD_ID);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('says a 2xx answer that is not JSON is a service fault (retryable)', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>Welcome to the captive portal</html>');
    });
    const error = await refusal(client().getUpload(UPLOAD_ID), 'SERVICE_UNAVAILABLE');
    expect(error.message).toMatch(/other than JSON/);
  });

  const malformed: Array<{ name: string; call: (c: BackendClient) => Promise<unknown>; body: unknown; field: string }> = (() => {
    const { credentials: _dropped, ...noCredentials } = createUploadResponse();
    const { status: _status, ...noStatus } = uploadView();
    const badExpiry = { id: UPLOAD_ID, credentials: { ...createUploadResponse().credentials, expiration: 'tomorrow' } };
    const badTarget = { ...createUploadResponse(), target: { ...createUploadResponse().target, kmsKeyId: '' } };
    return [
      { name: 'createUpload without credentials', call: (c) => c.createUpload({ fileName: 'a', size: 1, checksum: { algorithm: 'CRC32', type: 'COMPOSITE' } }), body: noCredentials, field: 'credentials' },
      { name: 'createUpload with an empty KMS key', call: (c) => c.createUpload({ fileName: 'a', size: 1, checksum: { algorithm: 'CRC32', type: 'COMPOSITE' } }), body: badTarget, field: 'target.kmsKeyId' },
      { name: 'credentials with an expiry that is not a date', call: (c) => c.credentials(UPLOAD_ID), body: badExpiry, field: 'credentials.expiration' },
      { name: 'getUpload without a status', call: (c) => c.getUpload(UPLOAD_ID), body: noStatus, field: 'status' },
      { name: 'getUpload with an unknown status', call: (c) => c.getUpload(UPLOAD_ID), body: { ...uploadView(), status: 'teleported' }, field: 'status' },
      { name: 'listUploads without nextCursor', call: (c) => c.listUploads(), body: { uploads: [] }, field: 'nextCursor' },
      { name: 'abortUpload answering an empty object', call: (c) => c.abortUpload(UPLOAD_ID), body: {}, field: 'id' },
    ];
  })();

  it.each(malformed)('refuses an answer in another form: $name', async ({ call, body, field }) => {
    server.handle((_req, res) => sendJson(res, 200, body));
    const error = await refusal(call(client()), 'BACKEND_REFUSED');
    expect(error.message).toContain(`(${field}:`);
    expect(error.message).toMatch(/compatible versions/);
  });

  it('reports a connection closed without an answer as a network fault (retryable)', async () => {
    server.handle((_req, _res, raw) => raw.socket.destroy());
    const error = await refusal(client().getUpload(UPLOAD_ID), 'NETWORK');
    expect(error.message).toMatch(/could not be reached/);
  });

  it('reports a backend that is not listening as a network fault (retryable)', async () => {
    const gone = await startLocalHttp();
    await gone.close();
    const error = await refusal(client({ url: gone.url }).getUpload(UPLOAD_ID), 'NETWORK');
    expect(error.message).toContain(gone.url);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('gives up on a backend that does not answer within timeoutMs (retryable), closing the request', async () => {
    const held = holdRequests();
    const error = await refusal(client({ timeoutMs: 50 }).getUpload(UPLOAD_ID), 'NETWORK');
    expect(error.message).toMatch(/did not answer in time/);
    await held.closed;
  });

  it('gives up on an answer whose body stops arriving within timeoutMs (retryable)', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"');
    });
    const error = await refusal(client({ timeoutMs: 100 }).getUpload(UPLOAD_ID), 'NETWORK');
    expect(error.message).toMatch(/did not answer in time/);
  });
});

describe('BackendClient cancellation', () => {
  it("rejects with the caller's abort reason, not a DocksideError, and closes the request", async () => {
    const held = holdRequests();
    const controller = new AbortController();
    const reason = new Error('paused by the user');
    // No timeoutMs: only the caller's signal can end this call.
    const call = client().getUpload(UPLOAD_ID, controller.signal);
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    await held.closed;
  });

  it('sends nothing when the signal is already aborted', async () => {
    const reason = new Error('already stopped');
    await expect(client().listUploads({}, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it("rejects with the caller's reason when the abort comes while the body is arriving", async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled mid-answer');
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"');
    });
    // The real fetch, with the abort sent once the answer's head is in: only the body is left.
    const abortAfterHead: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      controller.abort(reason);
      return response;
    };
    const c = new BackendClient({ url: server.url, token: TOKEN, fetch: abortAfterHead });
    await expect(c.getUpload(UPLOAD_ID, controller.signal)).rejects.toBe(reason);
  });
});

// Not used by the engine, but part of the client's surface: the fetch it is given is the one used.
describe('BackendClient with an injected fetch', () => {
  it('uses it for every call', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = async (input, init) => {
      seen.push(`${init?.method ?? 'GET'} ${String(input)} ${new Headers(init?.headers).get('authorization')}`);
      return new Response(JSON.stringify(uploadView({ status: 'available' })), { status: 200 });
    };
    const c = new BackendClient({ url: 'https://dockside.example.com//', token: TOKEN, fetch: fake });
    expect(c.url).toBe('https://dockside.example.com');
    expect((await c.getUpload(UPLOAD_ID)).status).toBe('available');
    expect(seen).toEqual([`GET https://dockside.example.com/v1/uploads/${UPLOAD_ID} Bearer ${TOKEN}`]);
  });
});
