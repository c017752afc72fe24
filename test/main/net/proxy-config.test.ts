import { describe, expect, it } from 'vitest';
import { buildNetwork, noProxyMatcher, parseProxyUrl, resolveProxyRules } from '../../../src/main/net/index.js';

describe('proxy rules', () => {
  it('reads the environment, lower case before upper case, per scheme', () => {
    const rules = resolveProxyRules({ env: { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2', HTTP_PROXY: 'up-http:3' } });
    expect(rules.proxyFor('https://s3.amazonaws.com')?.display).toBe('http://low:1');
    expect(rules.proxyFor('https://s3.amazonaws.com')?.source).toBe('https_proxy');
    // A bare host:port is an http proxy, as curl reads it.
    expect(rules.proxyFor('http://minio.local')?.url.href).toBe('http://up-http:3/');
  });

  it('a configured proxy wins over the environment and takes its own noProxy', () => {
    const rules = resolveProxyRules({ proxy: { url: 'http://conf:8080', noProxy: ['internal.example'] }, env: { HTTPS_PROXY: 'http://env:1', NO_PROXY: '*' } });
    expect(rules.proxyFor('https://s3.amazonaws.com')?.source).toBe('settings');
    expect(rules.proxyFor('https://dock.internal.example')).toBeNull();
  });

  it('percent-decodes the user and password and keeps the password out of display', () => {
    const proxy = parseProxyUrl('http://DOMAIN%5Calice:p%40ss%3Aw0rd@proxy.example:3128', 'HTTPS_PROXY');
    expect(proxy.username).toBe('DOMAIN\\alice');
    expect(proxy.password).toBe('p@ss:w0rd');
    expect(proxy.display).toBe('http://DOMAIN%5Calice@proxy.example:3128');
    expect(proxy.url.href).toBe('http://proxy.example:3128/');
    expect(JSON.stringify(proxy.display)).not.toContain('w0rd');
  });

  it('names the source, never the value, of a bad proxy URL', () => {
    expect(() => parseProxyUrl('http://alice:s3cret@[bad', 'HTTPS_PROXY')).toThrow(/HTTPS_PROXY is not a URL/);
    try {
      parseProxyUrl('http://alice:s3cret@[bad', 'HTTPS_PROXY');
    } catch (error) {
      expect((error as Error).message).not.toContain('s3cret');
    }
    expect(() => parseProxyUrl('socks5://proxy:1080', 'ALL')).toThrow(/does not support/);
  });

  it('matches NO_PROXY like curl: domains with subdomains, host:port, CIDR, *', () => {
    const bypass = noProxyMatcher(['.corp.example', 'minio:9000', '10.0.0.0/8', '::1', '*.vpce.amazonaws.com']);
    expect(bypass('corp.example', 443)).toBe(true);
    expect(bypass('s3.corp.example', 443)).toBe(true);
    expect(bypass('notcorp.example', 443)).toBe(false);
    expect(bypass('minio', 9000)).toBe(true);
    expect(bypass('minio', 9001)).toBe(false);
    expect(bypass('10.1.2.3', 80)).toBe(true);
    expect(bypass('11.1.2.3', 80)).toBe(false);
    expect(bypass('[::1]', 80)).toBe(true);
    expect(bypass('bucket.vpce-1.s3.eu-west-1.vpce.amazonaws.com', 443)).toBe(true);
    expect(noProxyMatcher(['*'])('anything', 1)).toBe(true);
  });
});

describe('buildNetwork', () => {
  it('builds nothing without a proxy or CA, so the engine keeps its own agents and fetch', () => {
    const network = buildNetwork({ env: {} });
    expect(network.agents).toBeUndefined();
    expect(network.fetch).toBeUndefined();
    expect(network.trust.ca).toBeNull();
  });

  it('refuses a CA entry that holds no certificate, naming it', () => {
    expect(() => buildNetwork({ env: {}, caCertificates: ['/nonexistent/ca.pem'] })).toThrow(/\/nonexistent\/ca\.pem cannot be read/);
    expect(() => buildNetwork({ env: {}, caCertificates: ['-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----'] })).toThrow(/cannot be read/);
  });

  it('reads the OS store when asked, and not otherwise', () => {
    expect(buildNetwork({ env: {}, systemCa: true }).trust.system).toBe('added');
    expect(buildNetwork({ env: {} }).trust.system).toBe('not requested');
  });
});
