/**
 * http.Agents for Node's http/https clients (the AWS SDK's NodeHttpHandler): each request goes
 * through the proxy the rules give for its host (an HTTP CONNECT tunnel, TLS inside it end to
 * end), or directly for NO_PROXY hosts, trusting the configured CAs either way.
 *
 * Every target is tunnelled with CONNECT, plain-http ones included, so 100-continue, TLS and
 * errors behave the same whatever the endpoint; the proxy must allow CONNECT to the endpoint's
 * port (443 for AWS). A proxy that refuses the tunnel fails the request with a typed error that
 * names the proxy (never its password).
 */
import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { Agent as AgentBase, type AgentConnectOpts } from 'agent-base';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { DocksideError } from '../../shared/errors.js';
import type { ProxyRules, ResolvedProxy } from './proxy-config.js';

export interface AgentPair {
  readonly httpAgent: http.Agent;
  readonly httpsAgent: https.Agent;
}

export interface AgentSettings {
  readonly rules: ProxyRules;
  /** The full CA list, or null for Node's defaults. */
  readonly ca: readonly string[] | null;
}

/** Fresh agents (one pool each) for one client: keep-alive, at most `maxSockets` connections per host. */
export function createAgents(settings: AgentSettings, options: { maxSockets: number; keepAlive?: boolean }): AgentPair {
  const agentOptions = { keepAlive: options.keepAlive ?? true, maxSockets: options.maxSockets };
  const ca = settings.ca ? [...settings.ca] : undefined;
  const anyProxy = settings.rules.https !== null || settings.rules.http !== null;
  if (!anyProxy) {
    return {
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent({ ...agentOptions, ...(ca ? { ca } : {}) }),
    };
  }
  const routing = () => new RoutingAgent(settings.rules, ca, agentOptions);
  // agent-base's Agent is an http.Agent that serves https too (it tells them apart per request).
  return { httpAgent: routing(), httpsAgent: routing() as unknown as https.Agent };
}

class RoutingAgent extends AgentBase {
  private readonly tunnels = new Map<string, HttpsProxyAgent<string>>();
  private readonly direct: { http: http.Agent; https: https.Agent };

  constructor(
    private readonly rules: ProxyRules,
    private readonly ca: string[] | undefined,
    agentOptions: http.AgentOptions,
  ) {
    super(agentOptions);
    // Direct connections get pools of their own (agent-base hands the request over to them).
    this.direct = { http: new http.Agent(agentOptions), https: new https.Agent({ ...agentOptions, ...(ca ? { ca } : {}) }) };
  }

  async connect(req: http.ClientRequest, opts: AgentConnectOpts): Promise<Duplex | http.Agent> {
    const scheme = opts.secureEndpoint ? 'https' : 'http';
    const host = opts.host ?? 'localhost';
    const target = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${opts.port ?? (opts.secureEndpoint ? 443 : 80)}`);
    const proxy = this.rules.proxyFor(target);
    if (!proxy) return opts.secureEndpoint ? this.direct.https : this.direct.http;
    let status: number | undefined;
    req.once('proxyConnect', (connect: { statusCode?: number }) => {
      status = connect.statusCode;
    });
    let socket: Duplex;
    try {
      socket = await this.tunnel(proxy).connect(req, this.ca && opts.secureEndpoint ? { ...opts, ca: this.ca } : opts);
    } catch (error) {
      throw proxyUnreachable(proxy, target.host, error);
    }
    if (status !== 200) {
      socket.destroy();
      throw proxyRefused(proxy, target.host, status);
    }
    return socket;
  }

  private tunnel(proxy: ResolvedProxy): HttpsProxyAgent<string> {
    let agent = this.tunnels.get(proxy.url.href);
    if (!agent) {
      // The password goes in a header, never in the URL the library might print.
      const headers: http.OutgoingHttpHeaders = {};
      if (proxy.username !== null || proxy.password !== null) {
        headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${proxy.username ?? ''}:${proxy.password ?? ''}`).toString('base64')}`;
      }
      agent = new HttpsProxyAgent(proxy.url.href, { headers, keepAlive: this.keepAlive, ...(this.ca && proxy.url.protocol === 'https:' ? { ca: this.ca } : {}) });
      this.tunnels.set(proxy.url.href, agent);
    }
    return agent;
  }

  override destroy(): void {
    this.direct.http.destroy();
    this.direct.https.destroy();
    for (const agent of this.tunnels.values()) agent.destroy();
    super.destroy();
  }
}

/** The error for a proxy that answered CONNECT with something else than 200. */
export function proxyRefused(proxy: ResolvedProxy, target: string, status: number | undefined): DocksideError {
  if (status === 407) {
    const who = proxy.username === null ? 'asks for a user name and password, and none is configured' : `refused the user name "${proxy.username}" or its password`;
    return new DocksideError('PROXY_AUTH', `The proxy ${proxy.display} (from ${proxy.source}) ${who} (HTTP 407). Check the proxy's user name and password in the proxy URL (percent-encode @ and : in them), or ask IT.`);
  }
  return new DocksideError('NETWORK', `The proxy ${proxy.display} (from ${proxy.source}) refused to connect to ${target} (HTTP ${status ?? 'no answer'}). Ask IT whether the proxy allows ${target}, or add it to NO_PROXY if it must be reached directly.`);
}

function proxyUnreachable(proxy: ResolvedProxy, target: string, error: unknown): DocksideError {
  const code = (error as { code?: string }).code ?? (error as Error).message;
  return new DocksideError('NETWORK', `The proxy ${proxy.display} (from ${proxy.source}) could not be reached to connect to ${target} (${code}). Check the proxy address, or the network or VPN.`, { cause: error });
}
