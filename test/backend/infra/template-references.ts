// Reading CloudFormation templates in tests: every logical id a value refers to (Ref, GetAtt,
// ${...} in Sub), so a test can check each one resolves and that the resources form no cycle.
import { expect } from 'vitest';
import type { Json, StackTemplate } from '../../../backend/src/domain/stack-template.js';

export const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::Region', 'AWS::Partition', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NoValue']);

export interface Reference {
  readonly name: string;
  readonly attribute?: string;
}

/** Every logical id `value` refers to (Ref, GetAtt, ${...} in Sub), with the kind of reference. */
export function references(value: Json, out: Reference[] = []): Reference[] {
  if (Array.isArray(value)) value.forEach((v) => references(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref') out.push({ name: String(v) });
      else if (k === 'Fn::GetAtt') {
        const [name, ...attribute] = Array.isArray(v) ? v.map(String) : String(v).split('.');
        out.push({ name: name!, attribute: attribute.join('.') });
      } else if (k === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        const local = Array.isArray(v) && v[1] && typeof v[1] === 'object' ? Object.keys(v[1]) : [];
        for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const ref = m[1]!;
          if (local.includes(ref)) continue;
          const [name, ...attribute] = ref.startsWith('AWS::') ? [ref] : ref.split('.');
          out.push(attribute.length > 0 ? { name: name!, attribute: attribute.join('.') } : { name: name! });
        }
        if (Array.isArray(v)) references(v[1] ?? null, out);
      } else references(v, out);
    }
  }
  return out;
}

/**
 * Checks (with vitest's `expect`) that every Ref names a parameter, pseudo parameter or resource, every
 * GetAtt an attribute `allowed` lists for the target's type, every DependsOn a resource, and that
 * the resources' references have no cycle.
 */
export function checkReferences(template: StackTemplate, allowed: Readonly<Record<string, readonly string[]>>): void {
  const resources = template.Resources;
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const edges = new Map<string, Set<string>>();
  const check = (where: string, value: Json): void => {
    for (const r of references(value)) {
      if (r.attribute === undefined) {
        expect(PSEUDO_PARAMETERS.has(r.name) || parameters.has(r.name) || r.name in resources, `${where}: Ref ${r.name}`).toBe(true);
      } else {
        const target = resources[r.name];
        expect(target, `${where}: GetAtt ${r.name}.${r.attribute}`).toBeDefined();
        expect(allowed[target!.Type] ?? [], `${where}: ${target!.Type} has no attribute ${r.attribute}`).toContain(r.attribute);
      }
      if (where in resources && r.name in resources) edges.get(where)!.add(r.name);
    }
  };
  const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
  for (const [id, r] of Object.entries(resources)) {
    edges.set(id, new Set(list(r.DependsOn as Json).map(String)));
    for (const d of edges.get(id)!) expect(d in resources, `${id}: DependsOn ${d}`).toBe(true);
    check(id, (r.Properties ?? {}) as Json);
  }
  for (const [name, o] of Object.entries(template.Outputs ?? {})) check(`Outputs.${name}`, o.Value);

  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    expect(state.get(id), `cycle: ${[...path, id].join(' -> ')}`).not.toBe('visiting');
    state.set(id, 'visiting');
    for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const id of edges.keys()) visit(id, []);
}
