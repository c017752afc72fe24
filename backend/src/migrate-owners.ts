/**
 * Rewrites upload records with a bare (pre-namespace) owner, once, in the backend's own
 * environment (the same DOCKSIDE_* variables; see aws/owner-migration.ts for why the operator
 * must say which sign-in wrote them):
 *
 *   npm run migrate-owners -- --legacy static [--dry-run]   # they were static-token users
 *   npm run migrate-owners -- --legacy oidc [--dry-run]     # they were DOCKSIDE_OIDC_ISSUER's subjects
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from './aws/aws-client-config.js';
import { migrateLegacyOwners, type LegacyOwners } from './aws/owner-migration.js';
import { loadConfigOrExit } from './config.js';

const USAGE = 'usage: npm run migrate-owners -- --legacy static|oidc [--dry-run]';

function fail(message: string): never {
  process.stderr.write(`migrate-owners: ${message}\n${USAGE}\n`);
  process.exit(64); // EX_USAGE
}

const { values } = parseArgs({ options: { legacy: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } }, strict: true });
const config = loadConfigOrExit('migrate-owners');
let legacy: LegacyOwners;
if (values.legacy === 'static') legacy = { method: 'static' };
else if (values.legacy === 'oidc') {
  if (config.auth.oidc === null) fail('--legacy oidc needs DOCKSIDE_OIDC_ISSUER (the issuer whose subjects the records hold)');
  legacy = { method: 'oidc', issuer: config.auth.oidc.issuer };
} else fail('say which sign-in wrote the bare owners with --legacy static or --legacy oidc');

const client = new DynamoDBClient(awsClientConfig(config.aws));
try {
  const dryRun = values['dry-run'];
  const summary = await migrateLegacyOwners({
    client,
    tableName: config.uploadsTable,
    legacy,
    dryRun,
    onRewrite: ({ id, from, to }) => process.stdout.write(`${dryRun ? 'would rewrite' : 'rewrote'} ${id}: ${JSON.stringify(from)} -> ${JSON.stringify(to)}\n`),
  });
  process.stdout.write(`${JSON.stringify({ table: config.uploadsTable, dryRun, ...summary })}\n`);
} finally {
  client.destroy();
}
