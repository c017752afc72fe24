// Property-based: thousands of malformed requests (bodies, ids, query strings, headers, methods)
// through fastify.inject(). Whatever arrives, the answer is never a 5xx, always an apiError body
// for a 4xx, never a string that is not well-formed Unicode, and the process keeps running; and
// nothing that is not well-formed Unicode reaches STS or the upload store (a lone surrogate in a
// JSON string, `"\ud800"`, was once stored and vended for: see the generators below).
//
// DOCKSIDE_TEST_LONG=1 (npm run fuzz:backend) sends 10,000 requests to each property instead of
// the normal run's 1,000, 500 and 300, and prints the answers by status. FC_SEED=N replays a run.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema } from '../../../src/shared/backend-api.js';
import { findIllFormedString } from '../../../src/shared/well-formed.js';
import { auth, CREATE_BODY, createUpload, startHarness, TOKENS, type Harness } from './server-harness.js';

const LONG = process.env.DOCKSIDE_TEST_LONG === '1';
const RUNS = LONG ? 10_000 : 1_000;
const STRING_RUNS = LONG ? 10_000 : 500;
const JWT_RUNS = LONG ? 10_000 : 300;
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const TIMEOUT_MS = LONG ? 60 * 60_000 : 60_000;

let h: Harness;
let ownId: string;
let idp: http.Server;
let oidc: Harness;
let issuer: string;

beforeAll(async () => {
  h = await startHarness();
  ownId = await createUpload(h.app, 'alice');
  // A live identity provider, so JWT-shaped garbage reaches jose's verification itself.
  const jwk = { ...(await exportJWK((await generateKeyPair('ES256')).publicKey)), kid: 'k1', alg: 'ES256' };
  idp = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  oidc = await startHarness({ env: { DOCKSIDE_OIDC_ISSUER: issuer, DOCKSIDE_OIDC_AUDIENCE: 'dockside', DOCKSIDE_OIDC_JWKS_URL: `${issuer}/jwks` } });
});

/** Long mode's figures, on stdout: answers by status, and how many were 5xx (the property allows none). */
function report(what: string, seen: Map<number, number>): void {
  const total = [...seen.values()].reduce((a, b) => a + b, 0);
  const fivexx = [...seen].filter(([status]) => status >= 500).reduce((a, [, n]) => a + n, 0);
  const byStatus = Object.fromEntries([...seen].sort(([a], [b]) => a - b));
  process.stdout.write(`[malformed-requests] ${what}: ${total} answered, ${fivexx} 5xx, seed ${SEED}, by status ${JSON.stringify(byStatus)}\n`);
}

afterAll(async () => {
  await h?.app.close();
  await oidc?.app.close();
  await new Promise((resolve) => idp?.close(resolve));
});

/** How many of the harness's STS calls have been checked so far. */
let vendsChecked = 0;

/** Whatever was vended for, and stored, since the last check: well-formed only. */
async function expectNewVendsWellFormed(what: string): Promise<void> {
  for (const call of h.vendor.calls.slice(vendsChecked)) {
    expect(findIllFormedString(call), what).toBeNull();
    expect(findIllFormedString(await h.store.get(call.uploadId)), what).toBeNull();
  }
  vendsChecked = h.vendor.calls.length;
}

const anyJson = fc.jsonValue({ maxDepth: 3 });
const nasty = fc.constantFrom(
  '', ' ', '\u0000', '../../etc/passwd', '%00', '%2e%2e%2f', '${jndi:ldap://x}', '__proto__', 'constructor', '\uD800', '🎉',
  'x'.repeat(3000), '[]', '{}', 'null', '1e309', '-0', 'NaN', '01JAAAAAAAAAAAAAAAAAAAAAAA', '01jaaaaaaaaaaaaaaaaaaaaaaa',
);
// Full Unicode: every code point, astral ones as surrogate pairs ('binary' leaves out U+D800–U+DFFF).
const fullUnicode = fc.string({ unit: 'binary', maxLength: 40 });
// Lone surrogates, alone and among other code points (two in a row may pair up, which is fine too).
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const illFormed = fc.oneof(
  loneSurrogate,
  fc.tuple(fullUnicode, loneSurrogate, fullUnicode).map(([a, b, c]) => a + b + c),
  fc.string({ unit: fc.oneof({ weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }, { weight: 1, arbitrary: loneSurrogate }), minLength: 1, maxLength: 40 }),
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fullUnicode, illFormed, nasty);

