// Human units for sizes, rates, durations and progress: used by the CLI and the React UI.
// Pure TypeScript: no imports, no Node built-ins.
//
// Parsing rules (parseSize / parseRate):
//   - A number, optional whitespace, then an optional unit: "16MiB", "16 MiB", "1.5GiB", "1024".
//     Digits with an optional decimal part ("1.5", ".5"); no sign, exponent, or thousands separators.
//   - No unit or "B" means bytes.
//   - IEC units are powers of 1024: KiB, MiB, GiB, TiB, also written without the B: Ki, Mi, Gi, Ti.
//   - SI units are powers of 1000: kB (also KB), MB, GB, TB.
//   - Bare single letters k/K, m/M, g/G, t/T are powers of 1024, as in curl's --limit-rate and the aws cli.
//   - The prefix letter and the "i" are case-insensitive ("16MIB", "16mi", "2g", "5 gB"), but the byte
//     suffix must be an upper-case "B": a lower-case "b" means bits ("10Mb/s", "100kbps", "16mib"), so it
//     is ambiguous for a byte count and is rejected rather than guessed at.
//   - Rates may end in "/s" ("10MB/s", "500 /s") or in "ps" directly after a unit ("10MBps", "500kps").
//   - Decimals are allowed; the result is rounded to a whole byte (half rounds up).
//   - Errors (UnitParseError): empty input, negative values, NaN or other non-numbers, unknown units,
//     trailing garbage, results above Number.MAX_SAFE_INTEGER bytes, and for rates anything that is not
//     at least 1 byte per second after rounding. A size of 0 is valid.
//
// Formatting rules:
//   - formatBytes uses decimal SI units (B, kB, MB, GB, TB, PB) with 3 significant digits; below 1000 B
//     it prints whole bytes. Values that round up to 1000 of one unit move to the next ("1.00 MB").
//   - formatBinaryBytes uses IEC units (B, KiB, … EiB) with 3 significant digits, rounded down, for
//     limits that are powers of 1024 ("48.8 TiB"); negative inputs format as "unknown" there.
//   - Non-finite inputs format as "unknown".

/** Error thrown by parseSize and parseRate; the message says what was wrong and what to type instead. */
export class UnitParseError extends Error {
  readonly code = 'INVALID_SIZE' as const;
  readonly input: string;
  readonly what: 'size' | 'rate';

  constructor(input: string, what: 'size' | 'rate', detail: string) {
    super(`${JSON.stringify(input)} is not a ${what}: ${detail}`);
    this.name = 'UnitParseError';
    this.input = input;
    this.what = what;
  }
}

const EXAMPLES: Record<'size' | 'rate', string> = {
  size: 'use a number with an optional unit such as 16MiB, 500MB or 2G',
  rate: 'use a number with an optional unit such as 10MB/s, 500k or 2MiB/s',
};

const NUMBER_AND_UNIT = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]*)$/;
const UNIT = /^([kmgt])(i?)(b?)$/i;
const PREFIXES = 'kmgt';
const PER_SECOND_SLASH = /\s*\/\s*s$/i;
const PER_SECOND_PS = /^(.+)ps$/i;

type Multiplier = { ok: true; value: number } | { ok: false; detail: string };

function unitMultiplier(unit: string, what: 'size' | 'rate'): Multiplier {
  if (unit === '' || unit === 'B') return { ok: true, value: 1 };
  const bits: Multiplier = {
    ok: false,
    detail: `a lower-case "b" means bits; write an upper-case B for bytes, e.g. ${what === 'size' ? '500MB or 2GiB' : '10MB/s or 2MiB/s'}`,
  };
  if (unit === 'b') return bits;
  const match = UNIT.exec(unit);
  const prefix = match?.[1];
  if (match === null || prefix === undefined) return { ok: false, detail: EXAMPLES[what] };
  const iec = match[2] !== '';
  const suffix = match[3];
  if (suffix === 'b') return bits;
  const power = PREFIXES.indexOf(prefix.toLowerCase()) + 1;
  // "MiB", "Mi" and a bare "M" are binary; only an explicit "MB" without the "i" is decimal.
  return { ok: true, value: (iec || suffix === '' ? 1024 : 1000) ** power };
}

