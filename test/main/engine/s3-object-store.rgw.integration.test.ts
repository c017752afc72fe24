// S3ObjectStore against Ceph RGW 16.2, a real independent S3 implementation: the ObjectStore
// contract with RGW's quirks. The run's one RGW is started by the global setup (test/support/rgw.ts).
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll } from 'vitest';
import { sharedRgw } from '../../support/rgw.js';
import { uniqueBucketName } from '../../support/moto-server.js';
import { objectStoreContract, type ContractEndpoint } from '../../contracts/object-store.contract.js';
import { RGW_QUIRKS } from '../../contracts/object-store-quirks.js';

let endpoint: ContractEndpoint | undefined;

// The bring-up takes about 15 s on 2 cores, longer on a busy machine.
beforeAll(async () => {
  const rgw = await sharedRgw();
  const bucket = uniqueBucketName('contract');
  const s3 = new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
  endpoint = { ...rgw, bucket };
}, 240_000);

objectStoreContract('Ceph RGW 16.2', RGW_QUIRKS, () => endpoint!);
