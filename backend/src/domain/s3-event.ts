/**
 * The body of an S3 event notification as it arrives on the dock's event queue, parsed with zod
 * so that anything else (a hand-sent message, a truncated body) is recognised as poison rather
 * than half-understood. S3 URL-encodes object keys in events (`+` for a space), so keys are decoded
 * here, once, before anything compares them with a real key.
 */
import { z } from 'zod';

/** One ObjectCreated record, with the key decoded and the ETag without quotes. */
export interface ObjectCreatedRecord {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  readonly eTag: string;
  /** `ObjectCreated:Put`, `ObjectCreated:CompleteMultipartUpload`, ... */
  readonly eventName: string;
  readonly eventTime: string;
}

export type DockEventMessage =
  | { readonly kind: 'test-event'; readonly bucket: string }
  | {
      readonly kind: 'records';
      readonly created: readonly ObjectCreatedRecord[];
      /** Records of other event types (not configured on the dock, but S3 could send them). */
      readonly ignored: number;
    };

export class S3EventParseError extends Error {
  override readonly name = 'S3EventParseError';
  readonly code = 'INVALID_S3_EVENT' as const;
  readonly retryable = false;
}

const testEventSchema = z.object({
  Event: z.literal('s3:TestEvent'),
  Bucket: z.string().min(1),
});

// Only the fields we use are required; S3 adds fields over time and they must not make a valid
// event look like poison.
const recordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().min(1),
  // moto writes eventTime without a zone ("2026-01-01T10:00:00.123456"), so no datetime check.
  eventTime: z.string().min(1),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({
      key: z.string().min(1),
      // Absent on ObjectRemoved records; required for ObjectCreated (checked below).
      size: z.number().int().min(0).optional(),
      eTag: z.string().min(1).optional(),
    }),
  }),
});

const recordsSchema = z.object({ Records: z.array(recordSchema).min(1) });

/** Decodes an event key: `+` is a space, the rest is percent-encoding. */
export function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (cause) {
    throw new S3EventParseError(`object key ${JSON.stringify(key.slice(0, 200))} is not valid URL encoding`, { cause });
  }
}

/** Strips the quotes S3 puts around ETags in headers (events carry them bare). */
export function bareEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/**
 * Parses one SQS message body from the dock's event queue. Throws S3EventParseError for anything
 * that is neither an S3 test event nor a list of S3 event records.
 */
export function parseS3EventMessage(body: string): DockEventMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new S3EventParseError(`message body is not JSON: ${JSON.stringify(body.slice(0, 120))}`, { cause });
  }
  const test = testEventSchema.safeParse(json);
  if (test.success) return { kind: 'test-event', bucket: test.data.Bucket };

  const parsed = recordsSchema.safeParse(json);
  if (!parsed.success) {
    throw new S3EventParseError(`message is not an S3 event: ${z.prettifyError(parsed.error).slice(0, 300)}`);
  }
  const created: ObjectCreatedRecord[] = [];
  let ignored = 0;
  for (const record of parsed.data.Records) {
    if (!record.eventName.startsWith('ObjectCreated:')) {
      ignored += 1;
      continue;
    }
    const { object, bucket } = record.s3;
    if (object.size === undefined || object.eTag === undefined) {
      throw new S3EventParseError(`ObjectCreated record for ${JSON.stringify(object.key.slice(0, 200))} has no size or eTag`);
    }
    created.push({
      bucket: bucket.name,
      key: decodeS3EventKey(object.key),
      size: object.size,
      eTag: bareEtag(object.eTag),
      eventName: record.eventName,
      eventTime: record.eventTime,
    });
  }
  return { kind: 'records', created, ignored };
}
