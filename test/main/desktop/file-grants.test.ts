// File grants: what the window holds instead of paths. Unguessable, single-use, short-lived, and
// one answer for every id main does not hold.
import { describe, expect, it } from 'vitest';
import { FileGrants } from '../../../src/main/desktop/file-grants.js';
import { thrown } from '../../support/thrown.js';

describe('FileGrants', () => {
  it('issues 128-bit hex ids, distinct each time, and gives the paths back once', () => {
    const grants = new FileGrants();
    const ids = grants.issue(['/a/one.bin', '/a/one.bin', '/b/two.bin']);
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(3);
    expect(grants.redeem(ids)).toEqual(['/a/one.bin', '/a/one.bin', '/b/two.bin']);
    expect(() => grants.redeem([ids[0]!])).toThrow(expect.objectContaining({ code: 'FILE_NOT_CHOSEN' }));
  });

  it('answers the same for an id never issued, one used, and one expired; all or nothing', () => {
    let now = 1_000;
    const grants = new FileGrants({ ttlMs: 60_000, now: () => now });
    const [used] = grants.issue(['/a/used.bin']);
    grants.redeem([used!]);
    const [expired] = grants.issue(['/a/expired.bin']);
    now += 60_000;
    const [fresh] = grants.issue(['/a/fresh.bin']);
    const errors = [[used!], [expired!], ['0'.repeat(32)], [fresh!, '1'.repeat(32)]].map((ids) => thrown(() => grants.redeem(ids)));
    for (const error of errors) expect(error).toMatchObject({ code: 'FILE_NOT_CHOSEN', message: errors[0]!.message });
    expect(errors[0]!.message).not.toMatch(/\//);
    // The refused mixed request used nothing up.
    expect(grants.redeem([fresh!])).toEqual(['/a/fresh.bin']);
  });

  it('holds at most `max` grants, forgetting the oldest', () => {
    const grants = new FileGrants({ max: 2 });
    const [first] = grants.issue(['/1']);
    const rest = grants.issue(['/2', '/3']);
    expect(() => grants.redeem([first!])).toThrow(expect.objectContaining({ code: 'FILE_NOT_CHOSEN' }));
    expect(grants.redeem(rest)).toEqual(['/2', '/3']);
  });
});
