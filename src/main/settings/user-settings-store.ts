/**
 * Where the user's own settings live. The CLI keeps them in `settings.json` in the data folder
 * (JsonFileSettingsStore); the desktop app implements the same port with electron-store. Every
 * implementation passes the contract suite in test/main/settings/user-settings-store.contract.ts.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DocksideError } from '../../shared/errors.js';
import { dataDir, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../engine/index.js';
import { describeIssues } from './policy-errors.js';
import { userSettingsSchema, type UserSettings } from './effective-settings.js';

export interface UserSettingsStore {
  /** Where the values live, for people: a file path, or a description. */
  readonly location: string;
  /** The stored values; throws SETTINGS_INVALID when the store is damaged (and leaves it as it is). */
  read(): Promise<UserSettings>;
  /** Replaces the stored values; keys this version does not know (written by a newer one) are kept. */
  write(values: UserSettings): Promise<void>;
}

/** The CLI's settings file inside a data folder. */
export function settingsFile(home?: string): string {
  return join(home ?? dataDir(), 'settings.json');
}

/** settings.json: written atomically (temporary file, then rename), readable by the user only. */
export class JsonFileSettingsStore implements UserSettingsStore {
  constructor(readonly location: string) {}

  async read(): Promise<UserSettings> {
    const raw = await this.readRaw();
    if (raw === null) return {};
    // A key from a newer version is not this version's business; the known ones must be valid.
    const known = Object.fromEntries(Object.entries(raw).filter(([key]) => key in userSettingsSchema.shape));
    const parsed = userSettingsSchema.safeParse(known);
    if (!parsed.success) throw this.damaged(describeIssues(parsed.error, known));
    return parsed.data;
  }

  async write(values: UserSettings): Promise<void> {
    const checked = userSettingsSchema.parse(values);
    // Reading (and checking) first refuses to overwrite a damaged file: the user decides what to do with it.
    await this.read();
    const current = (await this.readRaw()) ?? {};
    const kept = Object.fromEntries(Object.entries(current).filter(([key]) => !(key in userSettingsSchema.shape)));
    const next = { ...kept, ...checked };
    await mkdir(dirname(this.location), { recursive: true, mode: PRIVATE_DIR_MODE });
    const temp = `${this.location}.${process.pid}.${Date.now()}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(next, null, 2)}\n`, { mode: PRIVATE_FILE_MODE });
      await chmod(temp, PRIVATE_FILE_MODE);
      await rename(temp, this.location);
    } catch (error) {
      await rm(temp, { force: true });
      throw new DocksideError('SETTINGS_INVALID', `Could not save your settings to ${this.location} (${(error as Error).message}).`, { cause: error });
    }
  }

  private async readRaw(): Promise<Record<string, unknown> | null> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw new DocksideError('SETTINGS_INVALID', `Your settings file ${this.location} cannot be read (${(error as Error).message}).`, { cause: error });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw this.damaged(`it is not valid JSON (${(error as Error).message})`);
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw this.damaged('it is not a JSON object');
    return raw as Record<string, unknown>;
  }

  private damaged(problem: string): DocksideError {
    return new DocksideError(
      'SETTINGS_INVALID',
      `Your settings file ${this.location} is damaged: ${problem}. Dockside has left it as it is: correct it, or move it aside to start again from the defaults.`,
    );
  }
}

/** Settings in memory (tests, the browser harness). */
export class MemoryUserSettingsStore implements UserSettingsStore {
  readonly location = 'memory';
  private values: UserSettings;
  constructor(initial: UserSettings = {}) {
    this.values = userSettingsSchema.parse(initial);
  }
  async read(): Promise<UserSettings> {
    return structuredClone(this.values);
  }
  async write(values: UserSettings): Promise<void> {
    this.values = structuredClone(userSettingsSchema.parse(values));
  }
}
