/**
 * A `fetch` for the backend client that honours the proxy rules and the extra CAs: undici's own
 * fetch with an undici dispatcher chosen per request (a ProxyAgent tunnel, or a direct Agent for
 * NO_PROXY hosts). undici's fetch is used with undici's dispatchers on purpose: Node's built-in
 * fetch bundles its own undici, whose version need not match the package's.
 *
 * Failures a person can act on come out as typed DocksideErrors: a proxy refusing the tunnel
 * (PROXY_AUTH for 407) and an untrusted certificate (TLS_UNTRUSTED).
 */
import { Agent, fetch as undiciFetch, ProxyAgent, type Dispatcher } from 'undici';
import { DocksideError } from '../../shared/errors.js';
import { tlsTrustCodeOf, tlsUntrustedMessage } from '../../shared/tls-trust.js';
import { proxyRefused } from './node-agents.js';
import type { ProxyRules, ResolvedProxy } from './proxy-config.js';

export interface ProxiedFetch {
  readonly fetch: typeof fetch;
  close(): Promise<void>;
}

/** Builds the fetch; dispatchers are made on first use and closed by close(). */
export function createFetch(rules: ProxyRules, ca: readonly string[] | null): ProxiedFetch {
  const tlsOptions = ca ? { ca: [...ca] } : {};
  let direct: Agent | undefined;
  const tunnels = new Map<string, ProxyAgent>();
  const dispatcherFor = (proxy: ResolvedProxy | null): Dispatcher => {
    if (!proxy) return (direct ??= new Agent({ connect: tlsOptions }));
    let agent = tunnels.get(proxy.url.href);
    if (!agent) {
      agent = new ProxyAgent({
        // The URL without credentials: undici may quote it in its errors.
        uri: proxy.url.href,
        ...(proxy.username !== null || proxy.password !== null
          ? { token: `Basic ${Buffer.from(`${proxy.username ?? ''}:${proxy.password ?? ''}`).toString('base64')}` }
          : {}),
        requestTls: tlsOptions,
        proxyTls: tlsOptions,
        // A CONNECT tunnel for plain-http backends too, as the SDK's agents do (https-proxy-agent),
        // so both clients meet the proxy the same way. Since undici 8 an http:// target is
        // otherwise sent to the proxy as an absolute-form request, and a 407 comes back differently.
        proxyTunnel: true,
      });
      tunnels.set(proxy.url.href, agent);
    }
    return agent;
  };

  const proxiedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const proxy = rules.proxyFor(url);
    try {
      const response = await undiciFetch(url, { ...(init as object), dispatcher: dispatcherFor(proxy) } as Parameters<typeof undiciFetch>[1]);
      return response as unknown as Response;
    } catch (error) {
      throw typedFailure(error, url, proxy);
    }
  };
  return {
    fetch: proxiedFetch as typeof fetch,
    close: async () => {
      await Promise.all([direct?.close(), ...[...tunnels.values()].map((t) => t.close())]);
    },
  };
}

function typedFailure(error: unknown, url: URL, proxy: ResolvedProxy | null): unknown {
  if ((error as { name?: string }).name === 'AbortError' || (error as { name?: string }).name === 'TimeoutError') return error;
  const trust = tlsTrustCodeOf(error);
  if (trust) return new DocksideError('TLS_UNTRUSTED', tlsUntrustedMessage(url.origin, trust), { cause: error });
  const tunnel = /Proxy response \((\d+)\)/.exec(causeMessages(error));
  if (proxy && tunnel) return proxyRefused(proxy, url.host, Number(tunnel[1]));
  return error;
}

function causeMessages(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String((e as { message?: unknown }).message ?? ''));
  }
  return parts.join(' | ');
}
