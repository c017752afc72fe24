/**
 * Static bearer tokens for service accounts and local development. Only SHA-256 hashes are
 * configured, so a leaked configuration does not leak tokens; comparison is constant-time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { StaticTokenEntry } from '../config.js';
import { staticOwner } from '../domain/owner.js';
import { AuthError, type Authenticator, type Identity } from './authenticator.js';

export class StaticTokenAuthenticator implements Authenticator {
  private readonly entries: readonly { readonly user: string; readonly digest: Buffer }[];

  constructor(entries: readonly StaticTokenEntry[]) {
    this.entries = entries.map((e) => ({ user: e.user, digest: Buffer.from(e.sha256, 'hex') }));
  }

  /** The user of a configured token, or null. Every entry is compared, matched or not. */
  match(token: string): string | null {
    const digest = createHash('sha256').update(token, 'utf8').digest();
    let user: string | null = null;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.digest) && user === null) user = entry.user;
    }
    return user;
  }

  async authenticate(token: string): Promise<Identity> {
    const user = this.match(token);
    if (user === null) throw new AuthError('INVALID_TOKEN', 'The bearer token is not recognised.');
    return staticIdentity(user);
  }
}

/** The identity of a static-token user: their own owner space (`static:<user>`). */
export function staticIdentity(user: string): Identity {
  return { method: 'static', issuer: null, subject: user, owner: staticOwner(user) };
}
