/**
 * Effective settings: policy, then the user's own settings, then defaults, key by key. Pure:
 * the CLI and the desktop app both call these with what they loaded.
 *
 * Which policy key locks or caps which setting is the one table in policy-gate.ts (POLICY_RULES):
 * most lock the setting of the same name; maxConcurrency, maxBandwidth and maxActiveTransfers are
 * ceilings. Setting a value above a ceiling is refused (by the gate); a value stored before the
 * ceiling was lowered is clamped, and then shows the policy as its source.
 */
import { z } from 'zod';
import { DocksideError } from '../../shared/errors.js';
import type { Settings, SettingsPatch } from '../../shared/ipc-contract.js';
import { describeIssues } from './policy-errors.js';
import { checkPolicy, lockedByPolicy, policyRefusals, ruleFor, type SettingWrites } from './policy-gate.js';
import { backendUrlSchema, caCertificatesSchema, proxySchema, UPDATE_MODES, wholeNumber, type ProxySetting, type UpdateMode } from './policy-schema.js';
import type { LoadedPolicy } from './policy-sources.js';

/** What a user may set (every key optional; absent means the default). */
export const userSettingsSchema = z.strictObject({
  backendUrl: backendUrlSchema.nullable().optional(),
  concurrency: wholeNumber(1, 32).optional(),
  maxActiveTransfers: wholeNumber(1, 8).optional(),
  /** Bytes per second; null for no limit. */
  bandwidthLimit: wholeNumber(1).nullable().optional(),
  notifications: z.boolean({ error: 'must be true or false' }).optional(),
  startAtLogin: z.boolean({ error: 'must be true or false' }).optional(),
  proxy: proxySchema.optional(),
  caCertificates: caCertificatesSchema.optional(),
  logRetentionDays: wholeNumber(1, 3650).optional(),
  updates: z.enum(UPDATE_MODES, { error: 'must be one of "auto", "notify" or "off"' }).optional(),
  verifyFile: z.boolean({ error: 'must be true or false' }).optional(),
});
export type UserSettings = z.infer<typeof userSettingsSchema>;
/** A change to the user's settings; the same shape (a key left out is left alone). */
export type UserSettingsPatch = UserSettings;

/** Every effective setting's value type. */
export interface SettingValues {
  backendUrl: string | null;
  concurrency: number;
  maxActiveTransfers: number;
  bandwidthLimit: number | null;
  notifications: boolean;
  startAtLogin: boolean;
  proxy: ProxySetting;
  caCertificates: readonly string[];
  /** Only the policy sets it: may uploads bypass the backend (the user's own AWS credentials)? */
  allowStandaloneUploads: boolean;
  logRetentionDays: number;
  updates: UpdateMode;
  /** Read each file again in full after its parts are sent, and complete only if it still matches (as --verify-file). */
  verifyFile: boolean;
}
export type SettingKey = keyof SettingValues;

export const DEFAULT_SETTINGS: Readonly<SettingValues> = Object.freeze({
  backendUrl: null,
  concurrency: 4,
  maxActiveTransfers: 2,
  bandwidthLimit: null,
  notifications: true,
  startAtLogin: false,
  proxy: 'system',
  caCertificates: [],
  allowStandaloneUploads: true,
  logRetentionDays: 90,
  updates: 'auto',
  verifyFile: false,
});

export const SETTING_KEYS = Object.keys(DEFAULT_SETTINGS) as SettingKey[];

export type SettingSource = 'policy' | 'user' | 'default';

export interface EffectiveSetting<T> {
  readonly value: T;
  readonly source: SettingSource;
  /** Why the user cannot change it (set by policy, or clamped to a policy ceiling); null when free. */
  readonly lockedReason: string | null;
  /** Where the value came from, for people: a registry key, a file path, or "default". */
  readonly origin: string;
  /** A policy ceiling on the value, when there is one. */
  readonly ceiling: { readonly max: number; readonly origin: string } | null;
}

export type EffectiveSettings = { readonly [K in SettingKey]: EffectiveSetting<SettingValues[K]> };

