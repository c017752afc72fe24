// The @aws-sdk/lib-storage peer: `Upload` of a file stream, as an application would write it.
// argv: FILE BUCKET KEY ENDPOINT [PART_SIZE_MIB QUEUE_SIZE]
import { createReadStream } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const [file, bucket, key, endpoint, partMiB, queue] = process.argv.slice(2);
if (!file || !bucket || !key || !endpoint) throw new Error('usage: lib-storage-upload FILE BUCKET KEY ENDPOINT [PART_MIB QUEUE]');

const client = new S3Client({ endpoint, forcePathStyle: true, region: process.env.AWS_REGION ?? 'us-east-1' });
const upload = new Upload({
  client,
  params: { Bucket: bucket, Key: key, Body: createReadStream(file, { highWaterMark: 1024 * 1024 }) },
  ...(partMiB ? { partSize: Number(partMiB) * 1024 * 1024 } : {}),
  ...(queue ? { queueSize: Number(queue) } : {}),
});
await upload.done();
client.destroy();
