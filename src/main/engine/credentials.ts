/**
 * Credential providers. The engine asks a CredentialProvider; this module has the ones for
 * standalone use (the standard AWS chain, fixed keys) and the wrapper that refreshes temporary
 * credentials before they expire, which the backend's vended credentials plug into later.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { DocksideError } from '../../shared/errors.js';
import type { Clock, CredentialProvider, TemporaryCredentials } from './ports.js';
import { systemClock } from './system-clock.js';

/** Fixed credentials (tests, local S3 stand-ins). */
export class StaticCredentialProvider implements CredentialProvider {
  constructor(private readonly credentials: TemporaryCredentials) {}
  async getCredentials(): Promise<TemporaryCredentials> {
    return this.credentials;
  }
}

/**
 * Caches what `fetch` returns and fetches again `refreshBeforeMs` before expiry, so no request
 * is signed with credentials about to lapse. Concurrent callers share one fetch.
 */
export class RefreshingCredentialProvider implements CredentialProvider {
  private cached: TemporaryCredentials | null = null;
  private pending: Promise<TemporaryCredentials> | null = null;

  constructor(
    private readonly fetch: () => Promise<TemporaryCredentials>,
    private readonly options: { refreshBeforeMs?: number; clock?: Clock } = {},
  ) {}

  async getCredentials(options: { forceRefresh?: boolean } = {}): Promise<TemporaryCredentials> {
    if (!options.forceRefresh && this.cached && !this.isExpiring(this.cached)) return this.cached;
    if (!this.pending) {
      this.pending = this.fetch()
        .then((fresh) => {
          this.cached = fresh;
          return fresh;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    return this.pending;
  }

  private isExpiring(credentials: TemporaryCredentials): boolean {
    if (!credentials.expiration) return false;
    const now = (this.options.clock ?? systemClock).now();
    return credentials.expiration.getTime() - now <= (this.options.refreshBeforeMs ?? 5 * 60_000);
  }
}

/** The standard AWS chain: env vars, shared config/credentials files and profiles, SSO, IMDS. */
export function awsDefaultCredentials(): CredentialProvider {
  const chain = fromNodeProviderChain();
  return new RefreshingCredentialProvider(async () => {
    try {
      const c = await chain();
      return {
        accessKeyId: c.accessKeyId,
        secretAccessKey: c.secretAccessKey,
        ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
        ...(c.expiration ? { expiration: c.expiration } : {}),
      };
    } catch (error) {
      throw new DocksideError(
        'CREDENTIALS_MISSING',
        'No AWS credentials were found. Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then resume.',
        { cause: error },
      );
    }
  });
}
