/** Settings and machine-wide policy, shared by the CLI and the desktop app. */
export {
  POLICY_APP_ID,
  WINDOWS_POLICY_KEYS,
  LINUX_POLICY_FILE,
  POLICY_FILE_ENV,
  POLICY_KEYS,
  policySchema,
  policyKeyInfo,
  isBackendUrl,
  type Policy,
  type PolicyKey,
  type ProxySetting,
  type UpdateMode,
} from './policy-schema.js';
export {
  loadPolicy,
  nodePolicyEnvironment,
  execFileRunner,
  parseRegQuery,
  registryToPolicy,
  macPolicyFiles,
  validatePolicy,
  mergeLayers,
  NO_POLICY,
  type LoadedPolicy,
  type PolicyEnvironment,
  type CommandRunner,
  type CommandResult,
} from './policy-sources.js';
export {
  userSettingsSchema,
  DEFAULT_SETTINGS,
  SETTING_KEYS,
  resolveSettings,
  applyUserPatch,
  resetUserSettings,
  settingValues,
  toContractSettings,
  lockedReason,
  type UserSettings,
  type UserSettingsPatch,
  type SettingValues,
  type SettingKey,
  type SettingSource,
  type EffectiveSetting,
  type EffectiveSettings,
} from './effective-settings.js';
export { JsonFileSettingsStore, MemoryUserSettingsStore, settingsFile, type UserSettingsStore } from './user-settings-store.js';
export { loadSettings, changeSettings, type LoadedSettings } from './settings-service.js';
export { policyTemplates, POLICY_TEMPLATE_FILES } from './policy-templates.js';
