/**
 * The one choke point for what IT's policy constrains. `POLICY_RULES` is the one table: every
 * policy key, the setting it constrains, and how (a lock: only IT's value; a ceiling: at most
 * IT's number). Every write path asks `checkPolicy` before it changes anything, whatever carried
 * it (the CLI, the window's IPC, the browser harness):
 *
 * - settings: `settings:set` and `dockside config set` (applyUserPatch);
 * - sign-in: `auth:signIn` and `dockside login` write the backend uploads go to (`backendUrl`);
 * - per-upload options: `--concurrency`, `--transfers`, `--limit-rate`, `--verify-file`, `--bucket`
 *   (an upload straight to S3 writes `allowStandaloneUploads: true` for that run);
 * - starting a journaled transfer: its backend (or none) is a write of the same two keys.
 *
 * The carrier only words the refusal for its user (a flag, a settings screen); the decision is
 * made here, once. A refused write throws `PolicyLockedError` (code POLICY_LOCKED) before the
 * caller has changed anything.
 */
import { DocksideError } from '../../shared/errors.js';
import type { SettingKey, SettingValues } from './effective-settings.js';
import type { PolicyKey } from './policy-schema.js';
import type { LoadedPolicy } from './policy-sources.js';

/** A lock: the setting of the same name takes IT's value and no other. */
interface LockRule {
  readonly kind: 'lock';
  readonly setting: SettingKey;
}

/** A ceiling: the numeric setting may be lower than IT's number, never higher (null, no limit, is above every ceiling). */
interface CeilingRule {
  readonly kind: 'ceiling';
  readonly setting: 'concurrency' | 'bandwidthLimit' | 'maxActiveTransfers';
  /** What the number counts, for people: "8 parts in flight per file". */
  readonly unit: string;
}

export type PolicyRule = LockRule | CeilingRule;

/** Every policy key and what it constrains; `satisfies` makes a new key in the schema fail to compile until it is placed here. */
export const POLICY_RULES = {
  backendUrl: { kind: 'lock', setting: 'backendUrl' },
  maxConcurrency: { kind: 'ceiling', setting: 'concurrency', unit: 'parts in flight per file' },
  maxBandwidth: { kind: 'ceiling', setting: 'bandwidthLimit', unit: 'bytes per second of upload bandwidth' },
  maxActiveTransfers: { kind: 'ceiling', setting: 'maxActiveTransfers', unit: 'files uploading at once' },
  proxy: { kind: 'lock', setting: 'proxy' },
  caCertificates: { kind: 'lock', setting: 'caCertificates' },
  allowStandaloneUploads: { kind: 'lock', setting: 'allowStandaloneUploads' },
  logRetentionDays: { kind: 'lock', setting: 'logRetentionDays' },
  updates: { kind: 'lock', setting: 'updates' },
  verifyFile: { kind: 'lock', setting: 'verifyFile' },
} as const satisfies Record<PolicyKey, PolicyRule>;

export const POLICY_RULE_KEYS = Object.keys(POLICY_RULES) as PolicyKey[];

/** The policy key that constrains `setting`, if any. */
export function ruleFor(setting: SettingKey): { readonly policyKey: PolicyKey; readonly rule: PolicyRule } | null {
  for (const policyKey of POLICY_RULE_KEYS) {
    const rule: PolicyRule = POLICY_RULES[policyKey];
    if (rule.setting === setting) return { policyKey, rule };
  }
  return null;
}

/** One write the policy does not allow, with what a carrier needs to word it. */
export type PolicyRefusal =
  | { readonly kind: 'lock'; readonly setting: SettingKey; readonly policyKey: PolicyKey; readonly origin: string; readonly required: unknown; readonly value: unknown }
  | { readonly kind: 'ceiling'; readonly setting: SettingKey; readonly policyKey: PolicyKey; readonly origin: string; readonly max: number; readonly unit: string; readonly value: number | null };

/** A write of settings IT's policy does not allow; nothing was changed. */
export class PolicyLockedError extends DocksideError {
  override readonly name = 'PolicyLockedError';
  constructor(
    message: string,
    readonly refusals: readonly PolicyRefusal[],
  ) {
    super('POLICY_LOCKED', message);
  }
}

