import { describe, expect, it } from 'vitest';
import { ConfigError, createStaticToken, hashStaticToken, loadConfig } from '../../backend/src/config.js';

const TOKEN_HASH = hashStaticToken('dev-token');
const base: Record<string, string> = {
  DOCKSIDE_DOCK_BUCKET: 'firm-dock',
  DOCKSIDE_DOCK_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:key/0c8e1a2b-1111-2222-3333-444455556666',
  DOCKSIDE_PERMANENT_BUCKET: 'firm-permanent',
  DOCKSIDE_PERMANENT_KMS_KEY_ARN: 'arn:aws:kms:eu-west-1:111122223333:alias/permanent',
  DOCKSIDE_UPLOADER_ROLE_ARN: 'arn:aws:iam::111122223333:role/dockside-uploader',
  DOCKSIDE_UPLOADS_TABLE: 'dockside-uploads',
  DOCKSIDE_EVENT_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/dock-events',
  DOCKSIDE_NOTIFY_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/available',
  DOCKSIDE_STATIC_TOKENS: JSON.stringify([{ user: 'alice', sha256: TOKEN_HASH }]),
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('INVALID_CONFIG');
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'info',
      aws: { region: 'us-east-1', endpoint: null, forcePathStyle: false },
      clientS3: { endpoint: null, forcePathStyle: false },
      // The shortest STS allows: what a client whose upload was cancelled can still do lasts as long.
      uploader: { roleArn: base.DOCKSIDE_UPLOADER_ROLE_ARN, credentialTtlSeconds: 900 },
      jobs: { enabled: ['promotion', 'cleanup'], cleanupMaxAgeHours: 72, cleanupIntervalSeconds: 3600, dockExpiryDays: 7 },
      auth: { oidc: null, staticTokens: [{ user: 'alice', sha256: TOKEN_HASH }] },
      rateLimitPerMinute: 120,
    });
    expect(Object.isFrozen(config.aws)).toBe(true);
  });

  it('hands the backend endpoint to clients unless a client endpoint is set, with path style on', () => {
    const local = loadConfig({ ...base, DOCKSIDE_AWS_ENDPOINT: 'http://127.0.0.1:5000' });
    expect(local.aws).toMatchObject({ endpoint: 'http://127.0.0.1:5000', forcePathStyle: true });
    expect(local.clientS3).toEqual({ endpoint: 'http://127.0.0.1:5000', forcePathStyle: true });
    const split = loadConfig({ ...base, DOCKSIDE_AWS_ENDPOINT: 'http://moto:5000', DOCKSIDE_CLIENT_S3_ENDPOINT: 'http://localhost:5000', DOCKSIDE_S3_FORCE_PATH_STYLE: 'false' });
    expect(split.clientS3).toEqual({ endpoint: 'http://localhost:5000', forcePathStyle: false });
    expect(split.aws.forcePathStyle).toBe(false);
  });

  it('reads jobs, OIDC and numbers', () => {
    const config = loadConfig({
      ...base,
      DOCKSIDE_JOBS: 'cleanup, promotion,cleanup',
      DOCKSIDE_OIDC_ISSUER: 'https://login.example.com/',
      DOCKSIDE_OIDC_AUDIENCE: 'dockside',
      DOCKSIDE_CREDENTIAL_TTL_SECONDS: '3600',
      DOCKSIDE_PORT: '0',
      DOCKSIDE_CLEANUP_MAX_AGE_HOURS: '0.5',
      DOCKSIDE_DOCK_EXPIRY_DAYS: '30',
    });
    expect(config.jobs.enabled).toEqual(['cleanup', 'promotion']);
    expect(config.auth.oidc).toEqual({ issuer: 'https://login.example.com/', audience: 'dockside', jwksUrl: null });
    expect(config.uploader.credentialTtlSeconds).toBe(3600);
    expect(config.port).toBe(0);
    expect(config.jobs.cleanupMaxAgeHours).toBe(0.5);
    expect(config.jobs.dockExpiryDays).toBe(30);
    expect(loadConfig({ ...base, DOCKSIDE_JOBS: 'none' }).jobs.enabled).toEqual([]);
  });

  it("wants the cleanup job to act before the dock's lifecycle rule", () => {
    expect(problemsOf({ ...base, DOCKSIDE_CLEANUP_MAX_AGE_HOURS: '168' })).toEqual([
      "DOCKSIDE_CLEANUP_MAX_AGE_HOURS: must be below the dock's lifecycle limit, DOCKSIDE_DOCK_EXPIRY_DAYS × 24 = 168 (got 168)",
    ]);
    expect(loadConfig({ ...base, DOCKSIDE_CLEANUP_MAX_AGE_HOURS: '168', DOCKSIDE_DOCK_EXPIRY_DAYS: '8' }).jobs).toMatchObject({ cleanupMaxAgeHours: 168, dockExpiryDays: 8 });
    expect(problemsOf({ ...base, DOCKSIDE_DOCK_EXPIRY_DAYS: '0' }).join('\n')).toMatch(/DOCKSIDE_DOCK_EXPIRY_DAYS: must be at least 1/);
  });

  it('treats VAR= as unset', () => {
    expect(loadConfig({ ...base, DOCKSIDE_PORT: '', DOCKSIDE_AWS_ENDPOINT: ' ' }).port).toBe(8080);
  });

  it('names every missing variable at once', () => {
    const problems = problemsOf({});
    for (const name of ['DOCKSIDE_DOCK_BUCKET', 'DOCKSIDE_DOCK_KMS_KEY_ARN', 'DOCKSIDE_PERMANENT_BUCKET', 'DOCKSIDE_PERMANENT_KMS_KEY_ARN', 'DOCKSIDE_UPLOADER_ROLE_ARN', 'DOCKSIDE_UPLOADS_TABLE', 'DOCKSIDE_EVENT_QUEUE_URL', 'DOCKSIDE_NOTIFY_QUEUE_URL']) {
      expect(problems).toContain(`${name}: is required`);
    }
  });

  it('explains bad values, echoing them except for tokens', () => {
    const problems = problemsOf({
      ...base,
      DOCKSIDE_PORT: 'eighty',
      DOCKSIDE_CREDENTIAL_TTL_SECONDS: '60',
      DOCKSIDE_DOCK_BUCKET: 'Not_A_Bucket',
      DOCKSIDE_DOCK_KMS_KEY_ARN: 'alias/dock',
      DOCKSIDE_JOBS: 'promotion,backup',
      DOCKSIDE_S3_FORCE_PATH_STYLE: 'maybe',
      DOCKSIDE_LOG_LEVEL: 'loud',
      DOCKSIDE_STATIC_TOKENS: '[{"user":"alice","sha256":"secret-ish"}]',
    });
    const text = problems.join('\n');
    expect(text).toMatch(/DOCKSIDE_PORT: must be a whole number between 0 and 65535 \(got "eighty"\)/);
    expect(text).toMatch(/DOCKSIDE_CREDENTIAL_TTL_SECONDS: must be at least 900/);
    expect(text).toMatch(/DOCKSIDE_DOCK_BUCKET: must be an S3 bucket name/);
    expect(text).toMatch(/DOCKSIDE_DOCK_KMS_KEY_ARN: must be a KMS key ARN/);
    expect(text).toMatch(/DOCKSIDE_JOBS: unknown job "backup"/);
    expect(text).toMatch(/DOCKSIDE_S3_FORCE_PATH_STYLE: must be true or false/);
    expect(text).toMatch(/DOCKSIDE_LOG_LEVEL: /);
    expect(text).toMatch(/DOCKSIDE_STATIC_TOKENS: must be a JSON array .*sha256/);
    expect(text).not.toContain('secret-ish');
    expect(problems).toHaveLength(8);
  });

  it('requires at least one sign-in mode, and all of OIDC once any of it is set', () => {
    expect(problemsOf({ ...base, DOCKSIDE_STATIC_TOKENS: undefined }).join('\n')).toMatch(/at least one sign-in mode is required/);
    expect(problemsOf({ ...base, DOCKSIDE_OIDC_ISSUER: 'https://login.example.com' })).toEqual([
      'DOCKSIDE_OIDC_AUDIENCE: is required when any DOCKSIDE_OIDC_* variable is set',
    ]);
    expect(problemsOf({ ...base, DOCKSIDE_OIDC_AUDIENCE: 'x', DOCKSIDE_OIDC_JWKS_URL: 'https://login.example.com/jwks' })).toEqual([
      'DOCKSIDE_OIDC_ISSUER: is required when any DOCKSIDE_OIDC_* variable is set',
    ]);
  });

  it('fetches keys only over https, except on loopback', () => {
    const oidc = { DOCKSIDE_OIDC_ISSUER: 'http://idp.internal', DOCKSIDE_OIDC_AUDIENCE: 'dockside' };
    expect(problemsOf({ ...base, ...oidc }).join('\n')).toMatch(/DOCKSIDE_OIDC_ISSUER: must be https to discover its keys/);
    expect(problemsOf({ ...base, ...oidc, DOCKSIDE_OIDC_JWKS_URL: 'http://idp.internal/jwks' }).join('\n')).toMatch(/DOCKSIDE_OIDC_JWKS_URL: must be https/);
    expect(loadConfig({ ...base, ...oidc, DOCKSIDE_OIDC_JWKS_URL: 'http://127.0.0.1:9999/jwks' }).auth.oidc?.jwksUrl).toBe('http://127.0.0.1:9999/jwks');
  });

  it('refuses an issuer with a query or fragment (owner keys are oidc:<issuer>#<sub>)', () => {
    const oidc = { DOCKSIDE_OIDC_AUDIENCE: 'dockside' };
    for (const issuer of ['https://login.example.com/#tenant', 'https://login.example.com/?tenant=a']) {
      expect(problemsOf({ ...base, ...oidc, DOCKSIDE_OIDC_ISSUER: issuer }).join('\n')).toMatch(/DOCKSIDE_OIDC_ISSUER: must be an issuer URL without a query or fragment/);
    }
  });

  it('refuses a static user name that is not well-formed Unicode', () => {
    const tokens = JSON.stringify([{ user: 'ali\uD800ce', sha256: TOKEN_HASH }]);
    expect(tokens).toContain('\\ud800');
    expect(problemsOf({ ...base, DOCKSIDE_STATIC_TOKENS: tokens }).join('\n')).toMatch(/DOCKSIDE_STATIC_TOKENS: .*user.*well-formed Unicode/);
  });

  it('refuses duplicate or malformed static token entries', () => {
    const dup = JSON.stringify([{ user: 'a', sha256: TOKEN_HASH }, { user: 'b', sha256: TOKEN_HASH.toUpperCase() }]);
    expect(problemsOf({ ...base, DOCKSIDE_STATIC_TOKENS: dup }).join('\n')).toMatch(/the same token hash appears twice/);
    expect(problemsOf({ ...base, DOCKSIDE_STATIC_TOKENS: 'not json' }).join('\n')).toMatch(/must be a JSON array/);
    expect(problemsOf({ ...base, DOCKSIDE_STATIC_TOKENS: '[]' }).join('\n')).toMatch(/DOCKSIDE_STATIC_TOKENS/);
  });

  it('hashes a static token as lower-case hex SHA-256', () => {
    expect(hashStaticToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('makes a random development token whose entry the config accepts', () => {
    const { token, entry } = createStaticToken('dev');
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(entry).toEqual({ user: 'dev', sha256: hashStaticToken(token) });
    expect(loadConfig({ ...base, DOCKSIDE_STATIC_TOKENS: JSON.stringify([entry]) }).auth.staticTokens).toEqual([entry]);
  });
});
