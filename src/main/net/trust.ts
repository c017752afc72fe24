/**
 * The CA certificates Dockside trusts: Node's defaults plus the firm's own (PEM files and/or
 * inline PEM), and on Node ≥ 22.15 / 23.8 optionally the operating system's store.
 *
 * Giving TLS a `ca` list replaces Node's defaults, so the list built here always starts from
 * them: `tls.getCACertificates('default')` where Node has it (it includes NODE_EXTRA_CA_CERTS and
 * --use-system-ca), else `tls.rootCertificates` plus the NODE_EXTRA_CA_CERTS file read here,
 * since Node reads that file only for its own default context. On Node 20 the OS store cannot be
 * read: export the firm's root CA as PEM instead (see README).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { DocksideError } from '../../shared/errors.js';

export interface TrustOptions {
  /** PEM files, each holding one or more certificates. */
  readonly files?: readonly string[];
  /** Inline PEM text, each holding one or more certificates. */
  readonly pem?: readonly string[];
  /** Also trust the operating system's store (Node ≥ 22.15 / 23.8; ignored with a note on older Node). */
  readonly system?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Trust {
  /** The full list to hand to TLS, or null when nothing was added (Node's defaults apply). */
  readonly ca: readonly string[] | null;
  /** One line per certificate added: subject and where it came from. */
  readonly added: readonly string[];
  /** Whether the OS store was added, could not be (old Node), or was not asked for. */
  readonly system: 'added' | 'unavailable' | 'not requested';
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

type GetCaCertificates = (type?: 'default' | 'system' | 'bundled' | 'extra') => string[];
const getCACertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;

/** Builds the trust list; throws INVALID_INPUT naming the file or entry that holds no usable certificate. */
export function loadTrust(options: TrustOptions = {}): Trust {
  const extra: string[] = [];
  const added: string[] = [];
  for (const file of options.files ?? []) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new DocksideError('INVALID_INPUT', `The CA certificate file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    for (const pem of certificatesIn(text, file)) {
      extra.push(pem);
      added.push(`${subjectOf(pem)} (from ${file})`);
    }
  }
  (options.pem ?? []).forEach((text, i) => {
    for (const pem of certificatesIn(text, `inline certificate ${i + 1}`)) {
      extra.push(pem);
      added.push(`${subjectOf(pem)} (inline)`);
    }
  });
  let system: Trust['system'] = 'not requested';
  let systemCerts: string[] = [];
  if (options.system) {
    if (getCACertificates) {
      systemCerts = getCACertificates('system');
      system = 'added';
    } else {
      system = 'unavailable';
    }
  }
  if (extra.length === 0 && systemCerts.length === 0) return { ca: null, added, system };
  return { ca: dedupe([...defaultCertificates(options.env ?? process.env), ...systemCerts, ...extra]), added, system };
}

/** Node's default trust, as its own default TLS context has it. */
function defaultCertificates(env: Readonly<Record<string, string | undefined>>): string[] {
  if (getCACertificates) return getCACertificates('default');
  const list = [...tls.rootCertificates];
  const extraFile = env.NODE_EXTRA_CA_CERTS;
  if (extraFile) {
    try {
      list.push(...(readFileSync(extraFile, 'utf8').match(PEM_BLOCK) ?? []));
    } catch {
      // Node itself only warns when the file is missing; so do we (by leaving it out).
    }
  }
  return list;
}

function certificatesIn(text: string, where: string): string[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new DocksideError('INVALID_INPUT', `${where} holds no PEM certificate (-----BEGIN CERTIFICATE-----). Export the CA certificate as Base-64 (PEM), not DER.`);
  }
  for (const pem of blocks) {
    try {
      new X509Certificate(pem);
    } catch (error) {
      throw new DocksideError('INVALID_INPUT', `${where} holds a certificate that cannot be read (${(error as Error).message}).`);
    }
  }
  return blocks;
}

function subjectOf(pem: string): string {
  const cert = new X509Certificate(pem);
  return cert.subject.split('\n').join(', ');
}

function dedupe(list: string[]): string[] {
  return [...new Set(list.map((pem) => pem.trim()))];
}
