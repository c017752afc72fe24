import { describe, expect, it } from 'vitest';
import { RefreshingCredentialProvider, StaticCredentialProvider, type Clock, type TemporaryCredentials } from '../../../src/main/engine/index.js';
import { credentialProviderContract } from '../../contracts/credential-provider.contract.js';

const HOUR = 3_600_000;

function fakeClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async () => undefined, advance: (ms) => (now += ms) };
}

/** A source of temporary credentials valid for `lifetimeMs` (an hour) from the fake clock's now, numbered. */
function vending(clock: Clock, lifetimeMs = HOUR) {
  let issued = 0;
  const fetch = async (): Promise<TemporaryCredentials> => {
    issued += 1;
    return { accessKeyId: `AKIA${issued}`, secretAccessKey: 'secret', sessionToken: `token-${issued}`, expiration: new Date(clock.now() + lifetimeMs) };
  };
  return { fetch, issued: () => issued };
}

credentialProviderContract('StaticCredentialProvider', () => new StaticCredentialProvider({ accessKeyId: 'AKIA', secretAccessKey: 'secret' }));
credentialProviderContract('RefreshingCredentialProvider', () => new RefreshingCredentialProvider(vending(fakeClock()).fetch));

describe('RefreshingCredentialProvider', () => {
  it('caches credentials while they are far from expiry', async () => {
    const clock = fakeClock();
    const source = vending(clock);
    const provider = new RefreshingCredentialProvider(source.fetch, { clock, refreshBeforeMs: 5 * 60_000 });
    const first = await provider.getCredentials();
    clock.advance(50 * 60_000);
    expect(await provider.getCredentials()).toBe(first);
    expect(source.issued()).toBe(1);
  });

  it('fetches new credentials before the old ones expire, not after', async () => {
    const clock = fakeClock();
    const source = vending(clock);
    const provider = new RefreshingCredentialProvider(source.fetch, { clock, refreshBeforeMs: 5 * 60_000 });
    const first = await provider.getCredentials();
    clock.advance(HOUR - 5 * 60_000); // exactly at the refresh margin
    const second = await provider.getCredentials();
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(second.expiration!.getTime()).toBeGreaterThan(first.expiration!.getTime());
    expect(first.expiration!.getTime() - clock.now()).toBeGreaterThan(0); // the old ones still had time left
  });

  it("with the backend's default 15-minute credentials, uses each set for 10 minutes and refreshes in the 5 before it expires", async () => {
    const clock = fakeClock();
    const source = vending(clock, 15 * 60_000);
    // The default margin, as the object store factory builds it for a backend transfer.
    const provider = new RefreshingCredentialProvider(source.fetch, { clock });
    const first = await provider.getCredentials();
    clock.advance(10 * 60_000 - 1);
    expect(await provider.getCredentials()).toBe(first);
    clock.advance(1);
    const second = await provider.getCredentials();
    expect(second.accessKeyId).toBe('AKIA2');
    expect(first.expiration!.getTime() - clock.now()).toBe(5 * 60_000);
    // And so on, every 10 minutes: no request is ever signed with a set within 5 minutes of expiry.
    for (let minute = 0; minute < 60; minute++) {
      clock.advance(60_000);
      const current = await provider.getCredentials();
      expect(current.expiration!.getTime() - clock.now()).toBeGreaterThan(5 * 60_000);
    }
    expect(source.issued()).toBe(8);
  });

  it('shares one fetch between concurrent callers', async () => {
    const clock = fakeClock();
    const source = vending(clock);
    const provider = new RefreshingCredentialProvider(source.fetch, { clock });
    const all = await Promise.all(Array.from({ length: 8 }, () => provider.getCredentials()));
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    expect(source.issued()).toBe(1);
  });

  it('fetches again when forced (after S3 said ExpiredToken), even if the cache looks fresh', async () => {
    const clock = fakeClock();
    const source = vending(clock);
    const provider = new RefreshingCredentialProvider(source.fetch, { clock });
    await provider.getCredentials();
    await provider.getCredentials({ forceRefresh: true });
    expect(source.issued()).toBe(2);
  });

  it('never caches a failed fetch: the next call tries again', async () => {
    let calls = 0;
    const provider = new RefreshingCredentialProvider(async () => {
      calls += 1;
      if (calls === 1) throw new Error('backend unreachable');
      return { accessKeyId: 'AKIA', secretAccessKey: 'secret' };
    });
    await expect(provider.getCredentials()).rejects.toThrow('backend unreachable');
    await expect(provider.getCredentials()).resolves.toMatchObject({ accessKeyId: 'AKIA' });
  });

  it('keeps long-lived credentials (no expiry) until forced', async () => {
    const clock = fakeClock();
    let calls = 0;
    const provider = new RefreshingCredentialProvider(async () => ({ accessKeyId: `AKIA${++calls}`, secretAccessKey: 's' }), { clock });
    await provider.getCredentials();
    clock.advance(1_000 * HOUR);
    await provider.getCredentials();
    expect(calls).toBe(1);
  });
});
