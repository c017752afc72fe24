/**
 * The backend's pino logger. Secrets are redacted by key name at every depth a log call in this
 * codebase can reach (pino's redaction works on paths, so the depths are spelled out), which also
 * covers an AWS SDK response or a request's headers logged by mistake. Request URLs are logged
 * with every query value redacted (a client may put a token there: `?access_token=`, a presigned
 * URL's `X-Amz-Signature`), and query names only when they are known ones.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Key names whose values never reach a log line. */
export const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'idToken',
  'refreshToken',
  'sessionToken',
  'SessionToken',
  'secretAccessKey',
  'SecretAccessKey',
  'password',
  'x-amz-security-token',
] as const;

const MAX_DEPTH = 4;
const CENSOR = '[redacted]';

/**
 * Query parameters that carry credentials somewhere (OAuth 2.0 / RFC 6750, OIDC, SigV4 presigned
 * URLs, SAS-style signatures). Their names are kept in a logged URL so a misbehaving client shows
 * up; their values, like every query value, never are.
 */
export const TOKEN_QUERY_NAMES = [
  'access_token',
  'id_token',
  'refresh_token',
  'token',
  'code',
  'client_secret',
  'password',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-credential',
  'signature',
  'awsaccesskeyid',
  'sig',
] as const;
/** Names kept in a logged URL: the API's own parameters and the credential-looking ones. */
const LOGGED_QUERY_NAMES = new Set<string>(['limit', 'cursor', ...TOKEN_QUERY_NAMES]);

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/**
 * `url` (path and query, as Fastify's `request.url`) for a log line: the path as it is, every
 * query value replaced by `[redacted]`, and a name kept only when it is a known one (a token sent
 * as a bare `?eyJ…` is a name). Nothing of the query survives that could be a secret.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const query = url.slice(q + 1);
  if (query === '') return url;
  const pairs = query.split('&').map((pair) => {
    if (pair === '') return '';
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    const shownName = LOGGED_QUERY_NAMES.has(decodedName(name)) ? name : CENSOR;
    return eq === -1 ? shownName : `${shownName}=${CENSOR}`;
  });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}

interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly host?: string;
  readonly ip?: string;
  readonly headers?: Record<string, unknown>;
  readonly socket?: { readonly remotePort?: number };
}

/** Fastify's own `req` serializer (pino-http's fields), with the URL redacted. */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** `key`, `*.key`, `*.*.key`, … down to MAX_DEPTH, bracket-quoted where the name needs it. */
export function redactionPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    for (let depth = 0; depth <= MAX_DEPTH; depth++) {
      const prefix = '*.'.repeat(depth);
      paths.push(segment.startsWith('[') ? (depth === 0 ? segment : `${prefix.slice(0, -1)}${segment}`) : `${prefix}${segment}`);
    }
  }
  return paths;
}

export interface LoggerOptions {
  readonly level: string;
  /** Where to write; stdout when absent. Tests pass a stream to capture lines. */
  readonly destination?: DestinationStream;
}

/** Creates the process's root logger with redaction on. */
export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    base: { service: 'dockside-backend' },
    redact: { paths: redactionPaths(), censor: CENSOR },
    // Fastify merges the instance's serializers over its own, so this `req` replaces Fastify's.
    serializers: { req: serializeRequest },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
