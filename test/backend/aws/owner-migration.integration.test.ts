// The one-off rewrite of bare (pre-namespace) owners on a DynamoDB table in moto: bare records are
// nobody's until it runs; then they are exactly the named sign-in's, and a second run changes
// nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbUploadStore, createUploadsTable } from '../../../backend/src/aws/dynamodb-upload-store.js';
import { migrateLegacyOwners } from '../../../backend/src/aws/owner-migration.js';
import { oidcOwner, staticOwner } from '../../../backend/src/domain/owner.js';
import { sampleRecord } from '../../contracts/upload-store.contract.js';
import { startMotoBackend, type MotoBackend } from './moto-backend.js';

let backend: MotoBackend;
let tables = 0;

beforeAll(async () => {
  backend = await startMotoBackend();
});

afterAll(async () => {
  await backend?.stop();
});

async function freshTable(): Promise<{ tableName: string; store: DynamoDbUploadStore }> {
  const tableName = `owners-${process.pid}-${(tables += 1)}`;
  await createUploadsTable(backend.dynamo, tableName);
  return { tableName, store: new DynamoDbUploadStore({ client: backend.dynamo, tableName }) };
}

const ISSUER = 'https://idp.example.com/realms/firm';

describe('migrateLegacyOwners', () => {
  it('rewrites bare owners into the static space, leaves namespaced ones, and is idempotent', async () => {
    const { tableName, store } = await freshTable();
    const bare = sampleRecord({ owner: 'alice' });
    const already = sampleRecord({ owner: staticOwner('bob') });
    const oidc = sampleRecord({ owner: oidcOwner(ISSUER, 'alice') });
    for (const r of [bare, already, oidc]) await store.create(r);

    // Before: the bare record belongs to no identity's owner key.
    expect((await store.listByOwner(staticOwner('alice'), { limit: 10 })).items).toEqual([]);

    const dry = await migrateLegacyOwners({ client: backend.dynamo, tableName, legacy: { method: 'static' }, dryRun: true });
    expect(dry).toEqual({ scanned: 3, rewritten: 1, alreadyNamespaced: 2, changedMeanwhile: 0 });
    expect((await store.get(bare.id))?.owner).toBe('alice');

    const changes: { id: string; from: string; to: string }[] = [];
    const run = await migrateLegacyOwners({ client: backend.dynamo, tableName, legacy: { method: 'static' }, onRewrite: (c) => changes.push(c) });
    expect(run).toEqual({ scanned: 3, rewritten: 1, alreadyNamespaced: 2, changedMeanwhile: 0 });
    expect(changes).toEqual([{ id: bare.id, from: 'alice', to: 'static:alice' }]);
    expect((await store.listByOwner(staticOwner('alice'), { limit: 10 })).items.map((r) => r.id)).toEqual([bare.id]);
    // The OIDC namesake's record stays theirs, and theirs alone.
    expect((await store.listByOwner(oidcOwner(ISSUER, 'alice'), { limit: 10 })).items.map((r) => r.id)).toEqual([oidc.id]);
    expect(await store.get(already.id)).toEqual(already);

    expect(await migrateLegacyOwners({ client: backend.dynamo, tableName, legacy: { method: 'static' } })).toMatchObject({ rewritten: 0, alreadyNamespaced: 3 });
  });

  it('rewrites bare owners into the configured issuer’s space for an OIDC deployment, across scan pages', async () => {
    const { tableName, store } = await freshTable();
    const records = Array.from({ length: 25 }, (_, i) => sampleRecord({ owner: `auth0|user${i % 5}` }));
    for (const r of records) await store.create(r);
    const run = await migrateLegacyOwners({ client: backend.dynamo, tableName, legacy: { method: 'oidc', issuer: ISSUER } });
    expect(run).toMatchObject({ scanned: 25, rewritten: 25 });
    for (const r of records) expect((await store.get(r.id))?.owner).toBe(`oidc:${ISSUER}#${r.owner}`);
  });
});
