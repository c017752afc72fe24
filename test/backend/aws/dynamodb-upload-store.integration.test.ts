// The DynamoDB UploadStore against moto_server: the shared contract, plus the table layout the
// CloudFormation template must match.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbUploadStore, UPLOADS_OWNER_INDEX } from '../../../backend/src/aws/dynamodb-upload-store.js';
import { uploadStoreContract } from '../../contracts/upload-store.contract.js';
import { startMotoBackend, type MotoBackend } from './moto-backend.js';

let backend: MotoBackend;

beforeAll(async () => {
  backend = await startMotoBackend();
});

afterAll(async () => {
  await backend?.stop();
});

uploadStoreContract('DynamoDbUploadStore on moto', () => new DynamoDbUploadStore({ client: backend.dynamo, tableName: backend.tableName }), {
  emulatorRacesConditionalWrites: true,
});

describe('createUploadsTable', () => {
  it('makes the layout the template declares: id (S) key, byOwner index on owner (S) + createdAt (N), projection ALL, on demand', async () => {
    const { Table } = await backend.dynamo.send(new DescribeTableCommand({ TableName: backend.tableName }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const index = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === UPLOADS_OWNER_INDEX);
    expect(index?.KeySchema).toEqual([
      { AttributeName: 'owner', KeyType: 'HASH' },
      { AttributeName: 'createdAt', KeyType: 'RANGE' },
    ]);
    expect(index?.Projection?.ProjectionType).toBe('ALL');
    const types = Object.fromEntries((Table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    expect(types).toEqual({ id: 'S', owner: 'S', createdAt: 'N' });
  });
});
