/**
 * Who owns an upload: the owner key stored in every upload record (and in the `byOwner` index,
 * list cursors, rate-limit buckets, the promoted object's `uploader` metadata and the "file
 * available" message). Each sign-in method has its own space, so an OIDC subject can never
 * collide with a static-token user name:
 *
 * - static token user `alice` → `static:alice`
 * - OIDC subject `alice` of issuer `https://idp.example.com` → `oidc:https://idp.example.com#alice`
 *
 * The issuer is the configured one (jose has checked the token's `iss` equals it). It has no `#`
 * (config.ts refuses an issuer with a fragment, as OpenID Connect does), so the first `#` ends it
 * and every (issuer, subject) pair has exactly one key.
 *
 * Records written before owner keys were namespaced hold the bare name or subject. No identity
 * maps to a bare string, so they are nobody's until `npm run migrate-owners` rewrites them (see
 * backend/src/aws/owner-migration.ts): only the operator knows which sign-in wrote them.
 */

export type SignInMethod = 'oidc' | 'static';

export interface OwnerName {
  readonly method: SignInMethod;
  /** The OIDC issuer; null for a static token. */
  readonly issuer: string | null;
  /** The OIDC `sub`, or the static token's user name. */
  readonly subject: string;
}

const STATIC_PREFIX = 'static:';
const OIDC_PREFIX = 'oidc:';

/** The owner key of a static-token user. */
export function staticOwner(user: string): string {
  return `${STATIC_PREFIX}${user}`;
}

/** The owner key of an OIDC subject of `issuer` (which must not contain `#`). */
export function oidcOwner(issuer: string, subject: string): string {
  if (issuer.includes('#')) throw new RangeError('an OIDC issuer with "#" cannot name owners unambiguously');
  return `${OIDC_PREFIX}${issuer}#${subject}`;
}

/** The parts of an owner key; null for a bare (pre-namespace) owner. */
export function parseOwner(owner: string): OwnerName | null {
  if (owner.startsWith(STATIC_PREFIX) && owner.length > STATIC_PREFIX.length) {
    return { method: 'static', issuer: null, subject: owner.slice(STATIC_PREFIX.length) };
  }
  if (owner.startsWith(OIDC_PREFIX)) {
    const hash = owner.indexOf('#', OIDC_PREFIX.length);
    if (hash > OIDC_PREFIX.length && hash < owner.length - 1) {
      return { method: 'oidc', issuer: owner.slice(OIDC_PREFIX.length, hash), subject: owner.slice(hash + 1) };
    }
  }
  return null;
}
