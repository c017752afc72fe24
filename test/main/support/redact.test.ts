import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets } from '../../../src/main/support/redact.js';

describe('redactSecrets', () => {
  const input = {
    uploadId: 'u1',
    sessionToken: 'FQoG',
    headers: { Authorization: 'Bearer x', 'content-type': 'json' },
    list: [{ secretAccessKey: 'sk', accessKeyId: 'AKIA', part: 3 }],
    password: 'p',
    apiKey: 'k',
    count: 2,
  };

  it('masks secret-named values at any depth and keeps the rest', () => {
    expect(redactSecrets(input)).toEqual({
      uploadId: 'u1',
      sessionToken: REDACTED,
      headers: { Authorization: REDACTED, 'content-type': 'json' },
      list: [{ secretAccessKey: REDACTED, accessKeyId: REDACTED, part: 3 }],
      password: REDACTED,
      apiKey: REDACTED,
      count: 2,
    });
    expect(input.sessionToken).toBe('FQoG');
  });

  it('leaves them out with omit', () => {
    expect(redactSecrets(input, { omit: true })).toEqual({ uploadId: 'u1', headers: { 'content-type': 'json' }, list: [{ part: 3 }], count: 2 });
  });

  it('survives cycles and plain values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ a: 1, self: REDACTED });
    expect(redactSecrets('token')).toBe('token');
    expect(redactSecrets(null)).toBeNull();
  });
});
