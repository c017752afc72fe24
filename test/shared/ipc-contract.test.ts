import { describe, expect, it } from 'vitest';
import { apiEventName, apiMethodName, EVENTS, REQUESTS, type DocksideApi } from '../../src/shared/ipc-contract.js';

describe('the IPC contract', () => {
  it('names every channel <domain>:<verb> and maps it to one preload method or subscription', () => {
    for (const channel of Object.keys(REQUESTS)) expect(channel).toMatch(/^[a-z]+:[a-zA-Z]+$/);
    for (const channel of Object.keys(EVENTS)) expect(channel).toMatch(/^[a-z]+:[a-z]+$/);
    expect(apiMethodName('transfers:pauseAll')).toBe('transfersPauseAll');
    expect(apiMethodName('dialog:pickFiles')).toBe('dialogPickFiles');
    expect(apiEventName('transfers:changed')).toBe('onTransfersChanged');
    const names = [...Object.keys(REQUESTS).map((c) => apiMethodName(c as keyof typeof REQUESTS)), ...Object.keys(EVENTS).map((c) => apiEventName(c as keyof typeof EVENTS))];
    expect(new Set(names).size).toBe(names.length);
  });

  it('refuses payloads a compromised renderer could send', () => {
    expect(REQUESTS['transfers:pause'].request.safeParse({ id: '01abc' }).success).toBe(true);
    expect(REQUESTS['transfers:pause'].request.safeParse({ id: '../../etc' }).success).toBe(false);
    expect(REQUESTS['transfers:pause'].request.safeParse({ id: '01abc', extra: 1 }).success).toBe(false);
    expect(REQUESTS['transfers:add'].request.safeParse({ grants: [] }).success).toBe(false);
    // The page names no path: not in the old shape, not as a grant.
    expect(REQUESTS['transfers:add'].request.safeParse({ paths: ['/etc/shadow'] }).success).toBe(false);
    expect(REQUESTS['transfers:add'].request.safeParse({ grants: ['/etc/shadow'] }).success).toBe(false);
    expect(REQUESTS['transfers:add'].request.safeParse({ grants: ['0123456789abcdef0123456789abcdef'] }).success).toBe(true);
    expect(REQUESTS['settings:set'].request.safeParse({ concurrency: 1000 }).success).toBe(false);
    // Keys inherited through a planted prototype count as unknown keys too.
    expect(REQUESTS['settings:set'].request.safeParse({ __proto__: { polluted: true }, concurrency: 4 }).success).toBe(false);
    expect(REQUESTS['log:query'].request.parse({})).toEqual({ limit: 500 });
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x']) {
      expect(REQUESTS['auth:signIn'].request.safeParse({ backendUrl: url, token: 't' }).success).toBe(false);
      expect(REQUESTS['settings:set'].request.safeParse({ backendUrl: url }).success).toBe(false);
    }
    expect(REQUESTS['auth:signIn'].request.safeParse({ backendUrl: 'https://dockside.example.com', token: 't' }).success).toBe(true);
    expect(REQUESTS['transfers:list'].request.safeParse({ anything: 1 }).success).toBe(false);
  });

  it('types the preload API from the channels', () => {
    // Compile-time checks: a request-less channel takes no argument; the others take their request.
    const api = null as unknown as DocksideApi;
    const calls = [() => api.transfersList(), () => api.transfersPause({ id: 'abc' }), () => api.onTransfersChanged(() => undefined)];
    expect(calls).toHaveLength(3);
  });
});
