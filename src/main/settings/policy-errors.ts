/** The one way a policy is reported invalid: the place, the key, what is wrong, and who can fix it. */
import type { z } from 'zod';
import { DocksideError } from '../../shared/errors.js';

/** A POLICY_INVALID error naming where the policy was read (`place`) and what is wrong with it. */
export function policyInvalid(place: string, problem: string, cause?: unknown): DocksideError {
  return new DocksideError(
    'POLICY_INVALID',
    `The machine-wide Dockside policy in ${place} is not valid: ${problem}. ` +
      'Dockside will not upload until it is fixed: ask your IT department to correct it (`dockside config show` shows the policy).',
    cause === undefined ? {} : { cause },
  );
}

/** Zod's issues in words, each naming the key and, where it helps, the value found. */
export function describeIssues(error: z.ZodError, input: unknown): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        const names = issue.keys.map((k) => `"${path ? `${path}.` : ''}${k}"`).join(', ');
        return `${issue.keys.length === 1 ? 'unknown key' : 'unknown keys'} ${names} (a misspelt name, or a setting this version of Dockside does not have)`;
      }
      const found = valueAt(input, issue.path);
      const shown = found === undefined ? '' : ` (it is ${JSON.stringify(found)?.slice(0, 80)})`;
      return path ? `"${path}" ${issue.message}${shown}` : `${issue.message}${shown}`;
    })
    .join('; ');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const step of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[step];
  }
  return value;
}
