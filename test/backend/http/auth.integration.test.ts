// Sign-in over HTTP: static tokens and OIDC JWTs verified against a JWKS served by a local HTTP
// server (and found through OIDC discovery), and the rule that a user sees only their own uploads,
// with static users and OIDC subjects in separate owner spaces.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OIDC_CLOCK_TOLERANCE_SECONDS } from '../../../backend/src/auth/index.js';
import { apiErrorSchema, listUploadsResponseSchema } from '../../../src/shared/backend-api.js';
import { auth, CREATE_BODY, createUpload, startHarness, TOKENS, type Harness } from './server-harness.js';

const AUDIENCE = 'dockside-api';
let idp: http.Server;
let issuer: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let jwksHits = 0;
let jwksDown = false;
let h: Harness;
let discovered: Harness;

beforeAll(async () => {
  const mine = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  signingKey = mine.privateKey;
  strangerKey = stranger.privateKey;
  const publicJwk: JWK = { ...(await exportJWK(mine.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  idp = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
      return;
    }
    if (req.url === '/jwks.json' && !jwksDown) {
      jwksHits += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    res.statusCode = jwksDown ? 503 : 404;
    res.end();
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  h = await startHarness({ env: { DOCKSIDE_OIDC_ISSUER: issuer, DOCKSIDE_OIDC_AUDIENCE: AUDIENCE, DOCKSIDE_OIDC_JWKS_URL: `${issuer}/jwks.json` } });
  discovered = await startHarness({ env: { DOCKSIDE_OIDC_ISSUER: issuer, DOCKSIDE_OIDC_AUDIENCE: AUDIENCE } });
});

afterAll(async () => {
  await h?.app.close();
  await discovered?.app.close();
  await new Promise((resolve) => idp?.close(resolve));
});

interface TokenOptions {
  sub?: string | null;
  aud?: string;
  iss?: string;
  expiresIn?: number;
  notBefore?: number;
  key?: CryptoKey;
  kid?: string;
}

async function jwt(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const builder = new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (options.expiresIn ?? 300));
  if (options.sub !== null) builder.setSubject(options.sub ?? 'oidc|carol');
  if (options.notBefore !== undefined) builder.setNotBefore(now + options.notBefore);
  return builder.sign(options.key ?? signingKey);
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expect401(app: Harness['app'], headers: Record<string, string>, code: string, message: RegExp) {
  const res = await app.inject({ url: '/v1/uploads', headers });
  expect(res.statusCode).toBe(401);
  const body = apiErrorSchema.parse(res.json());
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(message);
  const challenge = String(res.headers['www-authenticate']);
  expect(challenge).toMatch(/^Bearer realm="dockside"/);
  if (code !== 'UNAUTHENTICATED') expect(challenge).toContain('error="invalid_token"');
  return body;
}

describe('bearer tokens', () => {
  it('answers 401 UNAUTHENTICATED with a challenge when there is no token', async () => {
    await expect401(h.app, {}, 'UNAUTHENTICATED', /Sign-in required/);
  });

  it.each([
    ['a Basic header', { authorization: 'Basic YWxpY2U6cGFzcw==' }, /must be "Bearer <token>"/],
    ['an empty bearer', { authorization: 'Bearer ' }, /must be "Bearer <token>"/],
    ['an unknown static token', bearer('not-a-real-token'), /not recognised/],
    ['a token with spaces inside', { authorization: 'Bearer abc def' }, /must be "Bearer <token>"/],
  ])('answers 401 INVALID_TOKEN to %s', async (_what, headers, message) => {
    await expect401(h.app, headers, 'INVALID_TOKEN', message);
  });

  it('accepts a static token as its user', async () => {
    expect((await h.app.inject({ url: '/v1/uploads', headers: auth('alice') })).statusCode).toBe(200);
  });
});

describe('OIDC JWTs', () => {
  it("accepts a valid token, the user being sub in the issuer's own owner space", async () => {
    const token = await jwt({ sub: 'oidc|carol' });
    const res = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: bearer(token), payload: CREATE_BODY });
    expect(res.statusCode).toBe(201);
    const id = (res.json() as { id: string }).id;
    expect((await h.store.get(id))?.owner).toBe(`oidc:${issuer}#oidc|carol`);
    expect(h.vendor.calls.at(-1)?.owner).toBe(`oidc:${issuer}#oidc|carol`);
  });

  it('answers TOKEN_EXPIRED to an expired token (beyond the 5 s clock tolerance)', async () => {
    await expect401(h.app, bearer(await jwt({ expiresIn: -120 })), 'TOKEN_EXPIRED', /expired; sign in again/);
  });

  it('allows 5 s of clock drift, as the README says: a token expired 20 s ago is refused, one expired 3 s ago accepted', async () => {
    expect(OIDC_CLOCK_TOLERANCE_SECONDS).toBe(5);
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(`accepted until ${OIDC_CLOCK_TOLERANCE_SECONDS} s after its \`exp\``);
    await expect401(h.app, bearer(await jwt({ expiresIn: -20 })), 'TOKEN_EXPIRED', /expired; sign in again/);
    expect((await h.app.inject({ url: '/v1/uploads', headers: bearer(await jwt({ expiresIn: -3 })) })).statusCode).toBe(200);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['another audience', () => jwt({ aud: 'some-other-app' }), /another audience/],
    ['another issuer', () => jwt({ iss: 'https://evil.example.com' }), /another identity provider/],
    ['a token not valid yet', () => jwt({ notBefore: 600 }), /not valid yet/],
    ['no subject', () => jwt({ sub: null }), /sub/],
    ['a subject with a lone surrogate', () => jwt({ sub: 'carol\uD800' }), /subject \(sub\) claim is not acceptable/],
    ['a subject over 255 characters', () => jwt({ sub: 'c'.repeat(256) }), /subject \(sub\) claim is not acceptable/],
    ['a key the IdP does not publish', () => jwt({ key: strangerKey }), /not a valid signed token/],
    ['a key id the IdP does not publish', () => jwt({ key: strangerKey, kid: 'k2' }), /not a valid signed token/],
    ['a tampered payload', async () => {
      const [header, , signature] = (await jwt()).split('.');
      return `${header}.${b64url({ sub: 'alice', aud: AUDIENCE, iss: issuer, exp: 9999999999 })}.${signature}`;
    }, /not a valid signed token/],
    ['alg none', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'alice', aud: AUDIENCE, iss: issuer, exp: 9999999999 })}.`, /not a valid signed token/],
    ['HS256 signed with the public key as secret', async () => {
      const jwk = await exportJWK((await generateKeyPair('RS256')).publicKey);
      const secret = new TextEncoder().encode(JSON.stringify(jwk));
      return new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).setSubject('alice').setAudience(AUDIENCE).setIssuer(issuer).setExpirationTime('5m').sign(secret);
    }, /not a valid signed token/],
    ['garbage in JWT shape', async () => 'aaaa.bbbb.cccc', /not a valid signed token/],
  ])('answers 401 INVALID_TOKEN to %s', async (_what, make, message) => {
    await expect401(h.app, bearer(await make()), 'INVALID_TOKEN', message);
  });

  it('finds the JWKS through OIDC discovery when no URL is configured', async () => {
    const res = await discovered.app.inject({ url: '/v1/uploads', headers: bearer(await jwt()) });
    expect(res.statusCode).toBe(200);
  });

  it('caches the keys rather than fetching them per request', async () => {
    const before = jwksHits;
    for (let i = 0; i < 5; i++) await h.app.inject({ url: '/v1/uploads', headers: bearer(await jwt()) });
    expect(jwksHits - before).toBeLessThanOrEqual(1);
  });

  it('answers 503 (not 401) when the keys cannot be fetched, since the token may be fine', async () => {
    const cold = await startHarness({ env: { DOCKSIDE_OIDC_ISSUER: issuer, DOCKSIDE_OIDC_AUDIENCE: AUDIENCE, DOCKSIDE_OIDC_JWKS_URL: `${issuer}/jwks.json` } });
    jwksDown = true;
    try {
      const res = await cold.app.inject({ url: '/v1/uploads', headers: bearer(await jwt()) });
      expect(res.statusCode).toBe(503);
      expect(apiErrorSchema.parse(res.json()).error.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      jwksDown = false;
      await cold.app.close();
    }
  });
});

describe('a token in the URL', () => {
  const SECRET = 'SEKRIT-url-token-0123456789';

  it('never authenticates: ?access_token= alone is refused with 400 invalid_request, even holding a valid token', async () => {
    for (const token of [TOKENS.alice, await jwt()]) {
      const res = await h.app.inject({ url: `/v1/uploads?access_token=${encodeURIComponent(token)}` });
      expect(res.statusCode).toBe(400);
      expect(apiErrorSchema.parse(res.json()).error).toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringMatching(/Authorization: Bearer/) });
      expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer realm="dockside", error="invalid_request"/);
      expect(res.body).not.toContain(token);
    }
  });

  it('is refused beside a valid Authorization header too (RFC 6750: one method only), on every upload route', async () => {
    const id = await createUpload(h.app, 'alice');
    for (const [method, url] of [
      ['GET', '/v1/uploads'],
      ['GET', `/v1/uploads/${id}`],
      ['POST', `/v1/uploads/${id}/credentials`],
      ['DELETE', `/v1/uploads/${id}`],
      ['GET', `/v1/uploads/${id}?ACCESS_TOKEN=x`],
    ] as const) {
      const withToken = url.includes('?') ? url : `${url}?access_token=${SECRET}`;
      const res = await h.app.inject({ method, url: withToken, headers: auth('alice') });
      expect(res.statusCode, `${method} ${withToken}`).toBe(400);
    }
    expect((await h.store.get(id))?.status).toBe('uploading');
  });

  it('leaves no token-like query value in the log or in any answer, whatever the route, and however the URL is broken', async () => {
    const names = ['access_token', 'id_token', 'token', 'refresh_token', 'code', 'X-Amz-Security-Token', 'X-Amz-Signature', 'X-Amz-Credential', 'Signature', 'whatever'];
    const paths = ['/v1/uploads', '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA', '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/credentials', '/v1/uploads/%', '/v1/uploads/%E0%A4%A', '/v1/nowhere', '/healthz', '/v1/openapi.json', '/v1/uploads/not-an-id'];
    const before = h.logLines.length;
    const answers: string[] = [];
    let n = 0;
    for (const path of paths) {
      for (const name of names) {
        for (const headers of [{}, auth('alice')]) {
          n += 1;
          const marked = `${SECRET}-${n}`;
          // Also a bare token as a query name, and the value repeated and percent-encoded.
          const url = `${path}?limit=2&${name}=${marked}&${marked}-bare&${encodeURIComponent(name)}=${encodeURIComponent(`${marked}/+=`)}`;
          const res = await h.app.inject({ method: n % 3 === 0 ? 'POST' : 'GET', url, headers });
          answers.push(res.body, JSON.stringify(res.headers));
        }
      }
    }
    const logged = h.logLines.slice(before).join('');
    expect(logged).toContain('access_token=[redacted]');
    expect(logged).toContain('X-Amz-Signature=[redacted]');
    expect(logged).toContain('limit=[redacted]');
    expect(logged).not.toContain(SECRET);
    expect(answers.join('\n')).not.toContain(SECRET);
  });
});

describe('a user sees only their own uploads', () => {
  it("answers 404 (not 403) to another user's upload on every route, and changes nothing", async () => {
    const id = await createUpload(h.app, 'alice');
    for (const [method, url] of [
      ['GET', `/v1/uploads/${id}`],
      ['POST', `/v1/uploads/${id}/credentials`],
      ['DELETE', `/v1/uploads/${id}`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: auth('bob') });
      expect(res.statusCode).toBe(404);
      expect(apiErrorSchema.parse(res.json()).error).toEqual({ code: 'NOT_FOUND', message: `No upload ${id} among your uploads.` });
    }
    const unknown = await h.app.inject({ url: '/v1/uploads/01JZZZZZZZZZZZZZZZZZZZZZZZ', headers: auth('bob') });
    expect(apiErrorSchema.parse(unknown.json()).error.message).toBe('No upload 01JZZZZZZZZZZZZZZZZZZZZZZZ among your uploads.');
    expect((await h.store.get(id))?.status).toBe('uploading');
    const bobs = await h.app.inject({ url: '/v1/uploads', headers: auth('bob') });
    expect((bobs.json() as { uploads: { id: string }[] }).uploads.map((u) => u.id)).not.toContain(id);
  });

  it("keeps static users and OIDC subjects apart: a token whose sub is a static user's name gets none of that user's uploads", async () => {
    const alicesOwn = await createUpload(h.app, 'alice');
    const vends = h.vendor.calls.length;
    const namesake = bearer(await jwt({ sub: 'alice' }));
    for (const [method, url] of [
      ['GET', `/v1/uploads/${alicesOwn}`],
      ['POST', `/v1/uploads/${alicesOwn}/credentials`],
      ['DELETE', `/v1/uploads/${alicesOwn}`],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: namesake });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect(h.vendor.calls.length, 'no credentials for the static user were vended to the namesake').toBe(vends);
    const listed = listUploadsResponseSchema.parse((await h.app.inject({ url: '/v1/uploads', headers: namesake })).json());
    expect(listed.uploads.map((u) => u.id)).not.toContain(alicesOwn);
    expect((await h.store.get(alicesOwn))?.status).toBe('uploading');

    // And the other way round: the OIDC user's upload is not the static user's.
    const created = await h.app.inject({ method: 'POST', url: '/v1/uploads', headers: namesake, payload: CREATE_BODY });
    const theirs = (created.json() as { id: string }).id;
    expect((await h.store.get(theirs))?.owner).toBe(`oidc:${issuer}#alice`);
    expect((await h.app.inject({ url: `/v1/uploads/${theirs}`, headers: auth('alice') })).statusCode).toBe(404);
    const alices = listUploadsResponseSchema.parse((await h.app.inject({ url: '/v1/uploads', headers: auth('alice') })).json());
    expect(alices.uploads.map((u) => u.id)).toEqual(expect.arrayContaining([alicesOwn]));
    expect(alices.uploads.map((u) => u.id)).not.toContain(theirs);
  });

  it('keeps the OpenAPI document and probes public, and every upload route closed', async () => {
    expect((await h.app.inject({ url: '/v1/openapi.json' })).statusCode).toBe(200);
    for (const [method, url] of [
      ['POST', '/v1/uploads'],
      ['GET', '/v1/uploads'],
      ['GET', '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA'],
      ['POST', '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA/credentials'],
      ['DELETE', '/v1/uploads/01JAAAAAAAAAAAAAAAAAAAAAAA'],
    ] as const) {
      expect((await h.app.inject({ method, url })).statusCode).toBe(401);
    }
  });
});