// Bodies: the valid one with one field broken, random JSON, prototype tricks, raw bytes.
const body = fc.oneof(
  fc.record({ field: fc.constantFrom('fileName', 'size', 'checksum', 'contentType', 'extra', '__proto__', 'constructor'), value: anyJson }).map(({ field, value }) =>
    JSON.stringify({ ...CREATE_BODY, [field]: value }),
  ),
  // A valid body but for one string (JSON.stringify writes a lone surrogate as `\udxxx`), or a key.
  fc.record({ field: fc.constantFrom('fileName', 'contentType'), value: fc.oneof(fullUnicode, illFormed, text) }).map(({ field, value }) =>
    JSON.stringify({ ...CREATE_BODY, [field]: value }),
  ),
  fc.record({ type: fc.oneof(fc.constantFrom('FULL_OBJECT', 'COMPOSITE'), illFormed) }).map(({ type }) => JSON.stringify({ ...CREATE_BODY, checksum: { algorithm: 'CRC32', type } })),
  fc.tuple(illFormed, anyJson).map(([key, value]) => JSON.stringify({ ...CREATE_BODY, [key]: value })),
  anyJson.map((v) => JSON.stringify(v)),
  fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '{"a":', '\u0000', '['.repeat(5000), '"'),
  text,
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString('latin1')),
);

// A lone surrogate cannot be percent-encoded; its raw UTF-8 bytes are a fine malformed case too.
const enc = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

/** Requests aimed at every route, with `ownId` (alice's upload) among the ids. */
function requests(ownId: string) {
  const id = fc.oneof(text.map(enc), fc.constant(ownId), fc.constant('01JZZZZZZZZZZZZZZZZZZZZZZZ'), nasty);
  const path = fc.oneof(
    fc.constant('/v1/uploads'),
    id.map((i) => `/v1/uploads/${i}`),
    id.map((i) => `/v1/uploads/${i}/credentials`),
    text.map((s) => `/v1/${enc(s)}`),
    fc.constantFrom('/healthz', '/readyz', '/v1/openapi.json', '/v1//uploads', '/v1/uploads/', '//', '/v1/uploads/%', '/v1/uploads/%E0%A4%A'),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc.dictionary(fc.constantFrom('limit', 'cursor', 'owner', 'limit[]', '__proto__', 'x', 'access_token', 'X-Amz-Signature'), text, { maxKeys: 3 }).map((q) =>
      `?${Object.entries(q).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`,
    ),
    fc.constantFrom('?limit=1&limit=2', '?cursor=%', '?limit=1e3', '?limit=-1', '?cursor=eyJvd25lciI6ImJvYiJ9', '?&&&', '?limit'),
  );
  const authorization = fc.oneof(
    fc.constant(`Bearer ${TOKENS.alice}`),
    fc.constant(`Bearer ${TOKENS.bob}`),
    text.map((t) => `Bearer ${t}`),
    text,
    fc.constant(undefined),
    fc.constant(`Bearer ${'a'.repeat(9000)}`),
    fc.constant('Bearer aaaa.bbbb.cccc'),
  );
  const contentType = fc.oneof(
    fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'),
    text,
    fc.constant(undefined),
  );
  const method = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'HEAD');

  return fc.record({ method, path, query, authorization, contentType, body: fc.option(body, { nil: undefined }) });
}

