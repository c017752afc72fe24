// Owner keys: one space per sign-in method, and exactly one key per (method, issuer, subject).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oidcOwner, parseOwner, staticOwner } from '../../../backend/src/domain/owner.js';

const issuer = fc.webUrl({ withQueryParameters: false, withFragments: false });
const name = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 });

describe('owner keys', () => {
  it('name static users and OIDC subjects in separate spaces', () => {
    expect(staticOwner('alice')).toBe('static:alice');
    expect(oidcOwner('https://idp.example.com', 'alice')).toBe('oidc:https://idp.example.com#alice');
    expect(staticOwner('alice')).not.toBe(oidcOwner('https://idp.example.com', 'alice'));
  });

  it('never give a static user and an OIDC subject the same key, whatever their names', () => {
    fc.assert(
      fc.property(name, issuer, name, (user, iss, sub) => {
        expect(staticOwner(user)).not.toBe(oidcOwner(iss, sub));
      }),
    );
  });

  it('read back what they were made from (so two different pairs never share a key)', () => {
    fc.assert(
      fc.property(issuer, name, (iss, sub) => {
        expect(parseOwner(oidcOwner(iss, sub))).toEqual({ method: 'oidc', issuer: iss, subject: sub });
      }),
    );
    fc.assert(
      fc.property(name, (user) => {
        expect(parseOwner(staticOwner(user))).toEqual({ method: 'static', issuer: null, subject: user });
      }),
    );
    expect(parseOwner('oidc:https://idp#a#b')).toEqual({ method: 'oidc', issuer: 'https://idp', subject: 'a#b' });
  });

  it('refuse an issuer with a fragment, which would make keys ambiguous', () => {
    expect(() => oidcOwner('https://idp.example.com/#x', 'a')).toThrow(RangeError);
  });

  it.each(['alice', 'auth0|123', 'static:', 'oidc:no-hash', 'oidc:#sub', 'oidc:https://idp#', ''])('read the bare (pre-namespace) owner %j as no key', (bare) => {
    expect(parseOwner(bare)).toBeNull();
  });
});
