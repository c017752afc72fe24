/**
 * One value the composition roots build once and hand to the engine: how to reach S3 and the
 * backend through the firm's proxy, trusting the firm's CAs. With neither configured it holds
 * no agents and no fetch, and the engine behaves exactly as it does without it.
 */
import { createFetch } from './fetch.js';
import { createAgents, type AgentPair } from './node-agents.js';
import { resolveProxyRules, type ProxyRules, type ProxySetting } from './proxy-config.js';
import { loadTrust, type Trust } from './trust.js';

export interface NetworkSettings {
  /**
   * A configured proxy (settings or policy); wins over the environment's. Null, absent or
   * 'system': the environment's (the desktop app may resolve the OS proxy itself and pass it here).
   */
  readonly proxy?: ProxySetting | 'system' | null;
  /** Extra CA certificates: PEM file paths and/or inline PEM text (told apart by "-----BEGIN"). */
  readonly caCertificates?: readonly string[];
  /** Also trust the OS store (Node ≥ 22.15 / 23.8, so the desktop app; a note on older Node). */
  readonly systemCa?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Network {
  readonly rules: ProxyRules;
  readonly trust: Trust;
  /** Agents for one AWS SDK client; absent when neither a proxy nor extra CAs are configured. */
  readonly agents?: (options: { maxSockets: number }) => AgentPair;
  /** fetch for the backend client; absent likewise (the global fetch is used). */
  readonly fetch?: typeof fetch;
  /** Closes the fetch's connection pools (agents are closed by the clients that own them). */
  close(): Promise<void>;
}

/** Builds the network from settings and the environment; throws INVALID_INPUT for a bad proxy URL or CA. */
export function buildNetwork(settings: NetworkSettings = {}): Network {
  const env = settings.env ?? process.env;
  const rules = resolveProxyRules({ proxy: settings.proxy === 'system' ? null : (settings.proxy ?? null), env });
  const entries = settings.caCertificates ?? [];
  const trust = loadTrust({
    files: entries.filter((e) => !e.includes('-----BEGIN')),
    pem: entries.filter((e) => e.includes('-----BEGIN')),
    system: settings.systemCa ?? false,
  });
  if (rules.https === null && rules.http === null && trust.ca === null) {
    return { rules, trust, close: async () => undefined };
  }
  const fetcher = createFetch(rules, trust.ca);
  return {
    rules,
    trust,
    agents: (options) => createAgents({ rules, ca: trust.ca }, options),
    fetch: fetcher.fetch,
    close: () => fetcher.close(),
  };
}
