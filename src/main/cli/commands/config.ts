/**
 * `dockside config show [--json]`: every effective setting with its value and where it came from
 * (the machine-wide policy, your settings file, or the default). `config set KEY VALUE` and
 * `config unset KEY...` change your own settings (settings.json in the data folder) within the
 * policy.
 */
import type { Command } from 'commander';
import { formatRate, parseRate } from '../../../shared/units.js';
import {
  applyUserPatch,
  resetUserSettings,
  resolveSettings,
  SETTING_KEYS,
  userSettingsSchema,
  type EffectiveSetting,
  type EffectiveSettings,
  type LoadedSettings,
  type SettingKey,
  type UserSettings,
} from '../../settings/index.js';
import { UsageError } from '../cli-options.js';
import { cliSettingsStore, isConfigError, loadCliSettings } from '../cli-settings.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { table } from './ls.js';
import { globalHome } from './shared-options.js';
import { jsonText, visible, visibly } from '../../../shared/terminal-text.js';

export function registerConfig(program: Command, setExit: (code: ExitCode) => void): void {
  const config = program.command('config').description('show the settings in force and where each comes from (IT policy, your settings, default); change your own');
  config
    .command('show')
    .description('every setting with its value and source; a policy IT set that is not valid is reported (exit 78)')
    .option('--json', 'JSON output')
    .action(async (flags: { json?: boolean }) => {
      let loaded: LoadedSettings;
      try {
        loaded = await loadCliSettings(globalHome(program));
      } catch (error) {
        if (!isConfigError(error)) throw error;
        if (flags.json) process.stdout.write(`${jsonText({ error: error.toInfo() }, 2)}\n`);
        process.stderr.write(`dockside: ${visible(error.message)}\n`);
        setExit(EXIT.CONFIG);
        return;
      }
      process.stdout.write(flags.json ? `${jsonText(asJson(loaded), 2)}\n` : render(loaded));
      setExit(EXIT.OK);
    });
  config
    .command('set')
    .description(`change one of your settings (${userKeys().join(', ')}); values IT set cannot be changed`)
    .argument('<key>', 'the setting')
    .argument('<value>', 'the value ("none" for no backend or no bandwidth limit)')
    .action(async (key: string, value: string) => {
      await change(globalHome(program), setExit, (user, policy) => applyUserPatch(policy, user, { [userKey(key)]: parseValue(userKey(key), value) }));
    });
  config
    .command('unset')
    .description('return your settings to their defaults')
    .argument('<keys...>', 'the settings')
    .action(async (keys: string[]) => {
      await change(globalHome(program), setExit, (user) => resetUserSettings(user, keys.map(userKey)));
    });
}

async function change(home: string | undefined, setExit: (code: ExitCode) => void, next: (user: UserSettings, policy: LoadedSettings['policy']) => UserSettings): Promise<void> {
  let loaded: LoadedSettings;
  try {
    loaded = await loadCliSettings(home);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`dockside: ${visible(error.message)}\n`);
    setExit(EXIT.CONFIG);
    return;
  }
  let user: UserSettings;
  try {
    user = next(loaded.user, loaded.policy);
  } catch (error) {
    // A locked key or a value above IT's ceiling is bad input: nothing was changed.
    if (error instanceof Error && 'code' in error && (error.code === 'POLICY_LOCKED' || error.code === 'INVALID_INPUT')) throw new UsageError(error.message);
    throw error;
  }
  const store = cliSettingsStore(home);
  await store.write(user);
  process.stdout.write(render({ ...loaded, user, effective: resolveSettings(loaded.policy, user, store.location) }));
  setExit(EXIT.OK);
}

function userKeys(): (keyof UserSettings)[] {
  return Object.keys(userSettingsSchema.shape) as (keyof UserSettings)[];
}

function userKey(key: string): keyof UserSettings {
  if ((userKeys() as string[]).includes(key)) return key as keyof UserSettings;
  throw new UsageError(`${key}: not a setting you can change. Use one of ${userKeys().join(', ')}.`);
}

/** A command-line word as the setting's value; the settings schema checks it afterwards. */
function parseValue(key: keyof UserSettings, value: string): unknown {
  switch (key) {
    case 'backendUrl':
      return value === 'none' ? null : value;
    case 'bandwidthLimit':
      if (value === 'none') return null;
      try {
        return parseRate(value);
      } catch (error) {
        throw new UsageError(`bandwidthLimit ${value}: ${(error as Error).message}`);
      }
    case 'concurrency':
    case 'maxActiveTransfers':
    case 'logRetentionDays':
      if (!/^\d+$/.test(value)) throw new UsageError(`${key} ${value}: use a whole number.`);
      return Number(value);
    case 'notifications':
    case 'startAtLogin':
    case 'verifyFile':
      if (value !== 'true' && value !== 'false') throw new UsageError(`${key} ${value}: use true or false.`);
      return value === 'true';
    case 'proxy':
      return value === 'system' ? 'system' : { url: value };
    case 'caCertificates':
      return value === 'none' ? [] : value.split(',').map((entry) => entry.trim()).filter(Boolean);
    case 'updates':
      return value;
  }
}

function sourceText(setting: EffectiveSetting<unknown>): string {
  switch (setting.source) {
    case 'policy':
      return `policy (${setting.origin})`;
    case 'user':
      return `your settings (${setting.origin})`;
    case 'default':
      return 'default';
  }
}

function valueText(key: SettingKey, setting: EffectiveSetting<unknown>): string {
  const value = setting.value;
  let text: string;
  if (value === null) text = key === 'bandwidthLimit' ? 'no limit' : 'not set';
  else if (key === 'bandwidthLimit' && typeof value === 'number') text = `${formatRate(value)} (${value} bytes/s)`;
  else if (Array.isArray(value)) text = value.length === 0 ? 'none' : value.join(', ');
  else if (typeof value === 'object') {
    const proxy = value as { url: string; noProxy?: string[] };
    text = proxy.noProxy?.length ? `${proxy.url} (not for ${proxy.noProxy.join(', ')})` : proxy.url;
  } else text = String(value);
  if (setting.ceiling && setting.source !== 'policy') text += ` (IT allows at most ${setting.ceiling.max})`;
  return text;
}

function render(loaded: LoadedSettings): string {
  const rows = SETTING_KEYS.map((key) => [key, valueText(key, loaded.effective[key]), sourceText(loaded.effective[key])]);
  const policy =
    loaded.policy.found.length > 0
      ? `Machine-wide policy: ${loaded.policy.found.join(', ')} (settings from it are locked).`
      : `No machine-wide policy (looked in ${loaded.policy.checked.join(', ')}).`;
  return `${table(['SETTING', 'VALUE', 'SOURCE'], rows)}\n${visible(policy)}\n${visibly`Your settings: ${loaded.userLocation}`} (change them with \`dockside config set KEY VALUE\`).\n`;
}

function asJson(loaded: LoadedSettings): Record<string, unknown> {
  const effective: EffectiveSettings = loaded.effective;
  return {
    settings: Object.fromEntries(SETTING_KEYS.map((key) => [key, effective[key]])),
    policy: { found: loaded.policy.found, checked: loaded.policy.checked, values: loaded.policy.values },
    userSettingsFile: loaded.userLocation,
  };
}
