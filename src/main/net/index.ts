/** Proxies and extra CAs for the composition roots (CLI, desktop app): see README.md here. */
export { buildNetwork, type Network, type NetworkSettings } from './network.js';
export { resolveProxyRules, parseProxyUrl, noProxyMatcher, type ProxyRules, type ProxySetting, type ResolvedProxy } from './proxy-config.js';
export { loadTrust, type Trust, type TrustOptions } from './trust.js';
export { createAgents, proxyRefused, type AgentPair } from './node-agents.js';
export { createFetch, type ProxiedFetch } from './fetch.js';