/** The reason shown next to a value IT set. */
export function lockedReason(origin: string): string {
  return `Set by your IT department (${origin}).`;
}

/** Combines policy, the user's settings and the defaults; `userOrigin` names where the user's values live. */
export function resolveSettings(policy: LoadedPolicy, user: UserSettings, userOrigin = 'your settings'): EffectiveSettings {
  const result: Record<string, EffectiveSetting<unknown>> = {};
  const fromUser = (key: SettingKey): EffectiveSetting<unknown> =>
    (user as Record<string, unknown>)[key] !== undefined
      ? { value: (user as Record<string, unknown>)[key], source: 'user', lockedReason: null, origin: userOrigin, ceiling: null }
      : { value: DEFAULT_SETTINGS[key], source: 'default', lockedReason: null, origin: 'default', ceiling: null };
  for (const key of SETTING_KEYS) {
    const constrained = ruleFor(key);
    const set = constrained ? policy.values[constrained.policyKey] : undefined;
    if (!constrained || set === undefined) {
      result[key] = fromUser(key);
      continue;
    }
    const { policyKey, rule } = constrained;
    const origin = policy.origin[policyKey] ?? 'policy';
    if (rule.kind === 'lock') {
      result[key] = { value: set, source: 'policy', lockedReason: lockedReason(origin), origin, ceiling: null };
      continue;
    }
    const base = fromUser(key);
    const max = set as number;
    const ceiling = { max, origin };
    // A value stored before the ceiling was lowered (or null, no limit) is clamped to it.
    result[key] =
      policyRefusals(policy, { [key]: base.value }).length > 0
        ? { value: max, source: 'policy', lockedReason: `Limited to ${max} ${rule.unit} by your IT department (${origin}).`, origin, ceiling }
        : { ...base, ceiling };
  }
  return result as unknown as EffectiveSettings;
}

/** The plain values of effective settings. */
export function settingValues(effective: EffectiveSettings): SettingValues {
  return Object.fromEntries(SETTING_KEYS.map((key) => [key, effective[key].value])) as unknown as SettingValues;
}

/**
 * Applies a user's change: returns the user's new settings, or throws (and changes nothing) when
 * the patch is not valid (INVALID_INPUT), touches a key IT locked, or goes above a ceiling
 * (POLICY_LOCKED). Setting a locked key to the value IT set is accepted and stores nothing.
 */
export function applyUserPatch(policy: LoadedPolicy, user: UserSettings, patch: UserSettingsPatch | SettingsPatch): UserSettings {
  const parsed = userSettingsSchema.safeParse(patch);
  if (!parsed.success) throw new DocksideError('INVALID_INPUT', `Settings not changed: ${describeIssues(parsed.error, patch)}.`);
  const changes = Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined)) as UserSettings;
  // The choke point decides; nothing is stored when it refuses.
  checkPolicy(policy, changes as SettingWrites);
  const next: Record<string, unknown> = { ...user };
  for (const [key, value] of Object.entries(changes)) {
    // A locked key set to IT's own value is accepted and stores nothing.
    if (!lockedByPolicy(policy, key as SettingKey)) next[key] = value;
  }
  return next as UserSettings;
}

/** The user's settings without `keys` (back to their defaults). */
export function resetUserSettings(user: UserSettings, keys: readonly (keyof UserSettings)[]): UserSettings {
  const next: Record<string, unknown> = { ...user };
  for (const key of keys) delete next[key];
  return next as UserSettings;
}

/** Exactly the IPC contract's `Settings` (the keys the desktop app's settings screen shows). */
export function toContractSettings(effective: EffectiveSettings): Settings {
  const pick = <K extends keyof Settings & SettingKey>(key: K) => ({
    value: effective[key].value,
    source: effective[key].source,
    lockedReason: effective[key].lockedReason,
  });
  return {
    backendUrl: pick('backendUrl'),
    concurrency: pick('concurrency'),
    maxActiveTransfers: pick('maxActiveTransfers'),
    bandwidthLimit: pick('bandwidthLimit'),
    notifications: pick('notifications'),
    startAtLogin: pick('startAtLogin'),
    verifyFile: pick('verifyFile'),
  };
}
