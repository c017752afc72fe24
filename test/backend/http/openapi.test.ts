// backend/openapi.json is generated from the zod schemas; this fails when it is stale.
// Regenerate with: node --import tsx backend/src/write-openapi.ts
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENT_PATH, renderOpenApiDocument } from '../../../backend/src/openapi-document.js';
import { startHarness } from './server-harness.js';

describe('the OpenAPI document', () => {
  it('committed in backend/openapi.json is current (regenerate: node --import tsx backend/src/write-openapi.ts)', async () => {
    const committed = await readFile(OPENAPI_DOCUMENT_PATH, 'utf8');
    expect(committed).toBe(await renderOpenApiDocument());
  });

  it('is what GET /v1/openapi.json serves, and describes every route with bearer auth', async () => {
    const h = await startHarness();
    try {
      const served = (await h.app.inject({ url: '/v1/openapi.json' })).json() as {
        openapi: string;
        paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, unknown> };
      };
      expect(served).toEqual(JSON.parse(await readFile(OPENAPI_DOCUMENT_PATH, 'utf8')));
      expect(served.openapi).toBe('3.1.0');
      expect(Object.keys(served.paths).sort()).toEqual(['/healthz', '/readyz', '/v1/uploads', '/v1/uploads/{id}', '/v1/uploads/{id}/credentials']);
      expect(Object.keys(served.paths['/v1/uploads']!).sort()).toEqual(['get', 'post']);
      expect(Object.keys(served.paths['/v1/uploads/{id}']!).sort()).toEqual(['delete', 'get']);
      for (const [path, operations] of Object.entries(served.paths)) {
        for (const operation of Object.values(operations)) {
          expect(operation.security).toEqual(path.startsWith('/v1/') ? [{ bearerAuth: [] }] : []);
          if (path.startsWith('/v1/')) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '401', '429', '500', '503']));
        }
      }
      expect(Object.keys(served.components.schemas)).toEqual(
        expect.arrayContaining(['CreateUploadRequestInput', 'CreateUploadResponse', 'CredentialsResponse', 'UploadView', 'ListUploadsResponse', 'ApiError']),
      );
    } finally {
      await h.app.close();
    }
  });
});
