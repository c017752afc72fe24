// S3ObjectStore against moto_server: the ObjectStore contract with moto 5's quirks.
import { afterAll, beforeAll } from 'vitest';
import { createBucket, startMoto, uniqueBucketName, type MotoServer } from '../../support/moto-server.js';
import { objectStoreContract, type ContractEndpoint } from '../../contracts/object-store.contract.js';
import { MOTO_QUIRKS } from '../../contracts/object-store-quirks.js';

let moto: MotoServer | undefined;
let endpoint: ContractEndpoint | undefined;

beforeAll(async () => {
  // moto's own minimum part size (5 MiB, as S3): the contract sends real-sized parts.
  moto = await startMoto();
  const bucket = uniqueBucketName('contract');
  await createBucket(moto.endpoint, bucket);
  endpoint = { endpoint: moto.endpoint, region: 'us-east-1', accessKeyId: 'test', secretAccessKey: 'test', bucket };
});
afterAll(async () => {
  await moto?.stop();
});

objectStoreContract('moto 5', MOTO_QUIRKS, () => endpoint!);
