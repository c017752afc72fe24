import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, parseS3EventMessage, S3EventParseError } from '../../../backend/src/domain/s3-event.js';

// As moto wrote it for a PutObject (checked on moto 5.2): key URL-encoded with `+` for spaces,
// eventTime without a zone.
const MOTO_PUT = `{"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-11-23T15:45:46.266300", "eventName": "ObjectCreated:Put", "s3": {"s3SchemaVersion": "1.0", "configurationId": "x", "bucket": {"name": "dock", "arn": "arn:aws:s3:::dock"}, "object": {"key": "uploads%2F01ARZ3NDEKTSV4RRFFQ69G5FAV%2Fa+b%2Bc+%C3%BC.txt", "size": 5, "eTag": "5d41402abc4b2a76b9719d911017c592"}}}]}`;

/** S3's encoding of keys in events: form-style, `+` for a space. */
const encodeLikeS3 = (key: string): string => encodeURIComponent(key).replace(/%20/g, '+');

describe('parseS3EventMessage', () => {
  it('reads an ObjectCreated record, decoding the key (`+` is a space, %2B a plus)', () => {
    expect(parseS3EventMessage(MOTO_PUT)).toEqual({
      kind: 'records',
      ignored: 0,
      created: [
        {
          bucket: 'dock',
          key: 'uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV/a b+c ü.txt',
          size: 5,
          eTag: '5d41402abc4b2a76b9719d911017c592',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-11-23T15:45:46.266300',
        },
      ],
    });
  });

  it('recognises s3:TestEvent', () => {
    expect(parseS3EventMessage('{"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-23T15:45:46.235293", "Bucket": "dock"}')).toEqual({
      kind: 'test-event',
      bucket: 'dock',
    });
  });

  it('handles several records per message, skipping other event types and stripping ETag quotes', () => {
    const record = (eventName: string, key: string, extra: object = {}) => ({
      eventSource: 'aws:s3',
      eventName,
      eventTime: '2026-01-01T00:00:00.000Z',
      s3: { bucket: { name: 'dock' }, object: { key, ...extra } },
    });
    const body = JSON.stringify({
      Records: [
        record('ObjectCreated:CompleteMultipartUpload', 'uploads/A/x', { size: 10, eTag: '"abc-2"' }),
        record('ObjectRemoved:Delete', 'uploads/A/y'),
        record('ObjectCreated:Copy', 'uploads/B/z', { size: 0, eTag: 'def' }),
      ],
    });
    const parsed = parseS3EventMessage(body);
    expect(parsed.kind === 'records' && parsed.created.map((r) => [r.key, r.eTag, r.size])).toEqual([
      ['uploads/A/x', 'abc-2', 10],
      ['uploads/B/z', 'def', 0],
    ]);
    expect(parsed.kind === 'records' && parsed.ignored).toBe(1);
  });

  it.each([
    ['not JSON', 'hello {'],
    ['JSON of another shape', '{"foo": 1}'],
    ['no records', '{"Records": []}'],
    ['another source', '{"Records": [{"eventSource": "aws:sns", "eventName": "ObjectCreated:Put", "eventTime": "t", "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "size": 1, "eTag": "e"}}}]}'],
    ['ObjectCreated without size', '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "t", "s3": {"bucket": {"name": "b"}, "object": {"key": "k", "eTag": "e"}}}]}'],
    ['a key that is not URL encoding', '{"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "eventTime": "t", "s3": {"bucket": {"name": "b"}, "object": {"key": "%E0%A4%A", "size": 1, "eTag": "e"}}}]}'],
  ])('rejects %s as poison with a typed error', (_, body) => {
    expect(() => parseS3EventMessage(body)).toThrow(S3EventParseError);
    try {
      parseS3EventMessage(body);
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_S3_EVENT', retryable: false });
    }
  });

  it('decodes any key S3 encodes back to itself', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (key) => decodeS3EventKey(encodeLikeS3(key)) === key));
  });

  it('never throws anything but S3EventParseError on arbitrary bodies', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (body) => {
        try {
          parseS3EventMessage(body);
        } catch (e) {
          return e instanceof S3EventParseError;
        }
        return true;
      }),
    );
  });
});
