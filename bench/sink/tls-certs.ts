/**
 * A local test CA and per-host server certificates, made with the `openssl` CLI and cached on
 * disk (bench/.cache/tls by default) so every run and every peer trusts the same CA file.
 *
 * Layout:  <dir>/ca/ca.pem, ca.key          the CA (made once)
 *          <dir>/hosts/<host>/cert.pem, key.pem   a server cert for 127.0.0.1, ::1, localhost, *.localhost and <host>
 * Each item is built in a temporary folder and renamed into place, so processes starting at the
 * same time (parallel test workers) never see half-written files or a cert from another CA.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { randomBytes, X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CERT_DIR = resolve(fileURLToPath(new URL('../.cache/tls', import.meta.url)));

export interface ServerCert {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(error)}`);
  }
}

/**
 * Renames the finished temp folder into place; when another process won the race, keeps theirs.
 * Certificates are world-readable (peers may run as other users, e.g. in a namespace); keys are not.
 */
function publish(tmp: string, final: string, publicFiles: string[]): void {
  chmodSync(tmp, 0o755);
  for (const file of publicFiles) chmodSync(join(tmp, file), 0o644);
  try {
    renameSync(tmp, final);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(final)) throw error;
  }
}

function ensureCa(dir: string): { caFile: string; caKey: string } {
  const caDir = join(dir, 'ca');
  const caFile = join(caDir, 'ca.pem');
  const caKey = join(caDir, 'ca.key');
  if (!existsSync(caFile)) {
    mkdirSync(dir, { recursive: true });
    const tmp = mkdtempSync(join(dir, '.ca-'));
    openssl(
      [
        'req', '-x509', '-new', '-nodes',
        '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
        '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '3650',
        '-subj', '/CN=Dockside bench test CA',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      ],
      tmp,
    );
    publish(tmp, caDir, ['ca.pem']);
  }
  return { caFile, caKey };
}

function hostDirName(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]/g, '_');
}

function sanFor(host: string): string {
  const names = new Set(['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', 'DNS:*.localhost']);
  if (isIP(host)) names.add(`IP:${host}`);
  else if (host) {
    names.add(`DNS:${host}`);
    names.add(`DNS:*.${host}`); // virtual-host style bucket.host
  }
  return [...names].join(',');
}

/** Whether `certFile` was signed by `caFile` and is valid for a while yet. */
function stillGood(certFile: string, caFile: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    const ca = new X509Certificate(readFileSync(caFile));
    return cert.verify(ca.publicKey) && Date.parse(cert.validTo) > Date.now() + 24 * 3600_000;
  } catch {
    return false;
  }
}

/** The CA and a server certificate for `host` (default 127.0.0.1), created on first use. */
export function ensureServerCert(host = '127.0.0.1', dir = DEFAULT_CERT_DIR): ServerCert {
  const { caFile, caKey } = ensureCa(dir);
  const hostsDir = join(dir, 'hosts');
  const final = join(hostsDir, hostDirName(host));
  const certFile = join(final, 'cert.pem');
  const keyFile = join(final, 'key.pem');
  if (existsSync(certFile) && stillGood(certFile, caFile)) return { caFile, certFile, keyFile };
  if (existsSync(final)) rmSync(final, { recursive: true, force: true }); // stale: other CA or expiring
  mkdirSync(hostsDir, { recursive: true });
  const tmp = mkdtempSync(join(hostsDir, '.host-'));
  writeFileSync(
    join(tmp, 'ext.cnf'),
    [
      `subjectAltName=${sanFor(host)}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      '',
    ].join('\n'),
  );
  openssl(
    ['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', 'key.pem', '-out', 'req.csr', '-subj', `/CN=${host || 'localhost'}`],
    tmp,
  );
  openssl(
    [
      'x509', '-req', '-in', 'req.csr', '-CA', caFile, '-CAkey', caKey,
      '-set_serial', `0x${randomBytes(12).toString('hex')}`,
      '-days', '825', '-extfile', 'ext.cnf', '-out', 'cert.pem',
    ],
    tmp,
  );
  publish(tmp, final, ['cert.pem']);
  return { caFile, certFile, keyFile };
}
