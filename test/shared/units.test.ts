import { describe, it, expect } from 'vitest';
import {
  UnitParseError,
  formatBinaryBytes,
  formatBytes,
  formatDuration,
  formatEta,
  formatPercent,
  formatRate,
  parseRate,
  parseSize,
} from '../../src/shared/units.js';

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

function parseError(parse: (input: string) => number, input: string): UnitParseError {
  try {
    parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(UnitParseError);
    return error as UnitParseError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('parseSize', () => {
  it.each<[string, number]>([
    // bytes
    ['0', 0],
    ['1024', 1024],
    ['1024B', 1024],
    ['1024 B', 1024],
    ['  7  ', 7],
    ['0B', 0],
    // IEC, powers of 1024
    ['1KiB', KiB],
    ['16MiB', 16 * MiB],
    ['1.5GiB', 1.5 * GiB],
    ['2TiB', 2 * TiB],
    ['1Ki', KiB],
    ['16Mi', 16 * MiB],
    ['3Gi', 3 * GiB],
    ['1Ti', TiB],
    ['16MIB', 16 * MiB],
    ['16 MiB', 16 * MiB],
    // SI, powers of 1000
    ['1kB', 1000],
    ['1KB', 1000],
    ['500MB', 500e6],
    ['5 GB', 5e9],
    ['5gB', 5e9],
    ['2TB', 2e12],
    // bare letters, powers of 1024 (curl / aws cli)
    ['1k', KiB],
    ['1K', KiB],
    ['16m', 16 * MiB],
    ['16M', 16 * MiB],
    ['2g', 2 * GiB],
    ['2G', 2 * GiB],
    ['1t', TiB],
    ['1T', TiB],
    // decimals, rounded to a whole byte
    ['0.5', 1],
    ['0.4', 0],
    ['1.5', 2],
    ['.5K', 512],
    ['1.1GB', 1_100_000_000],
    ['0.001KiB', 1],
    ['1.0000001MB', 1_000_000],
    // limits
    ['8TiB', 8 * TiB],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ])('parses %j as %d bytes', (input, expected) => {
    expect(parseSize(input)).toBe(expected);
  });

  it.each([
    '',
    '   ',
    '-1',
    '-5MB',
    'NaN',
    'abc',
    'MB',
    '12XB',
    '12 PB',
    '12PiB',
    '1e9',
    '1,024',
    '1_024',
    '1.',
    '1..5',
    '+5',
    '16MiB extra',
    '16MiBs',
    '16 M B',
    '10MB/s',
    '10MBps',
    '5Gb',
    '5 mb',
    '100kib',
    '16mib',
    '16Mib',
    '1b',
    'Infinity',
    String(Number.MAX_SAFE_INTEGER + 2),
    '8.1PB',
    '9008TB',
    '99999999999999999999999',
  ])('rejects %j', (input) => {
    const error = parseError(parseSize, input);
    expect(error.code).toBe('INVALID_SIZE');
    expect(error.name).toBe('UnitParseError');
    expect(error.what).toBe('size');
    expect(error.input).toBe(input);
    expect(error.message).toMatch(new RegExp(`^${JSON.stringify(input).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a size: `));
  });

  it('explains what to type instead', () => {
    expect(parseError(parseSize, '12XB').message).toBe(
      '"12XB" is not a size: use a number with an optional unit such as 16MiB, 500MB or 2G',
    );
    expect(parseError(parseSize, '').message).toMatch(/is empty/);
    expect(parseError(parseSize, '-5MB').message).toMatch(/cannot be negative/);
    expect(parseError(parseSize, '5Gb').message).toMatch(/"b" means bits.*upper-case B/);
    expect(parseError(parseSize, '99999999999999999999').message).toMatch(/larger than 9007199254740991 bytes/);
  });
});

describe('parseRate', () => {
  it.each<[string, number]>([
    ['10MB/s', 10e6],
    ['10MB', 10e6],
    ['10MBps', 10e6],
    ['10 MB / s', 10e6],
    ['10MB/S', 10e6],
    ['500k', 500 * KiB],
    ['500k/s', 500 * KiB],
    ['500kps', 500 * KiB],
    ['500K', 500 * KiB],
    ['2MiB/s', 2 * MiB],
    ['2MiBps', 2 * MiB],
    ['2Mi/s', 2 * MiB],
    ['1.5M', 1.5 * MiB],
    ['1G', GiB],
    ['1GB/s', 1e9],
    ['1T/s', TiB],
    ['1TB/s', 1e12],
    ['1kB/s', 1000],
    ['1KiB/s', KiB],
    ['1', 1],
    ['1000', 1000],
    ['1000/s', 1000],
    ['1000 B/s', 1000],
    ['1000Bps', 1000],
    ['0.5', 1],
  ])('parses %j as %d bytes per second', (input, expected) => {
    expect(parseRate(input)).toBe(expected);
  });

  it.each([
    '',
    '0',
    '0MB/s',
    '0.4',
    '0.0001k',
    '-1',
    '-10MB/s',
    'NaN',
    'fast',
    '/s',
    'ps',
    '10ps',
    '10XB/s',
    '10MB/h',
    '10MB/s/s',
    '10MBps/s',
    '10Mb/s',
    '100kbps',
    '10 mbps',
    '10MB/s please',
    '1e6',
    'Infinity',
    '99999999999999999999',
  ])('rejects %j', (input) => {
    const error = parseError(parseRate, input);
    expect(error.code).toBe('INVALID_SIZE');
    expect(error.what).toBe('rate');
    expect(error.message.startsWith(`${JSON.stringify(input)} is not a rate: `)).toBe(true);
  });

  it('explains what to type instead', () => {
    expect(parseError(parseRate, 'fast').message).toBe(
      '"fast" is not a rate: use a number with an optional unit such as 10MB/s, 500k or 2MiB/s',
    );
    expect(parseError(parseRate, '0').message).toMatch(/at least 1 byte per second/);
    expect(parseError(parseRate, '-1').message).toMatch(/greater than zero/);
    expect(parseError(parseRate, '100Mbps').message).toMatch(/"b" means bits/);
  });
});

describe('formatBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [1, '1 B'],
    [999, '999 B'],
    [999.4, '999 B'],
    [999.5, '1.00 kB'],
    [1000, '1.00 kB'],
    [1023, '1.02 kB'],
    [1024, '1.02 kB'],
    [1234, '1.23 kB'],
    [1235, '1.24 kB'],
    [12_345, '12.3 kB'],
    [123_456, '123 kB'],
    [999_499, '999 kB'],
    [999_500, '1.00 MB'],
    [999_950, '1.00 MB'],
    [1_000_000, '1.00 MB'],
    [MiB, '1.05 MB'],
    [16 * MiB, '16.8 MB'],
    [1.23e9, '1.23 GB'],
    [12.4e9, '12.4 GB'],
    [123e9, '123 GB'],
    [999.5e9, '1.00 TB'],
    [5 * TiB, '5.50 TB'],
    [5e12, '5.00 TB'],
    [Number.MAX_SAFE_INTEGER, '9.01 PB'],
    [999.5e15, '1000 PB'],
    [2.5e18, '2500 PB'],
    [-1500, '-1.50 kB'],
    [Number.NaN, 'unknown'],
    [Number.POSITIVE_INFINITY, 'unknown'],
  ])('formats %d as %j', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('formatBinaryBytes', () => {
  it.each<[number, string]>([
    [0, '0 B'],
    [32, '32 B'],
    [1023, '1023 B'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [16 * MiB, '16.0 MiB'],
    [525 * MiB, '525 MiB'],
    [5 * GiB, '5.00 GiB'],
    [5 * TiB, '5.00 TiB'],
    [5 * TiB + 1, '5.00 TiB'],
    // S3's largest object, 10,000 x 5 GiB = 48.828125 TiB: rounded down, never up.
    [10_000 * 5 * GiB, '48.8 TiB'],
    [10_000 * 5 * GiB + 1, '48.8 TiB'],
    [1023.99 * TiB, '1023 TiB'],
    [Number.MAX_SAFE_INTEGER, '7.99 PiB'],
    [-1, 'unknown'],
    [Number.NaN, 'unknown'],
    [Number.POSITIVE_INFINITY, 'unknown'],
  ])('formats %d as %j', (bytes, expected) => {
    expect(formatBinaryBytes(bytes)).toBe(expected);
  });
});

describe('formatRate', () => {
  it.each<[number, string]>([
    [0, '0 B/s'],
    [512, '512 B/s'],
    [85.2e6, '85.2 MB/s'],
    [85_249_999, '85.2 MB/s'],
    [10 * MiB, '10.5 MB/s'],
    [1.5e9, '1.50 GB/s'],
    [Number.NaN, 'unknown'],
    [Number.POSITIVE_INFINITY, 'unknown'],
  ])('formats %d as %j', (rate, expected) => {
    expect(formatRate(rate)).toBe(expected);
  });
});

describe('formatDuration', () => {
  it.each<[number, string]>([
    [0, '0 s'],
    [0.4, '0 s'],
    [-5, '0 s'],
    [1, '1 s'],
    [45, '45 s'],
    [59, '59 s'],
    [59.4, '59 s'],
    [59.6, '1 min'],
    [60, '1 min'],
    [89, '1 min'],
    [90, '2 min'],
    [9 * 60, '9 min'],
    [9 * 60 + 29, '9 min'],
    [59 * 60 + 29, '59 min'],
    [59 * 60 + 30, '1 h 00 min'],
    [3600, '1 h 00 min'],
    [3600 + 5 * 60, '1 h 05 min'],
    [2 * 3600 + 45 * 60, '2 h 45 min'],
    [23 * 3600 + 59 * 60 + 29, '23 h 59 min'],
    [23 * 3600 + 59 * 60 + 30, '1 d 0 h'],
    [86_400, '1 d 0 h'],
    [2 * 86_400 + 3 * 3600, '2 d 3 h'],
    [2 * 86_400 + 3 * 3600 + 29 * 60, '2 d 3 h'],
    [2 * 86_400 + 23 * 3600 + 30 * 60, '3 d 0 h'],
    [400 * 86_400, '400 d 0 h'],
    [Number.NaN, 'unknown'],
    [Number.POSITIVE_INFINITY, 'unknown'],
    [Number.NEGATIVE_INFINITY, 'unknown'],
  ])('formats %d s as %j', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});

describe('formatEta', () => {
  it.each<[number | null, string]>([
    [null, 'estimating…'],
    [Number.NaN, 'estimating…'],
    [Number.POSITIVE_INFINITY, 'estimating…'],
    [0, 'less than a minute left'],
    [-3, 'less than a minute left'],
    [59.9, 'less than a minute left'],
    [60, 'about 1 min left'],
    [9 * 60, 'about 9 min left'],
    [3600 + 5 * 60, 'about 1 h 05 min left'],
    [2 * 86_400 + 3 * 3600, 'about 2 d 3 h left'],
  ])('formats %j as %j', (seconds, expected) => {
    expect(formatEta(seconds)).toBe(expected);
  });
});

describe('formatPercent', () => {
  it.each<[number, number, string]>([
    [42, 100, '42.0 %'],
    [0, 100, '0.0 %'],
    [29, 100, '29.0 %'],
    [1, 3, '33.3 %'],
    [2, 3, '66.7 %'],
    [999, 1000, '99.9 %'],
    [9999, 10_000, '99.9 %'],
    [999_999, 1_000_000, '99.9 %'],
    [100, 100, '100.0 %'],
    [150, 100, '100.0 %'],
    [-5, 100, '0.0 %'],
    [0, 0, '100 %'],
    [5, 0, '100 %'],
    [-1, 0, '0.0 %'],
    [Number.NaN, 100, 'unknown'],
    [1, Number.POSITIVE_INFINITY, 'unknown'],
  ])('formats %d of %d as %j', (done, total, expected) => {
    expect(formatPercent(done, total)).toBe(expected);
  });
});
