/** Loading and changing settings: the few steps the CLI and the desktop app share. */
import { applyUserPatch, resolveSettings, type EffectiveSettings, type UserSettings, type UserSettingsPatch } from './effective-settings.js';
import { loadPolicy, type LoadedPolicy, type PolicyEnvironment } from './policy-sources.js';
import type { UserSettingsStore } from './user-settings-store.js';
import type { SettingsPatch } from '../../shared/ipc-contract.js';

export interface LoadedSettings {
  readonly policy: LoadedPolicy;
  readonly user: UserSettings;
  readonly effective: EffectiveSettings;
  /** Where the user's settings live (the store's location). */
  readonly userLocation: string;
}

/** Reads the policy (POLICY_INVALID fails closed) and the user's settings (SETTINGS_INVALID), and combines them. */
export async function loadSettings(store: UserSettingsStore, environment: Partial<PolicyEnvironment> = {}): Promise<LoadedSettings> {
  const policy = await loadPolicy(environment);
  const user = await store.read();
  return { policy, user, effective: resolveSettings(policy, user, store.location), userLocation: store.location };
}

/** Applies a user's change under `policy` and saves it; nothing is written when it is refused. */
export async function changeSettings(store: UserSettingsStore, policy: LoadedPolicy, patch: UserSettingsPatch | SettingsPatch): Promise<LoadedSettings> {
  const next = applyUserPatch(policy, await store.read(), patch);
  await store.write(next);
  return { policy, user: next, effective: resolveSettings(policy, next, store.location), userLocation: store.location };
}
