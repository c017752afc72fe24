/**
 * Writes the policy artefacts IT deploys (JSON Schema, ADMX/ADML, macOS profile, Linux example)
 * under policy/, from the one policy schema. Run `npm run policy-templates` after changing
 * src/main/settings/policy-schema.ts and commit the result; a test fails while they are stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyTemplates } from '../src/main/settings/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'policy');
for (const [path, text] of Object.entries(policyTemplates())) {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  process.stdout.write(`wrote policy/${path}\n`);
}
