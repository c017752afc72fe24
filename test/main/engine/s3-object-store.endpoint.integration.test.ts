// S3ObjectStore against any endpoint given in the environment (real AWS, MinIO, a firm's own
// store): the ObjectStore contract, opt-in. Set DOCKSIDE_CONTRACT_ENDPOINT (https://s3.eu-west-1.amazonaws.com,
// say), DOCKSIDE_CONTRACT_ACCESS_KEY_ID, DOCKSIDE_CONTRACT_SECRET_ACCESS_KEY (and _SESSION_TOKEN
// for temporary keys), DOCKSIDE_CONTRACT_REGION and DOCKSIDE_CONTRACT_BUCKET (an existing bucket;
// the suite writes under dockside-contract/ and removes what it wrote). DOCKSIDE_CONTRACT_QUIRKS
// names the server's quirks: a preset (aws, the default; moto; rgw; sink) or JSON over `aws`,
// e.g. '{"completeIsRepeatable":false}' for MinIO.
import { describe } from 'vitest';
import { objectStoreContract, type ContractEndpoint } from '../../contracts/object-store.contract.js';
import { quirksFromEnvironment } from '../../contracts/object-store-quirks.js';

function fromEnvironment(env: NodeJS.ProcessEnv): ContractEndpoint | null {
  const endpoint = env['DOCKSIDE_CONTRACT_ENDPOINT'];
  if (!endpoint) return null;
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`DOCKSIDE_CONTRACT_ENDPOINT is set: set ${name} too.`);
    return value;
  };
  const sessionToken = env['DOCKSIDE_CONTRACT_SESSION_TOKEN'];
  return {
    endpoint,
    accessKeyId: need('DOCKSIDE_CONTRACT_ACCESS_KEY_ID'),
    secretAccessKey: need('DOCKSIDE_CONTRACT_SECRET_ACCESS_KEY'),
    region: need('DOCKSIDE_CONTRACT_REGION'),
    bucket: need('DOCKSIDE_CONTRACT_BUCKET'),
    ...(sessionToken ? { sessionToken } : {}),
  };
}

const given = fromEnvironment(process.env);
describe.skipIf(given === null)('an endpoint from DOCKSIDE_CONTRACT_ENDPOINT (opt-in; not set in CI)', () => {
  if (given) objectStoreContract(given.endpoint, quirksFromEnvironment(process.env['DOCKSIDE_CONTRACT_QUIRKS']), () => given);
});
