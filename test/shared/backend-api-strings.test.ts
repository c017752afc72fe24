// Every string of the backend's wire contract refuses a lone surrogate: the schemas of
// src/shared/backend-api.ts (requests and responses) and the "file available" message are walked,
// and each string schema found, however deep (objects, arrays, optional, nullable, defaults,
// pipes), is fed strings holding one. A bare z.string() added later fails this test.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fileAvailableMessageSchema } from '../../backend/src/domain/file-available.js';
import * as api from '../../src/shared/backend-api.js';
import { findIllFormedString, isWellFormed, toWellFormed } from '../../src/shared/well-formed.js';

type AnySchema = z.ZodType & { _zod: { def: Record<string, unknown> & { type: string } } };

/** Every string schema inside `schema`, with where it is. */
function stringSchemas(schema: AnySchema, path: string, out: [string, AnySchema][] = []): [string, AnySchema][] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      out.push([path, schema]);
      break;
    case 'object':
      for (const [key, child] of Object.entries(def['shape'] as Record<string, AnySchema>)) stringSchemas(child, `${path}.${key}`, out);
      break;
    case 'array':
      stringSchemas(def['element'] as AnySchema, `${path}[]`, out);
      break;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      stringSchemas(def['innerType'] as AnySchema, path, out);
      break;
    case 'pipe':
      stringSchemas(def['in'] as AnySchema, path, out);
      stringSchemas(def['out'] as AnySchema, path, out);
      break;
    case 'union':
      for (const option of def['options'] as AnySchema[]) stringSchemas(option, path, out);
      break;
    case 'number':
    case 'boolean':
    case 'enum':
    case 'literal':
      break;
    default:
      throw new Error(`${path}: the walker does not know zod type ${def.type}; teach it`);
  }
  return out;
}

const exported = Object.entries(api as Record<string, unknown>).filter((entry): entry is [string, AnySchema] => entry[1] instanceof z.ZodType);
const schemas: [string, AnySchema][] = [...exported, ['fileAvailableMessageSchema', fileAvailableMessageSchema as unknown as AnySchema]];
const strings = schemas.flatMap(([name, schema]) => stringSchemas(schema, name));

describe('wire strings', () => {
  it('finds the schemas and their strings', () => {
    expect(exported.map(([name]) => name)).toEqual(expect.arrayContaining(['createUploadRequestSchema', 'uploadViewSchema', 'listUploadsQuerySchema', 'apiErrorSchema', 'uploadIdSchema']));
    expect(strings.map(([path]) => path)).toEqual(expect.arrayContaining(['createUploadRequestSchema.fileName', 'listUploadsQuerySchema.cursor', 'uploadViewSchema.fileName', 'fileAvailableMessageSchema.owner']));
  });

  it.each(strings.map(([path, schema]) => [path, schema] as const))('%s refuses a lone surrogate', (_path, schema) => {
    for (const s of ['\uD800', 'Film\uDC00.mov', 'a\uD83D', '\uDE00b', `${'x'.repeat(20)}\uDBFF`]) {
      expect(schema.safeParse(s).success, JSON.stringify(s)).toBe(false);
    }
  });

  it('still accepts any well-formed text where free text is allowed, astral characters included', () => {
    const body = { fileName: 'Zoë 報告 😀 𝄞.mov', size: 1, checksum: { algorithm: 'CRC32', type: 'FULL_OBJECT' } };
    expect(api.createUploadRequestSchema.safeParse(body).success).toBe(true);
    const issues = api.createUploadRequestSchema.safeParse({ ...body, fileName: 'Zoë\uD800.mov' }).error?.issues ?? [];
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([['fileName', 'must be well-formed Unicode (no lone surrogate, U+D800–U+DFFF)']]);
  });
});

describe('well-formed helpers', () => {
  it('tell lone surrogates from pairs, replace them with U+FFFD, and find them in keys and values', () => {
    expect(isWellFormed('😀')).toBe(true);
    expect(isWellFormed('\uDE00\uD83D')).toBe(false);
    expect(toWellFormed('a\uD800b😀')).toBe('a\uFFFDb😀');
    expect(findIllFormedString({ a: [1, 'ok', { b: 'x\uD800' }] })).toBe('a[2].b');
    expect(findIllFormedString({ ['k\uDC00']: 1 })).toBe('k\uFFFD');
    expect(findIllFormedString('\uD800')).toBe('(the value)');
    expect(findIllFormedString({ a: ['😀'], b: null, c: 3 })).toBeNull();
  });
});
