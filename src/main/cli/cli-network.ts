/**
 * The CLI's network: the environment's proxy (HTTPS_PROXY, HTTP_PROXY, NO_PROXY) and extra CAs
 * from DOCKSIDE_CA_CERTS (PEM files, separated like PATH), or what the caller gives (a policy).
 */
import { delimiter } from 'node:path';
import { buildNetwork, type Network, type ProxySetting } from '../net/index.js';

export interface NetworkFromSettings {
  /** A configured proxy (policy, settings); absent, null or 'system': the environment's. */
  readonly proxy?: ProxySetting | 'system' | null;
  /** PEM file paths and/or inline PEM; absent: DOCKSIDE_CA_CERTS. */
  readonly caCertificates?: readonly string[];
  /** Also trust the operating system's certificate store; absent: DOCKSIDE_SYSTEM_CA=1. */
  readonly systemCa?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Builds the network from settings, falling back to the environment for what they leave out. */
export function networkFromSettings(settings: NetworkFromSettings = {}): Network {
  const env = settings.env ?? process.env;
  const caCertificates = settings.caCertificates ?? (env.DOCKSIDE_CA_CERTS ?? '').split(delimiter).map((s) => s.trim()).filter(Boolean);
  return buildNetwork({
    proxy: settings.proxy ?? null,
    caCertificates,
    systemCa: settings.systemCa ?? env.DOCKSIDE_SYSTEM_CA === '1',
    env,
  });
}

let shared: Network | undefined;
let configured: NetworkFromSettings = {};

/**
 * The proxy and CAs of the effective settings (machine-wide policy first), set once the CLI has
 * read them, before any command talks to the network; the environment fills in the rest.
 */
export function configureCliNetwork(settings: NetworkFromSettings): void {
  configured = settings;
  const previous = shared;
  shared = undefined;
  void previous?.close();
}

/** What `openEngine` and the backend calls of this run use. */
export function cliNetworkSettings(): NetworkFromSettings {
  return configured;
}

/** The process's network, built once (commands that talk to the backend). */
export function cliNetwork(): Network {
  return (shared ??= networkFromSettings(configured));
}

/** What a BackendClient needs to go through the proxy: `{ fetch }`, or nothing without a proxy or CA. */
export function backendFetch(network: Network = cliNetwork()): { fetch?: typeof fetch } {
  return network.fetch ? { fetch: network.fetch } : {};
}
