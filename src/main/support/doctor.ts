/**
 * `dockside doctor` and the app's connectivity check: can this machine reach the backend and S3
 * the way uploads will (same proxy, same CAs), is the clock right for SigV4, is there room for
 * the journal. Every check says what it found and, when something is wrong, what to do about it,
 * in words for people. The last report is kept as JSON in the data folder (the diagnostics bundle
 * includes it); it holds no password or token: proxies are shown without their password.
 */
import { lookup } from 'node:dns/promises';
import { readFileSync, renameSync, statfsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { DocksideError } from '../../shared/errors.js';
import { tlsTrustCodeOf, tlsUntrustedMessage } from '../../shared/tls-trust.js';
import { BackendClient, dataDir as defaultDataDir, ensurePrivateDir, PRIVATE_FILE_MODE } from '../engine/index.js';
import type { Network, ResolvedProxy } from '../net/index.js';

export type DoctorStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable, machine-readable: dns.backend, dns.s3, proxy, tls.backend, tls.s3, backend.sign-in, s3.reachable, clock, disk. */
  readonly name: string;
  readonly status: DoctorStatus;
  readonly detail: string;
  /** What a person should do; null when nothing is wrong. */
  readonly fix: string | null;
}

export interface DoctorReport {
  /** When the checks ran (ms since the epoch). */
  readonly at: number;
  readonly checks: readonly DoctorCheck[];
}

export interface DoctorOptions {
  readonly network: Network;
  /** The backend and the saved sign-in token; null in standalone mode. */
  readonly backend: { readonly url: string; readonly token: string | null } | null;
  /** The S3 endpoint uploads use, such as https://s3.eu-west-1.amazonaws.com. */
  readonly s3Endpoint: string;
  /** The data folder (journal, reports): its free space is checked. */
  readonly dataDir: string;
  /** Per network check (default 10 s). */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/** Clock skew above this is worth a warning; SigV4 refuses requests at 15 minutes. */
export const CLOCK_WARN_MS = 5 * 60_000;
export const CLOCK_FAIL_MS = 15 * 60_000;
const DISK_WARN_BYTES = 1024 ** 3;
const DISK_FAIL_BYTES = 100 * 1024 ** 2;
export const DOCTOR_REPORT_NAME = 'doctor-last.json';

/** Runs every check (network ones at once) and returns the report; never throws for a failed check. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const now = options.now ?? Date.now;
  const at = now();
  const timeoutMs = options.timeoutMs ?? 10_000;
  const s3 = new URL(options.s3Endpoint);
  const backend = options.backend ? new URL(options.backend.url) : null;
  const [dnsBackend, dnsS3, probeBackend, probeS3, signIn] = await Promise.all([
    backend ? dnsCheck('dns.backend', 'the backend', backend, options.network) : Promise.resolve(notConfigured('dns.backend')),
    dnsCheck('dns.s3', 'the S3 endpoint', s3, options.network),
    backend ? probe(backend, options.network, timeoutMs, now) : Promise.resolve(null),
    probe(s3, options.network, timeoutMs, now),
    signInCheck(options, timeoutMs),
  ]);
  const checks: DoctorCheck[] = [
    dnsBackend,
    dnsS3,
    proxyCheck(options.network, backend, s3),
    backend && probeBackend ? tlsCheck('tls.backend', 'the backend', backend, probeBackend, options.network) : notConfigured('tls.backend'),
    tlsCheck('tls.s3', 'the S3 endpoint', s3, probeS3, options.network),
    signIn,
    reachCheck(s3, probeS3),
    clockCheck([probeBackend, probeS3]),
    diskCheck(options.dataDir),
  ];
  return { at, checks };
}

/** Writes the report atomically to the data folder; returns its path. */
export function saveDoctorReport(report: DoctorReport, dir: string): string {
  const file = join(dir, DOCTOR_REPORT_NAME);
  ensurePrivateDir(dir);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(report, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
  renameSync(temp, file);
  return file;
}

/** The last saved report of the data folder `home` (default: the user's), or null when there is none or it is unreadable. */
export function readLastDoctorReport(home?: string): DoctorReport | null {
  try {
    const parsed = JSON.parse(readFileSync(join(home ?? defaultDataDir(), DOCTOR_REPORT_NAME), 'utf8')) as DoctorReport;
    if (typeof parsed?.at !== 'number' || !Array.isArray(parsed.checks)) return null;
    return parsed;
  } catch {
    return null;
  }
}

/** True when the report has a failed check (the CLI then exits non-zero). */
export function hasFailure(report: DoctorReport): boolean {
  return report.checks.some((c) => c.status === 'fail');
}

const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail, fix: null });
const warn = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'warn', detail, fix });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({ name, status: 'fail', detail, fix });
const notConfigured = (name: string) => ok(name, 'No backend is configured (standalone uploads with your own AWS credentials): nothing to check.');

