// The contract every CredentialProvider implementation must keep; run by each implementation's test.
import { describe, expect, it } from 'vitest';
import type { CredentialProvider } from '../../src/main/engine/index.js';

export function credentialProviderContract(name: string, make: () => CredentialProvider): void {
  describe(`${name} (CredentialProvider contract)`, () => {
    it('returns usable credentials: non-empty key id and secret, and an expiry in the future when there is one', async () => {
      const credentials = await make().getCredentials();
      expect(credentials.accessKeyId.length).toBeGreaterThan(0);
      expect(credentials.secretAccessKey.length).toBeGreaterThan(0);
      if (credentials.expiration) expect(credentials.expiration.getTime()).toBeGreaterThan(Date.now());
    });

    it('answers a forced refresh with credentials too', async () => {
      const credentials = await make().getCredentials({ forceRefresh: true });
      expect(credentials.accessKeyId.length).toBeGreaterThan(0);
    });

    it('serves concurrent callers', async () => {
      const provider = make();
      const all = await Promise.all(Array.from({ length: 5 }, () => provider.getCredentials()));
      for (const credentials of all) expect(credentials.accessKeyId.length).toBeGreaterThan(0);
    });
  });
}
