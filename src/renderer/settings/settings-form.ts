/**
 * The Settings view's form logic, kept pure: the text a person edits for each setting, and the
 * patch (or the problems) it turns into. Locked settings are never part of a patch.
 */
import type { Settings, SettingsPatch } from '../../shared/ipc-contract.js';
import { formatRate, parseRate, UnitParseError } from '../../shared/units.js';

export interface SettingsDraft {
  readonly backendUrl: string;
  readonly concurrency: string;
  readonly maxActiveTransfers: string;
  /** A rate such as "10MB/s"; empty for no limit. */
  readonly bandwidthLimit: string;
  readonly notifications: boolean;
  readonly startAtLogin: boolean;
  readonly verifyFile: boolean;
}

export type SettingName = keyof SettingsDraft;

/** The draft showing the current settings. */
export function draftOf(settings: Settings): SettingsDraft {
  const limit = settings.bandwidthLimit.value;
  return {
    backendUrl: settings.backendUrl.value ?? '',
    concurrency: String(settings.concurrency.value),
    maxActiveTransfers: String(settings.maxActiveTransfers.value),
    bandwidthLimit: limit === null ? '' : formatRate(limit),
    notifications: settings.notifications.value,
    startAtLogin: settings.startAtLogin.value,
    verifyFile: settings.verifyFile.value,
  };
}

export type PatchResult =
  | { readonly ok: true; readonly patch: SettingsPatch }
  | { readonly ok: false; readonly problems: Partial<Record<SettingName, string>> };

function wholeNumber(text: string, min: number, max: number): number | string {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max) return `Enter a whole number from ${min} to ${max}.`;
  return value;
}

function validUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * The changes in `draft` against `settings`, leaving out locked settings; or what is wrong with it.
 * Only fields whose text was edited count, so a rate shown rounded ("10.5 MB/s") is not re-sent.
 */
export function patchOf(settings: Settings, draft: SettingsDraft): PatchResult {
  const problems: Partial<Record<SettingName, string>> = {};
  const patch: { -readonly [K in keyof SettingsPatch]: SettingsPatch[K] } = {};
  const original = draftOf(settings);
  const unlocked = (name: SettingName) => settings[name].source !== 'policy' && draft[name] !== original[name];

  if (unlocked('backendUrl')) {
    const text = draft.backendUrl.trim();
    const value = text === '' ? null : text;
    if (value !== null && !validUrl(value)) problems.backendUrl = 'Enter an address such as https://dockside.example.com.';
    else patch.backendUrl = value;
  }
  for (const name of ['concurrency', 'maxActiveTransfers'] as const) {
    if (!unlocked(name)) continue;
    const value = name === 'concurrency' ? wholeNumber(draft[name], 1, 32) : wholeNumber(draft[name], 1, 8);
    if (typeof value === 'string') problems[name] = value;
    else patch[name] = value;
  }
  if (unlocked('bandwidthLimit')) {
    const text = draft.bandwidthLimit.trim();
    try {
      patch.bandwidthLimit = text === '' ? null : parseRate(text);
    } catch (error) {
      problems.bandwidthLimit = error instanceof UnitParseError ? error.message : 'Enter a rate such as 10MB/s, or nothing for no limit.';
    }
  }
  for (const name of ['notifications', 'startAtLogin', 'verifyFile'] as const) {
    if (unlocked(name)) patch[name] = draft[name];
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, patch };
}