function via(proxy: ResolvedProxy | null): string {
  return proxy ? `through the proxy ${proxy.display}` : 'directly';
}

async function dnsCheck(name: string, what: string, url: URL, network: Network): Promise<DoctorCheck> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return ok(name, `${what} is the IP address ${host}: no name to resolve.`);
  const proxy = network.rules.proxyFor(url);
  try {
    const addresses = await lookup(host, { all: true });
    return ok(name, `${host} resolves to ${addresses.map((a) => a.address).join(', ')}.`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (proxy) {
      return warn(name, `${host} does not resolve on this machine (${code}); requests go through the proxy ${proxy.display}, which resolves names itself.`, 'Nothing to do if the checks through the proxy pass; otherwise ask IT about DNS.');
    }
    return fail(name, `${host} (${what}) does not resolve (${code}).`, `Check the ${what === 'the backend' ? 'backend URL' : 'S3 endpoint and region'}, your network connection and VPN; if this network needs a proxy, set HTTPS_PROXY.`);
  }
}

function proxyCheck(network: Network, backend: URL | null, s3: URL): DoctorCheck {
  const parts = [`S3 (${s3.host}) ${via(network.rules.proxyFor(s3))}`];
  if (backend) parts.push(`backend (${backend.host}) ${via(network.rules.proxyFor(backend))}`);
  const proxy = network.rules.https ?? network.rules.http;
  const source = proxy ? ` Proxy from ${proxy.source}${network.rules.noProxy.length ? `; NO_PROXY: ${network.rules.noProxy.join(', ')}` : ''}.` : ' No proxy is configured.';
  const cas = network.trust.added.length ? ` Extra trusted CAs: ${network.trust.added.join('; ')}.` : '';
  return ok('proxy', `Connecting to ${parts.join(', ')}.${source}${cas}`);
}

interface ProbeResult {
  readonly status?: number;
  /** Server time minus local time (ms), from the Date header. */
  readonly skewMs?: number;
  readonly error?: unknown;
}

