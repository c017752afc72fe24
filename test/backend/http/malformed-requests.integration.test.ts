// Property-based: thousands of malformed requests (bodies, ids, query strings, headers, methods)
// through fastify.inject(). Whatever arrives, the answer is never a 5xx, always an apiError body
// for a 4xx, and the process keeps running.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema } from '../../../src/shared/backend-api.js';
import { auth, CREATE_BODY, createUpload, startHarness, TOKENS, type Harness } from './server-harness.js';

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

afterAll(async () => {
  await h?.app.close();
  await oidc?.app.close();
  await new Promise((resolve) => idp?.close(resolve));
});

const anyJson = fc.jsonValue({ maxDepth: 3 });
const nasty = fc.constantFrom(
  '', ' ', '\u0000', '../../etc/passwd', '%00', '%2e%2e%2f', '${jndi:ldap://x}', '__proto__', 'constructor', '\uD800', '🎉',
  'x'.repeat(3000), '[]', '{}', 'null', '1e309', '-0', 'NaN', '01JAAAAAAAAAAAAAAAAAAAAAAA', '01jaaaaaaaaaaaaaaaaaaaaaaa',
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), nasty);

// Bodies: the valid one with one field broken, random JSON, prototype tricks, raw bytes.
const body = fc.oneof(
  fc.record({ field: fc.constantFrom('fileName', 'size', 'checksum', 'contentType', 'extra', '__proto__', 'constructor'), value: anyJson }).map(({ field, value }) =>
    JSON.stringify({ ...CREATE_BODY, [field]: value }),
  ),
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
    fc.dictionary(fc.constantFrom('limit', 'cursor', 'owner', 'limit[]', '__proto__', 'x'), text, { maxKeys: 3 }).map((q) =>
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

describe('malformed requests', () => {
  it('never get a 5xx or crash the server, and every error is an apiError', async () => {
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
        expect(res.statusCode, `${r.method} ${r.path}${r.query} → ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400 && r.method !== 'HEAD') {
          expect(apiErrorSchema.safeParse(res.json()).success, res.body).toBe(true);
        }
      }),
      { numRuns: 3000, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) },
    );
    // The run reached the handlers, not only the validators.
    expect([...seen.keys()].some((s) => s < 300)).toBe(true);
    expect(seen.get(401) ?? 0).toBeGreaterThan(0);
    expect(seen.get(400) ?? 0).toBeGreaterThan(0);
    expect(seen.get(404) ?? 0).toBeGreaterThan(0);
    // The server still serves after all that.
    expect((await h.app.inject({ url: `/v1/uploads/${ownId}`, headers: auth('alice') })).statusCode).toBe(200);
  });

  it('JWT-shaped garbage never gets a 5xx while the identity provider is up', async () => {
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
        expect(res.statusCode, `${t} → ${res.body}`).toBe(401);
        expect(apiErrorSchema.parse(res.json()).error.code).toMatch(/^(INVALID_TOKEN|TOKEN_EXPIRED)$/);
      }),
      { numRuns: 1000 },
    );
  });
});
