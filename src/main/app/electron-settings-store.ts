/**
 * The user's own settings in the app, kept with electron-store (a JSON file in the app's
 * userData folder, written atomically). Its schema is the settings module's, so a hand-edited or
 * damaged file is reported (SETTINGS_INVALID) rather than silently used; policy is applied on top
 * by src/main/settings, so nothing here can override what IT set.
 */
import Store from 'electron-store';
import { PRIVATE_FILE_MODE } from '../engine/index.js';
import { DocksideError } from '../../shared/errors.js';
import { userSettingsSchema, type UserSettings, type UserSettingsStore } from '../settings/index.js';

export class ElectronUserSettingsStore implements UserSettingsStore {
  private readonly store: Store<{ settings: Record<string, unknown> }>;

  constructor(cwd?: string) {
    this.store = new Store<{ settings: Record<string, unknown> }>({ name: 'settings', defaults: { settings: {} }, configFileMode: PRIVATE_FILE_MODE, ...(cwd ? { cwd } : {}) });
  }

  get location(): string {
    return this.store.path;
  }

  async read(): Promise<UserSettings> {
    const stored = this.store.get('settings');
    const known = Object.fromEntries(Object.entries(stored).filter(([key]) => Object.hasOwn(userSettingsSchema.shape, key)));
    const parsed = userSettingsSchema.safeParse(known);
    if (!parsed.success) {
      throw new DocksideError('SETTINGS_INVALID', `Your settings in ${this.store.path} are damaged. Fix or delete that file; Dockside then starts with the defaults.`);
    }
    return structuredClone(parsed.data);
  }

  async write(values: UserSettings): Promise<void> {
    const checked = userSettingsSchema.safeParse(values);
    if (!checked.success) throw new DocksideError('INVALID_INPUT', 'These settings are not valid; nothing was saved.');
    // Keys this version does not know (a newer one wrote them) are kept, as the CLI's file store does.
    const unknown = Object.fromEntries(Object.entries(this.store.get('settings')).filter(([key]) => !Object.hasOwn(userSettingsSchema.shape, key)));
    this.store.set('settings', { ...unknown, ...structuredClone(checked.data) });
  }
}
