// Regenerates backend/openapi.json: node --import tsx backend/src/write-openapi.ts
import { writeOpenApiDocument } from './openapi-document.js';

const target = await writeOpenApiDocument();
process.stdout.write(`wrote ${target}\n`);
