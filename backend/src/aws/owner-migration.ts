/**
 * One-off rewrite of upload records written before owner keys were namespaced (domain/owner.ts):
 * a bare `owner` (`alice`, `auth0|123`) becomes `static:alice` or `oidc:<issuer>#auth0|123`.
 *
 * The records cannot say which sign-in wrote them (that was the flaw: a static user and an OIDC
 * subject with the same name shared uploads), so the operator says it, for the whole table:
 * `static` for a deployment that only ever had static tokens, `oidc` for one that only ever had
 * the configured identity provider. A deployment that had both must decide per user, by hand.
 * Until then a bare record is nobody's: no identity maps to a bare string, so no one can read,
 * refresh or abort it (its object still promotes; promotion does not look at the owner).
 *
 * Each rewrite is conditioned on the owner being unchanged, so running it twice, or while the
 * backend serves, is safe. A bare owner that already looks namespaced (a static user literally
 * named `static:x`, an OIDC subject `oidc:…#…`) cannot be told apart and is left as it is.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { oidcOwner, parseOwner, staticOwner } from '../domain/owner.js';

export type LegacyOwners = { readonly method: 'static' } | { readonly method: 'oidc'; readonly issuer: string };

export interface OwnerMigrationOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Which sign-in wrote the bare owners. */
  readonly legacy: LegacyOwners;
  /** Count and report only; write nothing. */
  readonly dryRun?: boolean;
  /** One line per record rewritten (or that would be). */
  readonly onRewrite?: (change: { id: string; from: string; to: string }) => void;
}

export interface OwnerMigrationSummary {
  readonly scanned: number;
  /** Bare owners rewritten (in a dry run: that would be). */
  readonly rewritten: number;
  readonly alreadyNamespaced: number;
  /** Records whose owner changed between the scan and the write (left as they are). */
  readonly changedMeanwhile: number;
}

/** The namespaced key for a bare owner. */
export function namespacedOwner(bare: string, legacy: LegacyOwners): string {
  return legacy.method === 'static' ? staticOwner(bare) : oidcOwner(legacy.issuer, bare);
}

export async function migrateLegacyOwners(options: OwnerMigrationOptions): Promise<OwnerMigrationSummary> {
  const doc = DynamoDBDocumentClient.from(options.client);
  let scanned = 0;
  let rewritten = 0;
  let alreadyNamespaced = 0;
  let changedMeanwhile = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: options.tableName,
        ProjectionExpression: '#id, #owner',
        ExpressionAttributeNames: { '#id': 'id', '#owner': 'owner' },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      scanned += 1;
      const id = item['id'];
      const owner = item['owner'];
      if (typeof id !== 'string' || typeof owner !== 'string') continue;
      if (parseOwner(owner) !== null) {
        alreadyNamespaced += 1;
        continue;
      }
      const to = namespacedOwner(owner, options.legacy);
      if (options.dryRun !== true) {
        try {
          await doc.send(
            new UpdateCommand({
              TableName: options.tableName,
              Key: { id },
              UpdateExpression: 'SET #owner = :to',
              ConditionExpression: '#owner = :from',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':to': to, ':from': owner },
            }),
          );
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException') {
            changedMeanwhile += 1;
            continue;
          }
          throw error;
        }
      }
      rewritten += 1;
      options.onRewrite?.({ id, from: owner, to });
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return { scanned, rewritten, alreadyNamespaced, changedMeanwhile };
}