/** What a write path is about to set, setting by setting (for this run, or to keep). */
export type SettingWrites = { readonly [K in SettingKey]?: SettingValues[K] };

/** The refusals `writes` meet under `policy` (empty: every write is allowed). Pure. */
export function policyRefusals(policy: LoadedPolicy, writes: SettingWrites): PolicyRefusal[] {
  const refusals: PolicyRefusal[] = [];
  for (const [setting, value] of Object.entries(writes) as [SettingKey, unknown][]) {
    if (value === undefined) continue;
    const found = ruleFor(setting);
    if (!found) continue;
    const { policyKey, rule } = found;
    const set = policy.values[policyKey];
    if (set === undefined) continue;
    const origin = policy.origin[policyKey] ?? 'policy';
    if (rule.kind === 'lock') {
      if (!sameValue(setting, set, value)) refusals.push({ kind: 'lock', setting, policyKey, origin, required: set, value });
    } else if (value === null || (value as number) > (set as number)) {
      refusals.push({ kind: 'ceiling', setting, policyKey, origin, max: set as number, unit: rule.unit, value: value as number | null });
    }
  }
  return refusals;
}

/**
 * The choke point: throws PolicyLockedError when `policy` refuses any of `writes`, worded by the
 * carrier (`say`), else returns. Callers change nothing before it returns.
 */
export function checkPolicy(policy: LoadedPolicy, writes: SettingWrites, say: (refusals: readonly PolicyRefusal[]) => string = settingsRefusal): void {
  const refusals = policyRefusals(policy, writes);
  if (refusals.length > 0) throw new PolicyLockedError(say(refusals), refusals);
}

/** Whether `setting` is locked by `policy` (IT's value is the only one; a user's is not stored). */
export function lockedByPolicy(policy: LoadedPolicy, setting: SettingKey): boolean {
  const found = ruleFor(setting);
  return found?.rule.kind === 'lock' && policy.values[found.policyKey] !== undefined;
}

/** A refusal of a settings change (the settings screen, `config set`). */
export function settingsRefusal(refusals: readonly PolicyRefusal[]): string {
  const parts = refusals.map((refusal) =>
    refusal.kind === 'lock'
      ? `${refusal.setting} is set by your IT department (${refusal.origin}) and cannot be changed here`
      : `${refusal.setting} cannot be ${refusal.value === null ? 'no limit' : String(refusal.value)}: your IT department allows at most ${refusal.max} ${refusal.unit} (${refusal.origin})`,
  );
  return `Settings not changed: ${parts.join('; ')}.`;
}

/** The writes a sign-in makes: the backend every upload then goes to. */
export function signInWrites(backendUrl: string): SettingWrites {
  return { backendUrl };
}

/** A refusal of a sign-in to another backend than IT's. */
export function signInRefusal(refusals: readonly PolicyRefusal[]): string {
  const lock = refusals.find((refusal) => refusal.kind === 'lock' && refusal.setting === 'backendUrl');
  if (lock?.kind !== 'lock') return settingsRefusal(refusals);
  return `Not signed in: your IT department set the Dockside backend to ${String(lock.required)} (policy in ${lock.origin}); sign in to that one.`;
}

/** The writes that starting (or adding) a transfer to `backendUrl` makes; null: straight to S3 with the user's own credentials. */
export function uploadWrites(backendUrl: string | null): SettingWrites {
  return backendUrl === null ? { allowStandaloneUploads: true } : { backendUrl };
}

/** Backend URLs compare without a trailing slash and with URL normalisation (case of the host, default port). */
function sameValue(setting: SettingKey, a: unknown, b: unknown): boolean {
  if (setting === 'backendUrl' && typeof a === 'string' && typeof b === 'string') return normaliseBackendUrl(a) === normaliseBackendUrl(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function normaliseBackendUrl(value: string): string {
  try {
    return new URL(value).href.replace(/\/+$/, '');
  } catch {
    return value;
  }
}
