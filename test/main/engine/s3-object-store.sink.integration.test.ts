// S3ObjectStore against our benchmark sink (bench/sink/s3-sink.ts): the ObjectStore contract.
import { afterAll, beforeAll } from 'vitest';
import { startS3Sink, type S3Sink } from '../../../bench/sink/s3-sink.js';
import { uniqueBucketName } from '../../support/moto-server.js';
import { objectStoreContract, type ContractEndpoint } from '../../contracts/object-store.contract.js';
import { SINK_QUIRKS } from '../../contracts/object-store-quirks.js';

let sink: S3Sink | undefined;
let endpoint: ContractEndpoint | undefined;

beforeAll(async () => {
  // MD5 ETags on (the sink's default), as S3 makes them; buckets exist implicitly.
  sink = await startS3Sink({ tls: false });
  endpoint = { endpoint: sink.endpoint, region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test', bucket: uniqueBucketName('contract') };
});
afterAll(async () => {
  await sink?.close();
});

objectStoreContract('the S3 sink', SINK_QUIRKS, () => endpoint!);
