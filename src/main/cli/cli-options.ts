/** Parsing and checking of CLI option values; every failure is a UsageError (exit code 2). */
import { DocksideError } from '../../shared/errors.js';
import { MiB, S3_LIMITS } from '../../shared/part-planner.js';
import type { ChecksumType } from '../../shared/transfer-model.js';
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
