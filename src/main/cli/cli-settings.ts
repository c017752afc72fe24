/**
 * The CLI's view of settings: the machine-wide policy, then settings.json in the data folder,
 * then defaults. Commands that upload refuse to run on an invalid policy (exit 78, the journal
 * untouched), refuse what the policy gate (src/main/settings/policy-gate.ts) refuses (exit 2,
 * naming the policy: flags above a ceiling, a locked value, a destination IT does not allow) and
 * use the effective settings where no flag is given.
 */
import { DocksideError } from '../../shared/errors.js';
import { formatRate } from '../../shared/units.js';
import {
  checkPolicy,
  JsonFileSettingsStore,
  loadSettings,
  settingsFile,
  settingsRefusal,
  signInWrites,
  uploadWrites,
  type EffectiveSettings,
  type LoadedPolicy,
  type LoadedSettings,
  type PolicyRefusal,
} from '../settings/index.js';
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

/** What each engine flag writes, and how the CLI words a refusal of it. */
const FLAG_WORDS = {
  concurrency: { flag: '--concurrency', amount: (n: number) => `${n} parts in flight per file` },
  maxActiveTransfers: { flag: '--transfers', amount: (n: number) => `${n} files uploading at once` },
  bandwidthLimit: { flag: '--limit-rate', amount: (n: number) => `an upload rate of ${formatRate(n)} (${n} bytes/s)` },
} as const;

/** The CLI's words for refused per-run options (the policy gate decides which are refused). */
function flagRefusal(refusals: readonly PolicyRefusal[]): string {
  return refusals
    .map((refusal) => {
      if (refusal.kind === 'ceiling') {
        const words = FLAG_WORDS[refusal.setting as keyof typeof FLAG_WORDS];
        return `${words.flag}: your IT department allows at most ${words.amount(refusal.max)} (policy in ${refusal.origin}). Give a lower value, or leave the option out.`;
      }
      if (refusal.setting === 'verifyFile') {
        return `--verify-file: reading files again after uploading them is turned off by your IT department (policy in ${refusal.origin}). Leave the option out.`;
      }
      return settingsRefusal([refusal]);
    })
    .join(' ');
}

/**
 * Engine settings from the flags, else the effective settings. The flags are this run's writes of
 * those settings and go through the policy gate: one above a ceiling, or --verify-file when the
 * policy turns it off, is refused (POLICY_LOCKED, exit 2) before anything is opened.
 */
export function engineSettingsWithin(flags: EngineFlags, settings: Pick<LoadedSettings, 'policy' | 'effective'>): Omit<EngineSettings, 'home' | 'credentials'> {
  const { effective } = settings;
  checkPolicy(
    settings.policy,
    {
      concurrency: flags.concurrency,
      maxActiveTransfers: flags.transfers,
      bandwidthLimit: flags.limitRate,
      ...(flags.verifyFile ? { verifyFile: true } : {}),
    },
    flagRefusal,
  );
  return {
    concurrency: flags.concurrency ?? effective.concurrency.value,
    maxActiveTransfers: flags.transfers ?? effective.maxActiveTransfers.value,
    bandwidthLimit: flags.limitRate ?? effective.bandwidthLimit.value,
    logRetentionDays: effective.logRetentionDays.value,
    ...(flags.stallTimeout !== undefined ? { stallTimeoutMs: flags.stallTimeout * 1000 } : {}),
    // The flag turns it on for this run; without it, the verifyFile setting (policy, yours, or off).
    verifyFile: flags.verifyFile === true || effective.verifyFile.value,
  };
}

/**
 * Refuses an upload (or a resume) whose destination the policy does not allow: straight to S3
 * with the user's own AWS credentials (`backendUrl` null) when allowStandaloneUploads is false,
 * or through another backend than IT's. `what` names it for the user; `advice` follows a refusal
 * of the backend.
 */
export function assertUploadAllowed(policy: LoadedPolicy, backendUrl: string | null, what: string, advice = ''): void {
  checkPolicy(policy, uploadWrites(backendUrl), (refusals) =>
    refusals
      .map((refusal) =>
        refusal.setting === 'allowStandaloneUploads'
          ? `${what}: uploads straight to S3 with your own AWS credentials are turned off by your IT department (policy in ${refusal.origin}). ` +
            'Upload through your Dockside backend instead: `dockside login --backend URL`, then `dockside upload FILE` without --bucket.'
          : refusal.kind === 'lock'
            ? `${what} goes through the backend ${String(refusal.value)}, but your IT department set the Dockside backend to ${String(refusal.required)} (policy in ${refusal.origin}).${advice ? ` ${advice}` : ''}`
            : settingsRefusal([refusal]),
      )
      .join(' '),
  );
}

/** Refuses `dockside login` to another backend than the one IT set (nothing is asked or saved). */
export function assertSignInAllowed(policy: LoadedPolicy, backendUrl: string): void {
  checkPolicy(policy, signInWrites(backendUrl), (refusals) => {
    const lock = refusals[0]!;
    const required = lock.kind === 'lock' ? String(lock.required) : '';
    return `Your IT department set the Dockside backend to ${required} (policy in ${lock.origin}); sign in to that one: \`dockside login --backend ${required}\`.`;
  });
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
