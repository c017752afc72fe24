// File identity: what is compared, in which order, and how old journal entries are read.
import { describe, expect, it } from 'vitest';
import { identityChange, identityKey, parseIdentityKey, type FileIdentity } from '../../../src/main/engine/file-identity.js';

const base: FileIdentity = { size: 1000, mtimeMs: 1_700_000_000_123, mtimeNs: 1_700_000_000_123_456_789n, ctimeNs: 1_700_000_100_000_000_001n, dev: 2049n, ino: 77n };
const record = { fileSize: base.size, fileMtimeMs: base.mtimeMs };

describe('file identity', () => {
  it('round-trips through the journal key, inode numbers above 2^53 included', () => {
    const big = { ...base, ino: 2n ** 63n + 5n };
    expect(parseIdentityKey(identityKey(big), record)).toEqual(big);
    expect(identityKey(base)).toBe('v2:1000:1700000000123456789:1700000100000000001:2049:77');
  });

  it.each<[string, Partial<FileIdentity>, RegExp]>([
    ['another inode', { ino: 78n }, /the path now names another file/],
    ['another device', { dev: 2050n }, /the path now names another file/],
    ['another size', { size: 1001 }, /size changed from 1000 to 1001 bytes/],
    ['another mtime, by a nanosecond', { mtimeNs: base.mtimeNs + 1n }, /it was modified at/],
    ['only the change time (touch -r, cp -p, rsync -a)', { ctimeNs: base.ctimeNs + 1n }, /changed at .* although its size and modification time are as before.*touch -r/],
  ])('says what changed: %s', (_name, change, why) => {
    expect(identityChange(parseIdentityKey(identityKey(base), record), { ...base, ...change })).toMatch(why);
  });

  it('finds no change in the same identity', () => {
    expect(identityChange(parseIdentityKey(identityKey(base), record), base)).toBeNull();
  });

  it('reads a key written before change times were kept (size:mtimeMs:dev:ino) and compares what it has', () => {
    const old = parseIdentityKey('1000:1700000000123:2049:77', record);
    expect(old).toEqual({ size: 1000, mtimeMs: base.mtimeMs, dev: 2049n, ino: 77n });
    // No ctime journaled: a rewrite with mtime kept is left to the resume sample.
    expect(identityChange(old, { ...base, ctimeNs: 1n })).toBeNull();
    expect(identityChange(old, { ...base, ino: 1n })).toMatch(/another file/);
    expect(identityChange(old, { ...base, mtimeNs: base.mtimeNs + 1_000_000n, mtimeMs: base.mtimeMs + 1 })).toMatch(/modified/);
  });

  it('reads a key it cannot parse as size and mtime only', () => {
    expect(parseIdentityKey('size:mtime:dev:ino', record)).toEqual({ size: 1000, mtimeMs: base.mtimeMs });
  });
});
