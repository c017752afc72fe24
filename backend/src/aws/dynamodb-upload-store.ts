/**
 * The UploadStore on DynamoDB, the state every backend instance and job shares. Every change is a
 * conditional write, so two instances (or a job and a duplicate SQS delivery) cannot both win.
 *
 * Table layout (the CloudFormation template declares exactly this): partition key `id` (S);
 * global secondary index `byOwner` (HASH `owner` S, RANGE `createdAt` N, projection ALL) for a
 * user's uploads newest first; billing PAY_PER_REQUEST.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { UploadStatus } from '../../../src/shared/backend-api.js';
import type { UploadPage, UploadPatch, UploadRecord, UploadStore } from '../domain/upload-store.js';
import { UploadStoreError } from '../domain/upload-store-error.js';

export const UPLOADS_OWNER_INDEX = 'byOwner';

export interface DynamoDbUploadStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Epoch ms for `updatedAt`; injected by tests. */
  readonly now?: () => number;
}

type Item = Record<string, unknown>;

// Attributes a patch may set, in the order they are written.
const PATCH_FIELDS = ['permanent', 'failureReason', 'notifiedAt'] as const;

export class DynamoDbUploadStore implements UploadStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly now: () => number;

  constructor(options: DynamoDbUploadStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.table = options.tableName;
    this.now = options.now ?? Date.now;
  }

  async create(record: UploadRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.table, Item: toItem(record), ConditionExpression: 'attribute_not_exists(#id)', ExpressionAttributeNames: { '#id': 'id' } }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new UploadStoreError('ALREADY_EXISTS', `upload ${record.id} already exists`, { cause: error });
      }
      throw error;
    }
  }

  async get(id: string): Promise<UploadRecord | null> {
    // Strongly consistent: a GET right after a transition on another instance must see it.
    const answer = await this.doc.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    return answer.Item ? fromItem(answer.Item) : null;
  }

  async listByOwner(owner: string, options: { limit: number; cursor?: string }): Promise<UploadPage> {
    const answer = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: UPLOADS_OWNER_INDEX,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: options.cursor === undefined ? undefined : decodeCursor(options.cursor, owner),
      }),
    );
    const items = (answer.Items ?? []).map(fromItem);
    const last = answer.LastEvaluatedKey;
    return { items, nextCursor: last && items.length > 0 ? encodeCursor(last) : null };
  }

  transition(id: string, from: readonly UploadStatus[], to: UploadStatus, patch: UploadPatch = {}): Promise<UploadRecord | null> {
    return this.conditionalUpdate(id, from, patch, to);
  }

  update(id: string, when: readonly UploadStatus[], patch: UploadPatch): Promise<UploadRecord | null> {
    return this.conditionalUpdate(id, when, patch, null);
  }

  private async conditionalUpdate(id: string, when: readonly UploadStatus[], patch: UploadPatch, to: UploadStatus | null): Promise<UploadRecord | null> {
    if (when.length === 0) return null;
    const names: Record<string, string> = { '#id': 'id', '#status': 'status', '#updatedAt': 'updatedAt' };
    const values: Record<string, unknown> = { ':now': this.now() };
    const sets = ['#updatedAt = :now'];
    if (to !== null) {
      sets.push('#status = :to');
      values[':to'] = to;
    }
    for (const field of PATCH_FIELDS) {
      if (!(field in patch)) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = patch[field] ?? null;
      sets.push(`#${field} = :${field}`);
    }
    const allowed = when.map((status, i) => {
      values[`:from${i}`] = status;
      return `:from${i}`;
    });
    try {
      const answer = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: `attribute_exists(#id) AND #status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return answer.Attributes ? fromItem(answer.Attributes) : null;
    } catch (error) {
      // Missing, or someone else moved it first: the caller re-reads and decides.
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }
}

function toItem(record: UploadRecord): Item {
  return {
    id: record.id,
    owner: record.owner,
    fileName: record.fileName,
    size: record.size,
    contentType: record.contentType,
    checksum: { algorithm: record.checksum.algorithm, type: record.checksum.type },
    dockBucket: record.dockBucket,
    dockKey: record.dockKey,
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    permanent: record.permanent,
    failureReason: record.failureReason,
    notifiedAt: record.notifiedAt,
  };
}

const str = (v: unknown): string => (typeof v === 'string' ? v : String(v));
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : str(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

function fromItem(item: Item): UploadRecord {
  const checksum = item.checksum as { algorithm: 'CRC32'; type: 'FULL_OBJECT' | 'COMPOSITE' };
  const permanent = item.permanent as UploadRecord['permanent'] | undefined;
  return {
    id: str(item.id),
    owner: str(item.owner),
    fileName: str(item.fileName),
    size: num(item.size),
    contentType: strOrNull(item.contentType),
    checksum: { algorithm: checksum.algorithm, type: checksum.type },
    dockBucket: str(item.dockBucket),
    dockKey: str(item.dockKey),
    status: str(item.status) as UploadStatus,
    createdAt: num(item.createdAt),
    updatedAt: num(item.updatedAt),
    permanent: permanent ?? null,
    failureReason: strOrNull(item.failureReason),
    notifiedAt: numOrNull(item.notifiedAt),
  };
}

// The cursor is DynamoDB's LastEvaluatedKey for the index (id, owner, createdAt) as base64url
// JSON. It only positions a query that is still restricted to the caller's own partition, but
// one naming another owner is refused all the same, as is anything that does not decode.
function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify({ id: key.id, owner: key.owner, createdAt: key.createdAt }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, owner: string): Item {
  const invalid = (cause?: unknown): UploadStoreError =>
    new UploadStoreError('INVALID_CURSOR', 'The cursor is not one this service handed out for your uploads.', { cause });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { id, owner: cursorOwner, createdAt } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || cursorOwner !== owner || typeof createdAt !== 'number' || !Number.isFinite(createdAt)) {
    throw invalid();
  }
  return { id, owner, createdAt };
}

/** Creates the uploads table with the layout above and waits until it is active (tests, local stack). */
export async function createUploadsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        { AttributeName: 'owner', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: UPLOADS_OWNER_INDEX,
          KeySchema: [
            { AttributeName: 'owner', KeyType: 'HASH' },
            { AttributeName: 'createdAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
}
