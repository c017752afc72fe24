/**
 * The committed copy of the OpenAPI document (backend/openapi.json), for people and tools that
 * read the API without running it. A test fails when it is stale; regenerate with
 * `node --import tsx backend/src/write-openapi.ts`.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { BackendConfig } from './config.js';
import { buildServer } from './server.js';

export const OPENAPI_DOCUMENT_PATH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'openapi.json');

// The document describes the API, not a deployment: placeholders stand in for every dependency.
const placeholderConfig: Pick<BackendConfig, 'aws' | 'clientS3' | 'dock' | 'rateLimitPerMinute'> = {
  aws: { region: 'us-east-1', endpoint: null, forcePathStyle: false },
  clientS3: { endpoint: null, forcePathStyle: false },
  dock: { bucket: 'dock', kmsKeyArn: 'arn:aws:kms:us-east-1:000000000000:key/placeholder' },
  rateLimitPerMinute: 1,
};
const unused = (): never => {
  throw new Error('not used while generating the OpenAPI document');
};

/** The OpenAPI document as the server serves it at GET /v1/openapi.json. */
export async function generateOpenApiDocument(): Promise<Record<string, unknown>> {
  const app = buildServer({
    config: placeholderConfig,
    store: { create: unused, get: unused, listByOwner: unused, transition: unused, update: unused },
    vendor: { vend: unused },
    dock: { objectExists: unused, abortMultipartUploads: unused, deleteObject: unused },
    authenticator: { authenticate: unused },
    logger: pino({ level: 'silent' }),
  });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

/** The document as committed: pretty JSON with a final newline. */
export async function renderOpenApiDocument(): Promise<string> {
  return `${JSON.stringify(await generateOpenApiDocument(), null, 2)}\n`;
}

/** Writes backend/openapi.json (or `target`). */
export async function writeOpenApiDocument(target: string = OPENAPI_DOCUMENT_PATH): Promise<string> {
  await writeFile(target, await renderOpenApiDocument(), 'utf8');
  return target;
}