function parseAmount(input: string, what: 'size' | 'rate'): number {
  if (typeof input !== 'string') throw new UnitParseError(String(input), what, EXAMPLES[what]);
  let text = input.trim();
  if (text === '') throw new UnitParseError(input, what, `it is empty; ${EXAMPLES[what]}`);
  if (text.startsWith('-')) {
    throw new UnitParseError(
      input,
      what,
      what === 'size' ? `a size cannot be negative; ${EXAMPLES.size}` : `a rate must be greater than zero; ${EXAMPLES.rate}`,
    );
  }

  let perSecondSlash = false;
  if (what === 'rate' && PER_SECOND_SLASH.test(text)) {
    text = text.replace(PER_SECOND_SLASH, '');
    perSecondSlash = true;
  }

  const match = NUMBER_AND_UNIT.exec(text);
  const digits = match?.[1];
  let unit = match?.[2] ?? '';
  if (match === null || digits === undefined) throw new UnitParseError(input, what, EXAMPLES[what]);

  if (what === 'rate' && !perSecondSlash) {
    const ps = PER_SECOND_PS.exec(unit)?.[1];
    if (ps !== undefined) unit = ps;
  }

  const multiplier = unitMultiplier(unit, what);
  if (!multiplier.ok) throw new UnitParseError(input, what, multiplier.detail);

  const bytes = Math.round(Number(digits) * multiplier.value);
  if (!Number.isFinite(bytes) || bytes > Number.MAX_SAFE_INTEGER) {
    throw new UnitParseError(
      input,
      what,
      `it is larger than ${Number.MAX_SAFE_INTEGER} bytes (about ${formatBytes(Number.MAX_SAFE_INTEGER)}), the largest value supported`,
    );
  }
  if (what === 'rate' && bytes < 1) {
    throw new UnitParseError(input, what, `a rate must be at least 1 byte per second; ${EXAMPLES.rate}`);
  }
  return bytes;
}

/** Parse a size like "16MiB", "16M", "5 GB", "1024", "1.5GiB" into a whole number of bytes. */
export function parseSize(input: string): number {
  return parseAmount(input, 'size');
}

/** Parse a rate like "10MB/s", "500k", "2MiB/s", "1.5M" into bytes per second (a trailing "/s" or "ps" is optional). */
export function parseRate(input: string): number {
  return parseAmount(input, 'rate');
}

const SI_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'] as const;

/** Format a byte count for people in decimal SI units with 3 significant digits: "0 B", "999 B", "1.00 kB", "12.4 GB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unknown';
  if (bytes < 0) return `-${formatBytes(-bytes)}`;
  const whole = Math.round(bytes);
  if (whole < 1000) return `${whole} B`;
  for (let power = 1; power < SI_UNITS.length; power += 1) {
    const text = (bytes / 1000 ** power).toPrecision(3);
    if (Number(text) < 1000) return `${text} ${SI_UNITS[power]}`;
  }
  const last = SI_UNITS.length - 1;
  return `${Math.round(bytes / 1000 ** last)} ${SI_UNITS[last]}`;
}

const IEC_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/**
 * Format a byte count in binary (IEC) units with 3 significant digits, rounded down so a size
 * just over a limit never reads as more than it is: "32 B", "5.00 TiB", "48.8 TiB". For limits
 * that are powers of 1024 (S3's are), where decimal units would hide them.
 */
export function formatBinaryBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return 'unknown';
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < IEC_UNITS.length - 1) {
    value /= 1024;
    i++;
  }
  if (i === 0) return `${Math.floor(bytes)} B`;
  const decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const factor = 10 ** decimals;
  return `${(Math.floor(value * factor) / factor).toFixed(decimals)} ${IEC_UNITS[i]}`;
}

/** Format a transfer rate in bytes per second for people: "85.2 MB/s", "0 B/s". */
export function formatRate(bytesPerSecond: number): string {
  if (!Number.isFinite(bytesPerSecond)) return 'unknown';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Format a duration in seconds coarsely for people: "45 s", "9 min", "1 h 05 min", "2 d 3 h"; non-finite -> "unknown". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const total = Math.round(Math.max(0, seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.round(total / 60);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
  const hours = Math.round(total / 3600);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/** Format the time left of a transfer: "about 9 min left", "less than a minute left"; null or non-finite -> "estimating…". */
export function formatEta(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating…';
  if (seconds < 60) return 'less than a minute left';
  return `about ${formatDuration(seconds)} left`;
}

/** Format progress as a percentage with one decimal: "42.0 %"; never shows 100 before done; total 0 -> "100 %" once done >= total. */
export function formatPercent(done: number, total: number): string {
  if (!Number.isFinite(done) || !Number.isFinite(total)) return 'unknown';
  if (total <= 0) return done >= total ? '100 %' : '0.0 %';
  if (done >= total) return '100.0 %';
  const percent = Math.round(Math.max(0, (done / total) * 100) * 10) / 10;
  // An unfinished transfer never reads "100.0 %".
  return `${Math.min(percent, 99.9).toFixed(1)} %`;
}
