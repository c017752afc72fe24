/** Parsing and checking of CLI option values; every failure is a UsageError (exit code 2). */
import { DocksideError } from '../../shared/errors.js';
import { MiB, S3_LIMITS } from '../../shared/part-planner.js';
import type { ChecksumType } from '../../shared/transfer-model.js';
import { visible } from '../../shared/terminal-text.js';
import { parseRate, parseSize, UnitParseError } from '../../shared/units.js';

/** Bad input to the CLI: reported with exit code 2, before anything is changed. */
export class UsageError extends DocksideError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super('INVALID_INPUT', message);
  }
}

/** A part size: a whole number of MiB within S3's limits. */
export function partSizeOption(value: string): number {
  const bytes = unit('--part-size', () => parseSize(value));
  if (bytes % MiB !== 0 || bytes < S3_LIMITS.minPartSize || bytes > S3_LIMITS.maxPartSize) {
    throw new UsageError(`--part-size ${value}: use a whole number of MiB from 5MiB to 5GiB, such as 16MiB or 64M.`);
  }
  return bytes;
}

/** full-object or composite, as S3 names the two kinds of multipart checksum. */
export function checksumTypeOption(value: string): ChecksumType {
  switch (value.toLowerCase()) {
    case 'full-object':
    case 'full_object':
      return 'FULL_OBJECT';
    case 'composite':
      return 'COMPOSITE';
    default:
      throw new UsageError(`--checksum-type ${value}: use full-object or composite.`);
  }
}

/** A bandwidth cap in bytes per second. */
export function rateOption(value: string): number {
  return unit('--limit-rate', () => parseRate(value));
}

/** A whole number within [min, max]. */
export function intOption(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${name} ${value}: use a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** An http(s) endpoint URL without credentials in it. */
export function endpointOption(value: string): string {
  return httpUrlOption('--endpoint', value, { example: 'https://s3.example.com or http://127.0.0.1:5000', credentials: 'use AWS credentials instead' });
}

/** The companion backend's http(s) URL, without credentials in it (`login --backend`). */
export function backendUrlOption(value: string): string {
  return httpUrlOption('--backend', value, { example: 'https://dockside.example.com', credentials: 'the sign-in token is given separately' });
}

function httpUrlOption(option: string, value: string, hints: { example: string; credentials: string }): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${option} ${value}: not a URL. Use the form ${hints.example}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${option} ${value}: use an http:// or https:// URL.`);
  }
  if (url.username || url.password) {
    throw new UsageError(`${option} must not contain a user name or password; ${hints.credentials}.`);
  }
  return url.toString().replace(/\/$/, '');
}

const CONTROL = /\p{Cc}/u;
// The suggested key also leaves out bidi controls, which would make it read differently.
const CONTROL_RUNS = /[\p{Cc}\u202a-\u202e\u2066-\u2069]+/gu;

/**
 * Refuses an object key with control characters (C0 such as a newline, DEL, C1). S3 itself takes
 * them, but its XML listings cannot carry most of them (XML 1.0 has no form for U+0001–U+001F
 * other than tab and line breaks, and a parser turns a CR into a LF, so the key listed is not the
 * key stored), AWS lists them among the characters to avoid, other S3 servers refuse or misroute
 * them (moto answers 404) and they break every line-based tool reading the bucket. `from` says
 * where the key came from: the --key option, or the file name it defaults to.
 */
export function checkObjectKey(key: string, from: { option: '--key' } | { file: string }): void {
  if (!CONTROL.test(key)) return;
  const suggestion = key.replace(CONTROL_RUNS, '_');
  const what = '(a newline, tab, escape or other control character)';
  if ('option' in from) {
    throw new UsageError(`--key ${visible(key)}: the key contains control characters ${what}, which S3 listings and most tools cannot handle. Use a key without them, such as --key '${visible(suggestion)}'.`);
  }
  throw new UsageError(
    `${visible(from.file)}: the file name contains control characters ${what}, which S3 listings and most tools cannot handle, so it cannot be the object key. Name the object with --key, such as --key '${visible(suggestion)}' (or rename the file).`,
  );
}

/** A point in time: ISO 8601, or a span back from now such as 30m, 2h, 7d. */
export function timeOption(name: string, now: () => number = Date.now): (value: string) => number {
  return (value) => {
    const span = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
    if (span) {
      const unitMs = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 's' | 'm' | 'h' | 'd'];
      return now() - Number(span[1]) * unitMs;
    }
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new UsageError(`${name} ${value}: use a date such as 2026-11-23T09:00 or a span such as 30m, 2h, 7d.`);
    return at;
  };
}

function unit<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UnitParseError) throw new UsageError(`${option}: ${error.message}`);
    throw error;
  }
}
