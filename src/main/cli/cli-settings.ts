/**
 * The CLI's view of settings: the machine-wide policy, then settings.json in the data folder,
 * then defaults. Commands that upload refuse to run on an invalid policy (exit 78, the journal
 * untouched), refuse flags above a policy ceiling (exit 2, naming the policy) and use the
 * effective settings where no flag is given.
 */
import { DocksideError } from '../../shared/errors.js';
import { formatRate } from '../../shared/units.js';
import { JsonFileSettingsStore, loadSettings, settingsFile, type EffectiveSettings, type LoadedSettings } from '../settings/index.js';
import { normaliseUrl, tokenFor, type BackendLogin } from './backend-login.js';
import { UsageError } from './cli-options.js';
import type { EngineSettings } from './compose.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { EngineFlags } from './commands/shared-options.js';
import { visible } from '../../shared/terminal-text.js';

/** The CLI's user settings file in the data folder. */
export function cliSettingsStore(home?: string): JsonFileSettingsStore {
  return new JsonFileSettingsStore(settingsFile(home));
}

/** Policy and settings; throws POLICY_INVALID or SETTINGS_INVALID. */
export function loadCliSettings(home?: string): Promise<LoadedSettings> {
  return loadSettings(cliSettingsStore(home));
}

/** A broken policy or settings file: the CLI reports it with exit code 78. */
export function isConfigError(error: unknown): error is DocksideError {
  return error instanceof DocksideError && (error.code === 'POLICY_INVALID' || error.code === 'SETTINGS_INVALID');
}

/**
 * Loads settings for a command that is about to change something; on a configuration error it
 * prints the message, sets exit code 78 and resolves with null (the caller stops there).
 */
export async function settingsOrStop(home: string | undefined, setExit: (code: ExitCode) => void): Promise<LoadedSettings | null> {
  try {
    return await loadCliSettings(home);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    process.stderr.write(`dockside: ${visible(error.message)}\n`);
    setExit(EXIT.CONFIG);
    return null;
  }
}

/** Engine settings from the flags, else the effective settings; a flag above a policy ceiling, or --verify-file when the policy turns it off, is refused. */
export function engineSettingsWithin(flags: EngineFlags, effective: EffectiveSettings): Omit<EngineSettings, 'home' | 'credentials'> {
  aboveCeiling('--concurrency', flags.concurrency, effective.concurrency, (n) => `${n} parts in flight per file`);
  aboveCeiling('--transfers', flags.transfers, effective.maxActiveTransfers, (n) => `${n} files uploading at once`);
  aboveCeiling('--limit-rate', flags.limitRate, effective.bandwidthLimit, (n) => `an upload rate of ${formatRate(n)} (${n} bytes/s)`);
  const verifyFile = effective.verifyFile;
  if (flags.verifyFile && !verifyFile.value && verifyFile.source === 'policy') {
    throw new UsageError(`--verify-file: reading files again after uploading them is turned off by your IT department (policy in ${verifyFile.origin}). Leave the option out.`);
  }
  return {
    concurrency: flags.concurrency ?? effective.concurrency.value,
    maxActiveTransfers: flags.transfers ?? effective.maxActiveTransfers.value,
    bandwidthLimit: flags.limitRate ?? effective.bandwidthLimit.value,
    logRetentionDays: effective.logRetentionDays.value,
    ...(flags.stallTimeout !== undefined ? { stallTimeoutMs: flags.stallTimeout * 1000 } : {}),
    // The flag turns it on for this run; without it, the verifyFile setting (policy, yours, or off).
    verifyFile: flags.verifyFile === true || verifyFile.value,
  };
}

function aboveCeiling(flag: string, given: number | undefined, setting: EffectiveSettings['concurrency' | 'bandwidthLimit'], words: (n: number) => string): void {
  const ceiling = setting.ceiling;
  if (given === undefined || ceiling === null || given <= ceiling.max) return;
  throw new UsageError(`${flag}: your IT department allows at most ${words(ceiling.max)} (policy in ${ceiling.origin}). Give a lower value, or leave the option out.`);
}

/** Refuses an upload straight to S3 with the user's own AWS credentials when the policy forbids it. */
export function assertStandaloneAllowed(effective: EffectiveSettings, what: string): void {
  const setting = effective.allowStandaloneUploads;
  if (setting.value) return;
  throw new UsageError(
    `${what}: uploads straight to S3 with your own AWS credentials are turned off by your IT department (policy in ${setting.origin}). ` +
      'Upload through your Dockside backend instead: `dockside login --backend URL`, then `dockside upload FILE` without --bucket.',
  );
}

/** The backend IT set, or null when the policy does not set one. */
export function policyBackendUrl(effective: EffectiveSettings): string | null {
  return effective.backendUrl.source === 'policy' && effective.backendUrl.value !== null ? normaliseUrl(effective.backendUrl.value) : null;
}

/** The sign-in to use for the backend IT set; refuses, naming it, when the user is not signed in to it. */
export function policyBackendLogin(url: string, origin: string, home: string | undefined, env: NodeJS.ProcessEnv = process.env): BackendLogin {
  const token = tokenFor(url, home, env) ?? (env.DOCKSIDE_TOKEN && !env.DOCKSIDE_BACKEND_URL ? env.DOCKSIDE_TOKEN : null);
  if (token) return { url, token };
  throw new UsageError(`Your IT department set the Dockside backend to ${url} (policy in ${origin}). Sign in to it with \`dockside login --backend ${url}\`, then try again.`);
}
