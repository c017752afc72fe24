/**
 * The backend's configuration: read from the environment once at start-up, validated with zod,
 * and handed to everything else as a typed, frozen object. A bad or missing variable stops the
 * process with one error that names every problem, not the first one found.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { isWellFormed } from '../../src/shared/well-formed.js';

export const BACKEND_JOBS = ['promotion', 'cleanup'] as const;
export type BackendJobName = (typeof BACKEND_JOBS)[number];

export interface StaticTokenEntry {
  readonly user: string;
  /** Lower-case hex SHA-256 of the token; the token itself is never configured. */
  readonly sha256: string;
}

export interface OidcConfig {
  readonly issuer: string;
  readonly audience: string;
  /** Null: found through the issuer's `/.well-known/openid-configuration`. */
  readonly jwksUrl: string | null;
}

export interface BackendConfig {
  readonly host: string;
  readonly port: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly aws: {
    readonly region: string;
    /** Endpoint for the backend's own SDK clients (moto, LocalStack); null: AWS's own. */
    readonly endpoint: string | null;
    readonly forcePathStyle: boolean;
  };
  /** What desktop clients are told about reaching S3 (the wire `target`). */
  readonly clientS3: {
    readonly endpoint: string | null;
    readonly forcePathStyle: boolean;
  };
  readonly dock: { readonly bucket: string; readonly kmsKeyArn: string };
  readonly permanent: { readonly bucket: string; readonly kmsKeyArn: string };
  readonly uploader: { readonly roleArn: string; readonly credentialTtlSeconds: number };
  readonly uploadsTable: string;
  readonly queues: { readonly eventQueueUrl: string; readonly notifyQueueUrl: string };
  readonly jobs: {
    readonly enabled: readonly BackendJobName[];
    readonly cleanupMaxAgeHours: number;
    readonly cleanupIntervalSeconds: number;
    /**
     * Days after which the dock's lifecycle rule expires objects and aborts multipart uploads (the
     * template's DockExpiryDays, which this must match): the cleanup job acts before it.
     */
    readonly dockExpiryDays: number;
  };
  readonly auth: {
    readonly oidc: OidcConfig | null;
    readonly staticTokens: readonly StaticTokenEntry[];
  };
  readonly rateLimitPerMinute: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'INVALID_CONFIG' as const;
  readonly retryable = false;
  constructor(readonly problems: readonly string[]) {
    super(`Invalid backend configuration (fix these environment variables and restart):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** SHA-256 (hex) of a static bearer token: the form DOCKSIDE_STATIC_TOKENS stores. */
export function hashStaticToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * A new random static token for `user` (local stack, service accounts): the token to hand out,
 * and the entry to put in DOCKSIDE_STATIC_TOKENS.
 */
export function createStaticToken(user: string): { token: string; entry: StaticTokenEntry } {
  const token = randomBytes(32).toString('base64url');
  return { token, entry: { user, sha256: hashStaticToken(token) } };
}

/**
 * The shortest STS allows: a client whose upload was cancelled can write to its one key only until
 * the set it holds expires (the engine refreshes 5 minutes before expiry, so every 10 minutes).
 */
export const DEFAULT_CREDENTIAL_TTL_SECONDS = 900;
export const DEFAULT_CLEANUP_MAX_AGE_HOURS = 72;
/** The template's DockExpiryDays default. */
export const DEFAULT_DOCK_EXPIRY_DAYS = 7;

// `VAR=` in an env file means "not set", not "set to the empty string".
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
const required = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema);

const text = z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be a string') }).trim();
const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const positiveNumber = z
  .string()
  .trim()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
  .transform(Number)
  .pipe(z.number().positive('must be a positive number'));
const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));
const httpUrl = text.refine((v) => {
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}, 'must be an http(s) URL');
const bucketName = text.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z 0-9 . -)');
const kmsKeyArn = text.regex(/^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/, 'must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)');
const kmsArn = text.regex(/^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[\w/-]+$/, 'must be a KMS key or alias ARN');
const roleArn = text.regex(/^arn:[a-z0-9-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)');

const isLoopback = (url: string): boolean => ['localhost', '127.0.0.1', '[::1]'].includes(new URL(url).hostname);
// Keys fetched over plain HTTP could be swapped by anyone on the path; only loopback (tests, a
// local IdP) is allowed without TLS.
const keyFetchUrl = httpUrl.refine((v) => new URL(v).protocol === 'https:' || isLoopback(v), 'must be https (plain http only on loopback)');
// OpenID Connect Discovery §3: an issuer has no query or fragment. Owner keys rely on it having
// no `#` (domain/owner.ts: `oidc:<issuer>#<sub>`).
const issuerUrl = httpUrl.refine((v) => !v.includes('#') && !v.includes('?'), 'must be an issuer URL without a query or fragment (no ? or #)');

const jobsList = text.transform((v, ctx) => {
  if (v.toLowerCase() === 'none') return [] as BackendJobName[];
  const names = v.split(',').map((s) => s.trim().toLowerCase());
  const out: BackendJobName[] = [];
  for (const name of names) {
    if (!(BACKEND_JOBS as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', message: `unknown job ${JSON.stringify(name)}; use a comma list of ${BACKEND_JOBS.join(', ')}, or none` });
      return z.NEVER;
    }
    if (!out.includes(name as BackendJobName)) out.push(name as BackendJobName);
  }
  return out;
});

const staticTokenList = text.transform((v, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {"user": "...", "sha256": "<64 hex>"}' });
    return z.NEVER;
  }
  const result = z
    .array(z.strictObject({ user: z.string().trim().min(1).max(256).refine(isWellFormed, 'must be well-formed Unicode'), sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits') }))
    .min(1)
    .safeParse(parsed);
  if (!result.success) {
    const first = result.error.issues[0];
    ctx.addIssue({ code: 'custom', message: `must be a JSON array of {"user", "sha256"}: ${first ? `[${first.path.join('.')}] ${first.message}` : 'invalid'}` });
    return z.NEVER;
  }
  const entries = result.data.map((e) => ({ user: e.user, sha256: e.sha256.toLowerCase() }));
  if (new Set(entries.map((e) => e.sha256)).size !== entries.length) {
    ctx.addIssue({ code: 'custom', message: 'the same token hash appears twice' });
    return z.NEVER;
  }
  return entries;
});

const envSchema = z.object({
  DOCKSIDE_HOST: optional(text.min(1)),
  DOCKSIDE_PORT: optional(integer(0, 65535)),
  DOCKSIDE_LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  AWS_REGION: optional(text.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as us-east-1')),
  DOCKSIDE_AWS_ENDPOINT: optional(httpUrl),
  DOCKSIDE_CLIENT_S3_ENDPOINT: optional(httpUrl),
  DOCKSIDE_S3_FORCE_PATH_STYLE: optional(boolean),
  DOCKSIDE_DOCK_BUCKET: required(bucketName),
  DOCKSIDE_DOCK_KMS_KEY_ARN: required(kmsKeyArn),
  DOCKSIDE_PERMANENT_BUCKET: required(bucketName),
  DOCKSIDE_PERMANENT_KMS_KEY_ARN: required(kmsArn),
  DOCKSIDE_UPLOADER_ROLE_ARN: required(roleArn),
  DOCKSIDE_CREDENTIAL_TTL_SECONDS: optional(integer(900, 43200)),
  DOCKSIDE_UPLOADS_TABLE: required(text.regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)')),
  DOCKSIDE_EVENT_QUEUE_URL: required(httpUrl),
  DOCKSIDE_NOTIFY_QUEUE_URL: required(httpUrl),
  DOCKSIDE_JOBS: optional(jobsList),
  DOCKSIDE_CLEANUP_MAX_AGE_HOURS: optional(positiveNumber),
  DOCKSIDE_CLEANUP_INTERVAL_SECONDS: optional(integer(1, 7 * 24 * 3600)),
  DOCKSIDE_DOCK_EXPIRY_DAYS: optional(integer(1, 3650)),
  DOCKSIDE_OIDC_ISSUER: optional(issuerUrl),
  DOCKSIDE_OIDC_AUDIENCE: optional(text.min(1)),
  DOCKSIDE_OIDC_JWKS_URL: optional(keyFetchUrl),
  DOCKSIDE_STATIC_TOKENS: optional(staticTokenList),
  DOCKSIDE_RATE_LIMIT_PER_MINUTE: optional(integer(1, 1_000_000)),
});

// Echoing what was set helps fix a typo; these are left out all the same.
const NEVER_ECHOED = new Set(['DOCKSIDE_STATIC_TOKENS']);

/**
 * For a program's entry point: the configuration, or (saying why, after `program`) exit 78
 * (EX_CONFIG) when the environment is not valid.
 */
export function loadConfigOrExit(program: string, env: Record<string, string | undefined> = process.env): BackendConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${program}: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

/**
 * Parses and validates the backend's environment. Throws ConfigError listing every missing or bad
 * variable; call it once at start-up and pass the result on.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): BackendConfig {
  const picked = Object.fromEntries(Object.keys(envSchema.shape).map((k) => [k, env[k]]));
  const result = envSchema.safeParse(picked);
  const problems: string[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      const value = env[name];
      const shown = value === undefined || value.trim() === '' || NEVER_ECHOED.has(name) ? '' : ` (got ${JSON.stringify(value.slice(0, 80))})`;
      problems.push(`${name}: ${issue.message}${shown}`);
    }
    throw new ConfigError(problems);
  }
  const e = result.data;

  const oidcSet = [e.DOCKSIDE_OIDC_ISSUER, e.DOCKSIDE_OIDC_AUDIENCE, e.DOCKSIDE_OIDC_JWKS_URL].some((v) => v !== undefined);
  if (oidcSet && e.DOCKSIDE_OIDC_ISSUER === undefined) problems.push('DOCKSIDE_OIDC_ISSUER: is required when any DOCKSIDE_OIDC_* variable is set');
  if (oidcSet && e.DOCKSIDE_OIDC_AUDIENCE === undefined) problems.push('DOCKSIDE_OIDC_AUDIENCE: is required when any DOCKSIDE_OIDC_* variable is set');
  if (e.DOCKSIDE_OIDC_ISSUER !== undefined && e.DOCKSIDE_OIDC_JWKS_URL === undefined && !keyFetchUrl.safeParse(e.DOCKSIDE_OIDC_ISSUER).success) {
    problems.push('DOCKSIDE_OIDC_ISSUER: must be https to discover its keys (or set DOCKSIDE_OIDC_JWKS_URL)');
  }
  if (!oidcSet && e.DOCKSIDE_STATIC_TOKENS === undefined) {
    problems.push('DOCKSIDE_OIDC_ISSUER + DOCKSIDE_OIDC_AUDIENCE or DOCKSIDE_STATIC_TOKENS: at least one sign-in mode is required');
  }
  const cleanupMaxAgeHours = e.DOCKSIDE_CLEANUP_MAX_AGE_HOURS ?? DEFAULT_CLEANUP_MAX_AGE_HOURS;
  const dockExpiryDays = e.DOCKSIDE_DOCK_EXPIRY_DAYS ?? DEFAULT_DOCK_EXPIRY_DAYS;
  // Otherwise the lifecycle rule removes uploads first, and their records are never marked aborted.
  if (cleanupMaxAgeHours >= dockExpiryDays * 24) {
    problems.push(
      `DOCKSIDE_CLEANUP_MAX_AGE_HOURS: must be below the dock's lifecycle limit, DOCKSIDE_DOCK_EXPIRY_DAYS × 24 = ${dockExpiryDays * 24} (got ${cleanupMaxAgeHours})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const awsEndpoint = e.DOCKSIDE_AWS_ENDPOINT ?? null;
  const clientEndpoint = e.DOCKSIDE_CLIENT_S3_ENDPOINT ?? awsEndpoint;
  // S3-compatible endpoints and moto rarely serve virtual-hosted buckets; AWS itself prefers them.
  const pathStyle = e.DOCKSIDE_S3_FORCE_PATH_STYLE;
  const config: BackendConfig = {
    host: e.DOCKSIDE_HOST ?? '127.0.0.1',
    port: e.DOCKSIDE_PORT ?? 8080,
    logLevel: e.DOCKSIDE_LOG_LEVEL ?? 'info',
    aws: { region: e.AWS_REGION ?? 'us-east-1', endpoint: awsEndpoint, forcePathStyle: pathStyle ?? awsEndpoint !== null },
    clientS3: { endpoint: clientEndpoint, forcePathStyle: pathStyle ?? clientEndpoint !== null },
    dock: { bucket: e.DOCKSIDE_DOCK_BUCKET, kmsKeyArn: e.DOCKSIDE_DOCK_KMS_KEY_ARN },
    permanent: { bucket: e.DOCKSIDE_PERMANENT_BUCKET, kmsKeyArn: e.DOCKSIDE_PERMANENT_KMS_KEY_ARN },
    uploader: { roleArn: e.DOCKSIDE_UPLOADER_ROLE_ARN, credentialTtlSeconds: e.DOCKSIDE_CREDENTIAL_TTL_SECONDS ?? DEFAULT_CREDENTIAL_TTL_SECONDS },
    uploadsTable: e.DOCKSIDE_UPLOADS_TABLE,
    queues: { eventQueueUrl: e.DOCKSIDE_EVENT_QUEUE_URL, notifyQueueUrl: e.DOCKSIDE_NOTIFY_QUEUE_URL },
    jobs: {
      enabled: e.DOCKSIDE_JOBS ?? [...BACKEND_JOBS],
      cleanupMaxAgeHours,
      cleanupIntervalSeconds: e.DOCKSIDE_CLEANUP_INTERVAL_SECONDS ?? 3600,
      dockExpiryDays,
    },
    auth: {
      oidc:
        e.DOCKSIDE_OIDC_ISSUER !== undefined && e.DOCKSIDE_OIDC_AUDIENCE !== undefined
          ? { issuer: e.DOCKSIDE_OIDC_ISSUER, audience: e.DOCKSIDE_OIDC_AUDIENCE, jwksUrl: e.DOCKSIDE_OIDC_JWKS_URL ?? null }
          : null,
      staticTokens: e.DOCKSIDE_STATIC_TOKENS ?? [],
    },
    rateLimitPerMinute: e.DOCKSIDE_RATE_LIMIT_PER_MINUTE ?? 120,
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
