// A small evaluator of IAM policy statements, for testing the policy documents moto does not
// enforce (bucket policies, key policies, session policies, conditions in role policies). It
// follows the IAM documentation's rules ("IAM JSON policy elements: Condition operators" and
// "Policy evaluation logic"):
//
// - an explicit Deny wins; otherwise an Allow allows; otherwise the request is implicitly denied;
// - Action/NotAction and Resource/NotResource match with `*` and `?` (actions case-insensitively);
// - within a Condition, every operator and every key must hold (AND); several values of one key
//   are OR'ed, and NOR'ed for a negated operator;
// - a key missing from the request context makes a condition false, except that a negated
//   operator (StringNotEquals, StringNotLike, ArnNotEquals, ...) is then true, `...IfExists` is
//   then true, and `Null` tests exactly that ("true": the key is absent);
// - condition key names are case-insensitive, values case-sensitive (but for ...IgnoreCase).
//
// Principals are left to the caller: pass the statements that apply to the principal at hand.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  readonly [key: string]: unknown;
}

export interface RequestContext {
  readonly action: string;
  readonly resource: string;
  /** Condition keys present in the request; anything not named is absent. */
  readonly keys?: Readonly<Record<string, string>>;
}

export type Decision = 'allow' | 'deny' | 'implicit-deny';

const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === 'string' ? [v] : v);

function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseInsensitive ? 'is' : 's');
  return re.test(value);
}

const NEGATED = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike']);

function matchOne(operator: string, policyValue: string, actual: string): boolean {
  switch (operator) {
    case 'StringEquals':
    case 'StringNotEquals':
      return policyValue === actual;
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policyValue.toLowerCase() === actual.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnEquals':
    case 'ArnLike':
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return wildcard(policyValue, actual, false);
    case 'Bool':
      return policyValue.toLowerCase() === actual.toLowerCase();
    default:
      throw new Error(`the test evaluator does not know the condition operator ${operator}`);
  }
}

function lookup(keys: Readonly<Record<string, string>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(keys)) if (k.toLowerCase() === wanted) return v;
  return undefined;
}

/** Whether every condition of a statement holds for the request context. */
export function conditionsHold(condition: Statement['Condition'], keys: Readonly<Record<string, string>>): boolean {
  for (const [rawOperator, block] of Object.entries(condition ?? {})) {
    if (rawOperator.includes(':')) throw new Error(`set operators (${rawOperator}) are not supported by the test evaluator`);
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    for (const [key, values] of Object.entries(block)) {
      const actual = lookup(keys, key);
      if (operator === 'Null') {
        const wantAbsent = list(values).some((v) => v === 'true');
        if ((actual === undefined) !== wantAbsent) return false;
        continue;
      }
      if (actual === undefined) {
        if (ifExists || NEGATED.has(operator)) continue;
        return false;
      }
      const anyMatches = list(values).some((v) => matchOne(operator, v, actual));
      if (NEGATED.has(operator) ? anyMatches : !anyMatches) return false;
    }
  }
  return true;
}

function applies(statement: Statement, request: RequestContext): boolean {
  const actionMatches = (patterns: readonly string[]) => patterns.some((p) => wildcard(p, request.action, true));
  const resourceMatches = (patterns: readonly string[]) => patterns.some((p) => wildcard(p, request.resource, false));
  if (statement.Action !== undefined && !actionMatches(list(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionMatches(list(statement.NotAction))) return false;
  if (statement.Resource !== undefined && !resourceMatches(list(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceMatches(list(statement.NotResource))) return false;
  return conditionsHold(statement.Condition, request.keys ?? {});
}

/** IAM's decision for one request against `statements` (all of which apply to its principal). */
export function evaluate(statements: readonly Statement[], request: RequestContext): Decision {
  const matching = statements.filter((s) => applies(s, request));
  if (matching.some((s) => s.Effect === 'Deny')) return 'deny';
  return matching.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

/** The Sids of the Deny statements that refuse the request (for readable failures). */
export function denyingSids(statements: readonly Statement[], request: RequestContext): string[] {
  return statements.filter((s) => s.Effect === 'Deny' && applies(s, request)).map((s) => s.Sid ?? '(no Sid)');
}
