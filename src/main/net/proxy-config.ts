/**
 * Which proxy a request goes through: the configured one (policy or settings), else the
 * environment's HTTPS_PROXY / HTTP_PROXY (lower case first, as curl reads them), minus the hosts
 * NO_PROXY names. A proxy's password is kept out of everything meant to be shown: `display` is
 * the URL without it, and errors name the proxy by `display` alone.
 */
import { BlockList, isIP } from 'node:net';
import { DocksideError } from '../../shared/errors.js';

/** A proxy as settings or policy give it. */
export interface ProxySetting {
  /** http://host:port or https://host:port, optionally http://user:password@host:port (percent-encoded). */
  readonly url: string;
  /** Hosts reached directly: names (a leading dot or `*.` is optional; subdomains match), host:port, IPs, IPv4/IPv6 CIDR, or `*`. */
  readonly noProxy?: string | readonly string[];
}

export interface ResolvedProxy {
  /** The proxy's URL without user or password. */
  readonly url: URL;
  /** User name, percent-decoded; null when the proxy needs no sign-in. */
  readonly username: string | null;
  /** Password, percent-decoded; never log it. */
  readonly password: string | null;
  /** How to show the proxy: the URL with the user name but no password. */
  readonly display: string;
  /** Where it came from: 'settings', or the environment variable's name. */
  readonly source: string;
}

export interface ProxyRules {
  readonly https: ResolvedProxy | null;
  readonly http: ResolvedProxy | null;
  /** NO_PROXY entries, as given. */
  readonly noProxy: readonly string[];
  /** The proxy for `url` (a string or URL), or null to connect directly. */
  proxyFor(url: string | URL): ResolvedProxy | null;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Builds the proxy rules from a configured proxy (which wins) or from `env`. */
export function resolveProxyRules(options: { proxy?: ProxySetting | null; env?: Env } = {}): ProxyRules {
  const env = options.env ?? process.env;
  let https: ResolvedProxy | null;
  let http: ResolvedProxy | null;
  let noProxyText: string | readonly string[];
  if (options.proxy) {
    https = http = parseProxyUrl(options.proxy.url, 'settings');
    noProxyText = options.proxy.noProxy ?? '';
  } else {
    https = fromEnv(env, 'https_proxy', 'HTTPS_PROXY');
    http = fromEnv(env, 'http_proxy', 'HTTP_PROXY');
    noProxyText = env.no_proxy ?? env.NO_PROXY ?? '';
  }
  const noProxy = (typeof noProxyText === 'string' ? noProxyText.split(/[\s,]+/) : [...noProxyText]).map((s) => s.trim()).filter(Boolean);
  const bypass = noProxyMatcher(noProxy);
  return {
    https,
    http,
    noProxy,
    proxyFor(target) {
      const url = typeof target === 'string' ? new URL(target) : target;
      const proxy = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
      if (!proxy) return null;
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      return bypass(url.hostname, port) ? null : proxy;
    },
  };
}

function fromEnv(env: Env, lower: string, upper: string): ResolvedProxy | null {
  const lowerValue = env[lower]?.trim();
  if (lowerValue) return parseProxyUrl(lowerValue, lower);
  const upperValue = env[upper]?.trim();
  return upperValue ? parseProxyUrl(upperValue, upper) : null;
}

/** Parses a proxy URL; a bare host:port means http://host:port, as curl reads it. */
export function parseProxyUrl(text: string, source: string): ResolvedProxy {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    // The text may hold a password: name the source, not the value.
    throw new DocksideError('INVALID_INPUT', `The proxy from ${source} is not a URL. Use the form http://proxy.example.com:3128 (or http://user:password@proxy.example.com:3128).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DocksideError('INVALID_INPUT', `The proxy from ${source} uses ${url.protocol.replace(/:$/, '')}://, which Dockside does not support; use an http:// or https:// proxy.`);
  }
  let username: string | null = null;
  let password: string | null = null;
  try {
    username = url.username ? decodeURIComponent(url.username) : null;
    password = url.password ? decodeURIComponent(url.password) : null;
  } catch {
    throw new DocksideError('INVALID_INPUT', `The user name or password of the proxy from ${source} is not percent-encoded correctly (write @ as %40, : as %3A).`);
  }
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  const shown = new URL(bare.href);
  if (url.username) shown.username = url.username;
  return { url: bare, username, password, display: trimSlash(shown.href), source };
}

const trimSlash = (href: string) => href.replace(/\/$/, '');

/** A predicate telling whether NO_PROXY sends host:port around the proxy. */
export function noProxyMatcher(entries: readonly string[]): (hostname: string, port: number) => boolean {
  if (entries.includes('*')) return () => true;
  const blocks = new BlockList();
  const names: { name: string; port: number | null }[] = [];
  for (const entry of entries) {
    const cidr = /^([0-9a-f.:]+)\/(\d{1,3})$/i.exec(entry);
    if (cidr && isIP(cidr[1]!)) {
      const family = isIP(cidr[1]!) === 6 ? 'ipv6' : 'ipv4';
      try {
        blocks.addSubnet(cidr[1]!, Number(cidr[2]), family);
      } catch {
        // A prefix out of range matches nothing, as other tools treat it.
      }
      continue;
    }
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    const hostPort = bracketed ? null : /^([^:]+):(\d+)$/.exec(entry);
    const host = bracketed ? bracketed[1]! : hostPort ? hostPort[1]! : entry;
    const port = bracketed?.[2] ?? hostPort?.[2];
    names.push({ name: host.toLowerCase().replace(/^\*?\./, ''), port: port ? Number(port) : null });
  }
  return (hostname, port) => {
    const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    const family = isIP(host);
    if (family && blocks.check(host, family === 6 ? 'ipv6' : 'ipv4')) return true;
    return names.some((n) => (n.port === null || n.port === port) && (host === n.name || host.endsWith(`.${n.name}`)));
  };
}
