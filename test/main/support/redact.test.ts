import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, redactSecrets, secretsInEnvironment } from '../../../src/main/support/redact.js';

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

describe('createRedactor', () => {
  const redactor = createRedactor(['my-static-token-1', 'short']);

  it.each<[string, string, string]>([
    ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE used', 'key [redacted] used'],
    ['a temporary access key id in a file name', '/media/ASIAIOSFODNN7EXAMPLE-take.mov', '/media/[redacted]-take.mov'],
    ['a bare secret access key', 'secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here', 'secret [redacted] here'],
    ['a session token', `token FwoGZXIvYXdzEJr${'x'.repeat(50)} here`, 'token [redacted] here'],
    ['an env line', 'AWS_SECRET_ACCESS_KEY=abc123 AWS_REGION=eu-west-1', 'AWS_SECRET_ACCESS_KEY=[redacted] AWS_REGION=eu-west-1'],
    ['a JSON-ish field in text', '{"sessionToken": "abc", "part": 3}', '{"sessionToken": "[redacted]", "part": 3}'],
    ['an Authorization header', 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAX/1, Signature=ff', 'Authorization: [redacted]'],
    ['a bearer token', 'sent Bearer abcdefgh12345 to the backend', 'sent Bearer [redacted] to the backend'],
    ['a basic-auth value, not prose', 'Basic dXNlcjpwYXNz= and Basic setup', 'Basic [redacted] and Basic setup'],
    ['a JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'token [redacted]'],
    ['a proxy URL password', 'via http://alice:pa55@proxy.corp:3128/', 'via http://[redacted]@proxy.corp:3128/'],
    [
      'a presigned URL',
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=ASIAX%2F2025&X-Amz-Expires=900&X-Amz-Security-Token=IQo%2Bz&X-Amz-Signature=abc',
      'https://b.s3.amazonaws.com/k?X-Amz-Credential=[redacted]&X-Amz-Expires=900&X-Amz-Security-Token=[redacted]&X-Amz-Signature=[redacted]',
    ],
    ['a known secret, whatever its shape', 'retry with my-static-token-1 and my-static-token-1', 'retry with [redacted] and [redacted]'],
    ['a known secret URL-encoded', 'x?t=my-static-token-1', 'x?t=[redacted]'],
    ['ordinary text (and known values too short to match)', 'Part 3 of take-01.mov: network down, short retry in 4 s (CRC32 q83vEg==)', 'Part 3 of take-01.mov: network down, short retry in 4 s (CRC32 q83vEg==)'],
    ['a SHA-1 in hex', 'commit 4a6f9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a', 'commit 4a6f9b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a'],
  ])('text: %s', (_label, input, expected) => {
    expect(redactor.text(input)).toBe(expected);
  });

  it('value: masks secret-named keys and scrubs every string and key', () => {
    expect(
      redactor.value({ a: 'Bearer abcdefgh12345', nested: [{ password: 'x', url: 'http://u:p@h' }], 'AKIAIOSFODNN7EXAMPLE.txt': 1, n: 2n }),
    ).toEqual({ a: 'Bearer [redacted]', nested: [{ password: REDACTED, url: 'http://[redacted]@h' }], '[redacted].txt': 1, n: '2' });
  });

  it('finds credential-named variables in an environment', () => {
    expect(secretsInEnvironment({ DOCKSIDE_TOKEN: 't', AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's', PATH: '/bin', HOME: '/h' }).sort()).toEqual(['a', 's', 't']);
  });
});
