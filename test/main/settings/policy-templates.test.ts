import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { POLICY_KEYS, POLICY_TEMPLATE_FILES, policySchema, policyTemplates } from '../../../src/main/settings/index.js';

const POLICY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../policy');
const committed = (path: string) => readFileSync(join(POLICY_DIR, path), 'utf8');

describe('generated policy templates', () => {
  it('are committed and up to date (run `npm run policy-templates` after changing the policy schema)', () => {
    const generated = policyTemplates();
    for (const path of POLICY_TEMPLATE_FILES) expect(committed(path), `policy/${path} is stale`).toBe(generated[path]);
  });

  it('the Linux example validates against the JSON Schema and the zod schema', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(committed('dockside-policy.schema.json')) as object);
    const example: unknown = JSON.parse(committed('linux/policy.example.json'));
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect(policySchema.parse(example)).toEqual(example);
    expect(Object.keys(example as object).sort()).toEqual([...POLICY_KEYS].sort());
    // And the JSON Schema fails closed like the loader: unknown keys and bad values are refused.
    expect(validate({ ...(example as object), colour: 'blue' })).toBe(false);
    expect(validate({ maxConcurrency: 64 })).toBe(false);
    expect(validate({ backendUrl: 'http://dockside.example.com' })).toBe(false);
  });

  it('the XML files are well-formed', () => {
    for (const path of ['windows/Dockside.admx', 'windows/en-US/Dockside.adml', 'macos/com.dockside.desktop.mobileconfig']) {
      const result = XMLValidator.validate(committed(path));
      expect(result, `policy/${path}: ${JSON.stringify(result)}`).toBe(true);
    }
  });

  it('every schema key is a policy in the ADMX and a key in the profile', () => {
    const admx = committed('windows/Dockside.admx');
    const profile = committed('macos/com.dockside.desktop.mobileconfig');
    for (const key of POLICY_KEYS) {
      expect(admx).toContain(`<policy name="${key}"`);
      expect(admx).toMatch(new RegExp(`valueName="${key}"`));
      expect(profile).toContain(`<key>${key}</key>`);
    }
    expect(profile).toContain('<string>com.dockside.desktop</string>');
  });

  it('every string and presentation the ADMX refers to is in the ADML, and presentations match the elements', () => {
    const admx = committed('windows/Dockside.admx');
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['string', 'presentation', 'policy'].includes(name) });
    const adml = parser.parse(committed('windows/en-US/Dockside.adml')) as {
      policyDefinitionResources: { resources: { stringTable: { string: { id: string }[] }; presentationTable: { presentation: Record<string, unknown>[] } } };
    };
    const strings = new Set(adml.policyDefinitionResources.resources.stringTable.string.map((s) => s.id));
    const presentations = new Map(adml.policyDefinitionResources.resources.presentationTable.presentation.map((p) => [p.id as string, JSON.stringify(p)]));
    for (const [, id] of admx.matchAll(/\$\(string\.([^)]+)\)/g)) expect(strings.has(id!), `string ${id}`).toBe(true);
    for (const [, id] of admx.matchAll(/\$\(presentation\.([^)]+)\)/g)) expect(presentations.has(id!), `presentation ${id}`).toBe(true);
    const policies = (parser.parse(admx) as { policyDefinitions: { policies: { policy: { name: string; elements?: Record<string, unknown> }[] } } }).policyDefinitions.policies.policy;
    expect(policies.map((p) => p.name).sort()).toEqual([...POLICY_KEYS].sort());
    for (const policy of policies) {
      if (!policy.elements) continue;
      const ids = Object.values(policy.elements)
        .flatMap((e) => (Array.isArray(e) ? e : [e]))
        .map((e) => (e as { id: string }).id);
      for (const id of ids) expect(presentations.get(policy.name), `${policy.name}: refId ${id}`).toContain(`"refId":"${id}"`);
    }
  });
});
