/**
 * The backend's pino logger. Secrets are redacted by key name at every depth a log call in this
 * codebase can reach (pino's redaction works on paths, so the depths are spelled out), which also
 * covers an AWS SDK response or a request's headers logged by mistake.
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
    redact: { paths: redactionPaths(), censor: '[redacted]' },
  };
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}