/** The answer's JSON, if it is JSON. */
function jsonOf(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

describe('malformed requests', () => {
  it('never get a 5xx or crash the server, every error is an apiError, and only well-formed strings reach STS and the store', { timeout: TIMEOUT_MS }, async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests(ownId), async (r) => {
        const headers: Record<string, string> = {};
        if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        let res;
        try {
          res = await h.app.inject({ method: r.method as 'GET', url: `${r.path}${r.query}`, headers, ...(r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD' ? { payload: r.body } : {}) });
        } catch (error) {
          // inject itself refuses some header values (as Node's HTTP client would): not our server.
          if (error instanceof TypeError && /header|character/i.test(error.message)) return;
          throw error;
        }
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        const what = `${r.method} ${r.path}${r.query} ${JSON.stringify(r.body)} → ${res.body}`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode >= 400 && r.method !== 'HEAD') {
          expect(apiErrorSchema.safeParse(res.json()).success, res.body).toBe(true);
        }
        // A lone surrogate in an answer would be a `\udxxx` escape in its JSON.
        expect(findIllFormedString(jsonOf(res.body)), what).toBeNull();
        await expectNewVendsWellFormed(what);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    if (LONG) report('requests', seen);
    // The run reached the handlers, not only the validators.
    expect([...seen.keys()].some((s) => s < 300)).toBe(true);
    expect(seen.get(401) ?? 0).toBeGreaterThan(0);
    expect(seen.get(400) ?? 0).toBeGreaterThan(0);
    expect(seen.get(404) ?? 0).toBeGreaterThan(0);
    // The server still serves after all that.
    expect((await h.app.inject({ url: `/v1/uploads/${ownId}`, headers: auth('alice') })).statusCode).toBe(200);
  });

  // The request space of the OpenAPI document with one string replaced: every route, a valid
  // sign-in and valid everything else, and one field (a body string, a body key, the id, the
  // cursor, the token) full Unicode, with or without lone surrogates. This is the space where a
  // lone surrogate in fileName was stored and vended for; the property above finds it only by
  // chance (it must also pick the method, path, token and content type that reach the handler).
  it('well-formed requests with one hostile string: never a 5xx, and a lone surrogate never reaches STS or the store', { timeout: TIMEOUT_MS }, async () => {
    const seen = new Map<number, number>();
    const hostile = fc.oneof(illFormed, fullUnicode, text);
    const request = fc.oneof(
      fc.record({ slot: fc.constantFrom('fileName', 'contentType', 'checksum.type', 'key', 'whole'), value: hostile }).map(({ slot, value }) => {
        const body =
          slot === 'checksum.type' ? { ...CREATE_BODY, checksum: { algorithm: 'CRC32', type: value } }
          : slot === 'key' ? { ...CREATE_BODY, [value]: 'x' }
          : slot === 'whole' ? value
          : { ...CREATE_BODY, [slot]: value };
        return { method: 'POST' as const, url: '/v1/uploads', authorization: `Bearer ${TOKENS.alice}`, payload: JSON.stringify(body), value };
      }),
      fc.record({ method: fc.constantFrom('GET' as const, 'DELETE' as const, 'POST' as const), value: hostile }).map(({ method, value }) => ({
        method,
        url: `/v1/uploads/${enc(value)}${method === 'POST' ? '/credentials' : ''}`,
        authorization: `Bearer ${TOKENS.alice}`,
        payload: undefined,
        value,
      })),
      hostile.map((value) => ({ method: 'GET' as const, url: `/v1/uploads?limit=5&cursor=${enc(value)}`, authorization: `Bearer ${TOKENS.alice}`, payload: undefined, value })),
      hostile.map((value) => ({ method: 'GET' as const, url: `/v1/uploads/${ownId}`, authorization: `Bearer ${value}`, payload: undefined, value })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const vendsBefore = h.vendor.calls.length;
        let res;
        try {
          res = await h.app.inject({
            method: r.method,
            url: r.url,
            headers: { authorization: r.authorization, ...(r.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
            ...(r.payload !== undefined ? { payload: r.payload } : {}),
          });
        } catch (error) {
          if (error instanceof TypeError && /header|character/i.test(error.message)) return;
          throw error;
        }
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        const what = `${r.method} ${r.url} ${r.payload ?? ''} → ${res.statusCode} ${res.body}`;
        expect(res.statusCode, what).toBeLessThan(500);
        if (res.statusCode >= 400) expect(apiErrorSchema.safeParse(res.json()).success, what).toBe(true);
        expect(findIllFormedString(jsonOf(res.body)), what).toBeNull();
        if (r.payload !== undefined && findIllFormedString(r.value) !== null) {
          expect(res.statusCode, what).toBe(400);
          expect(h.vendor.calls.length, `${what}: no STS call`).toBe(vendsBefore);
        }
        await expectNewVendsWellFormed(what);
      }),
      { numRuns: STRING_RUNS, seed: SEED },
    );
    if (LONG) report('requests with one hostile string', seen);
    expect(seen.get(201) ?? 0, 'some creates went through').toBeGreaterThan(0);
    expect(seen.get(400) ?? 0).toBeGreaterThan(0);
  });

  it('JWT-shaped garbage never gets a 5xx while the identity provider is up', { timeout: TIMEOUT_MS }, async () => {
    const seen = new Map<number, number>();
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const header = fc.oneof(
      fc.record(
        {
          alg: fc.oneof(fc.constantFrom('ES256', 'RS256', 'HS256', 'none', 'EdDSA', 'PS512', 'RSA-OAEP', 'dir', ''), text),
          kid: fc.oneof(fc.constant('k1'), text),
          typ: fc.constantFrom('JWT', 'at+jwt', 'JWE'),
          crit: fc.constantFrom(['b64'], ['exp'], []),
          b64: fc.boolean(),
          enc: fc.constantFrom('A256GCM', 'x'),
          jwk: anyJson,
        },
        { requiredKeys: [] },
      ),
      anyJson,
    );
    const payload = fc.oneof(
      fc.record(
        {
          sub: anyJson,
          iss: fc.oneof(fc.constant(issuer), text),
          aud: fc.oneof(fc.constant('dockside'), anyJson),
          exp: fc.oneof(fc.integer(), fc.double(), text),
          nbf: fc.oneof(fc.integer(), text),
          iat: fc.oneof(fc.integer(), text),
        },
        { requiredKeys: [] },
      ),
      anyJson,
    );
    const token = fc.tuple(header, payload, fc.oneof(fc.base64String({ maxLength: 120 }).map((x) => x.replace(/[+/=]/g, 'A')), fc.constant('')), fc.nat(3)).map(
      ([hd, pl, sig, parts]) => [b64(hd), b64(pl), sig, 'x', 'y'].slice(0, 3 + (parts === 3 ? 2 : 0)).join('.'),
    );
    await fc.assert(
      fc.asyncProperty(token, async (t) => {
        const res = await oidc.app.inject({ url: '/v1/uploads', headers: { authorization: `Bearer ${t}` } });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, `${t} → ${res.body}`).toBe(401);
        expect(apiErrorSchema.parse(res.json()).error.code).toMatch(/^(INVALID_TOKEN|TOKEN_EXPIRED)$/);
      }),
      { numRuns: JWT_RUNS, seed: SEED },
    );
    if (LONG) report('JWT-shaped tokens', seen);
  });
});