/** One unauthenticated GET of `url`'s root, the way uploads connect (same proxy and CAs). */
function probe(url: URL, network: Network, timeoutMs: number, now: () => number): Promise<ProbeResult> {
  const secure = url.protocol === 'https:';
  const agents = network.agents?.({ maxSockets: 1 });
  const agent = agents ? (secure ? agents.httpsAgent : agents.httpAgent) : new (secure ? https.Agent : http.Agent)({ keepAlive: false });
  const started = now();
  return new Promise<ProbeResult>((resolve) => {
    const req = (secure ? https : http).request(new URL('/', url), { method: 'GET', agent, timeout: timeoutMs }, (res) => {
      const arrived = now();
      res.resume();
      const date = Date.parse(res.headers.date ?? '');
      resolve({ status: res.statusCode ?? 0, ...(Number.isNaN(date) ? {} : { skewMs: date - (started + arrived) / 2 }) });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => resolve({ error }));
    req.end();
  }).finally(() => agent.destroy());
}

function tlsCheck(name: string, what: string, url: URL, result: ProbeResult, network: Network): DoctorCheck {
  if (url.protocol !== 'https:') return warn(name, `${what} (${url.origin}) is plain http: nothing is encrypted.`, 'Use an https:// URL outside a test setup.');
  const trust = tlsTrustCodeOf(result.error);
  if (trust) return fail(name, tlsUntrustedMessage(url.origin, trust), 'Ask IT for the root CA certificate (PEM) of the proxy or server, then set DOCKSIDE_CA_CERTS=/path/to/ca.pem (or the caCertificates policy) and run `dockside doctor` again.');
  if (result.status !== undefined) {
    const extra = network.trust.added.length ? ` (with ${network.trust.added.length} extra CA certificate${network.trust.added.length === 1 ? '' : 's'})` : '';
    return ok(name, `The TLS certificate of ${url.host} is trusted${extra}.`);
  }
  return warn(name, `The TLS handshake with ${url.host} could not be tried: ${describe(result.error)}.`, 'See the reachability checks below.');
}

function reachCheck(url: URL, result: ProbeResult): DoctorCheck {
  if (result.status !== undefined) {
    return ok('s3.reachable', `${url.origin} answered (HTTP ${result.status}; an answer to an unsigned request is all this checks).`);
  }
  return fail('s3.reachable', `${url.origin} could not be reached: ${describe(result.error)}.`, fixFor(result.error, 'Check the S3 endpoint and region, the network or VPN, and the proxy settings.'));
}

async function signInCheck(options: DoctorOptions, timeoutMs: number): Promise<DoctorCheck> {
  const name = 'backend.sign-in';
  if (!options.backend) return notConfigured(name);
  const { url, token } = options.backend;
  if (!token) return fail(name, `Not signed in to the backend at ${url}.`, `Run \`dockside login --backend ${url}\` (or set DOCKSIDE_TOKEN).`);
  const client = new BackendClient({ url, token, timeoutMs, ...(options.network.fetch ? { fetch: options.network.fetch } : {}) });
  try {
    await client.listUploads({ limit: 1 });
    return ok(name, `Signed in to ${client.url}; the saved token is accepted.`);
  } catch (error) {
    const e = error instanceof DocksideError ? error : new DocksideError('UNKNOWN', describe(error));
    if (e.code === 'BACKEND_AUTH') return fail(name, e.message, `Sign in again: \`dockside login --backend ${client.url}\`.`);
    return fail(name, e.message, fixFor(error, 'Check the backend URL, the network or VPN, and the proxy settings.'));
  }
}

function clockCheck(results: readonly (ProbeResult | null)[]): DoctorCheck {
  const skew = results.find((r) => r?.skewMs !== undefined)?.skewMs;
  if (skew === undefined) return warn('clock', 'No server answered with its time, so the clock could not be compared.', 'Make sure this computer sets its time automatically (NTP).');
  const minutes = Math.abs(skew) / 60_000;
  const words = `This computer's clock is ${formatSkew(skew)} ${skew > 0 ? 'behind' : 'ahead of'} the server's.`;
  if (Math.abs(skew) >= CLOCK_FAIL_MS) return fail('clock', `${words} AWS refuses signed requests at 15 minutes.`, 'Set the date, time and time zone right (turn on automatic time), then try again.');
  if (Math.abs(skew) >= CLOCK_WARN_MS) return warn('clock', `${words} AWS refuses signed requests at 15 minutes.`, 'Turn on automatic time (NTP) before the difference grows.');
  return ok('clock', minutes < 1 ? 'The clock agrees with the server\'s (within a minute).' : words);
}

function formatSkew(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  return s >= 120 ? `${Math.round(s / 60)} minutes` : `${s} seconds`;
}

function diskCheck(dir: string): DoctorCheck {
  let where = dir;
  for (;;) {
    try {
      const stats = statfsSync(where);
      const free = Number(stats.bavail) * Number(stats.bsize);
      const detail = `${formatBytes(free)} free where the journal lives (${dir}).`;
      if (free < DISK_FAIL_BYTES) return fail('disk', detail, 'Free some disk space: the journal must be able to record every part.');
      if (free < DISK_WARN_BYTES) return warn('disk', detail, 'Free some disk space soon: the journal needs room to record progress.');
      return ok('disk', detail);
    } catch (error) {
      const parent = dirname(where);
      // The data folder may not exist yet: the space of the disk it will be on is what counts.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && parent !== where) {
        where = parent;
        continue;
      }
      return warn('disk', `Free space in ${dir} could not be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`, 'Check that the data folder is on a readable disk.');
    }
  }
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function describe(error: unknown): string {
  if (error instanceof DocksideError) return error.message.replace(/\.$/, '');
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  return e?.code ?? e?.cause?.code ?? e?.message ?? String(error);
}

function fixFor(error: unknown, otherwise: string): string {
  if (error instanceof DocksideError && error.code === 'PROXY_AUTH') return 'Check the user name and password in the proxy URL (HTTPS_PROXY or the proxy policy); percent-encode @ and : in them.';
  if (error instanceof DocksideError && error.code === 'TLS_UNTRUSTED') return 'Add the firm\'s root CA certificate (PEM) with DOCKSIDE_CA_CERTS or the caCertificates policy.';
  return otherwise;
}
