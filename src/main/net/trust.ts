/**
 * The CA certificates Dockside trusts: Node's defaults plus the firm's own (PEM files and/or
 * inline PEM), and optionally the operating system's store.
 *
 * Giving TLS a `ca` list replaces Node's defaults, so the list built here always starts from
 * them: `tls.getCACertificates('default')`, which includes NODE_EXTRA_CA_CERTS and
 * --use-system-ca.
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
  /** Also trust the operating system's store. */
  readonly system?: boolean;
}

export interface Trust {
  /** The full list to hand to TLS, or null when nothing was added (Node's defaults apply). */
  readonly ca: readonly string[] | null;
  /** One line per certificate added: subject and where it came from. */
  readonly added: readonly string[];
  /** Whether the OS store was added or not asked for. */
  readonly system: 'added' | 'not requested';
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

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
  const system: Trust['system'] = options.system ? 'added' : 'not requested';
  const systemCerts = options.system ? tls.getCACertificates('system') : [];
  if (extra.length === 0 && systemCerts.length === 0) return { ca: null, added, system };
  // Node's default trust, as its own default TLS context has it.
  return { ca: dedupe([...tls.getCACertificates('default'), ...systemCerts, ...extra]), added, system };
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
