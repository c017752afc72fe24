/**
 * Where Dockside keeps its journal: DOCKSIDE_HOME when set, else the platform's per-user data
 * folder (the same one Electron's app.getPath('userData') gives, so the app and CLI share it).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The per-user data folder for Dockside on this platform. */
export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.DOCKSIDE_HOME) return env.DOCKSIDE_HOME;
  switch (platform) {
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Dockside');
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'Dockside');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Dockside');
  }
}

/** The journal database inside a data folder. */
export function journalPath(dir: string): string {
  return join(dir, 'journal.sqlite');
}
