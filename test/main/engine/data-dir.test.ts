import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir, journalPath } from '../../../src/main/engine/index.js';

// The CLI and (later) the Electron app must find the same journal: these are the folders
// Electron's app.getPath('userData') gives for an app named Dockside.
describe('dataDir', () => {
  it.each([
    ['linux', {}, join('/home/ann', '.config', 'Dockside')],
    ['linux', { XDG_CONFIG_HOME: '/xdg' }, join('/xdg', 'Dockside')],
    ['darwin', {}, join('/home/ann', 'Library', 'Application Support', 'Dockside')],
    ['win32', { APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, join('C:\\Users\\ann\\AppData\\Roaming', 'Dockside')],
    ['win32', {}, join('/home/ann', 'AppData', 'Roaming', 'Dockside')],
  ] as const)('on %s with %o is %s', (platform, env, expected) => {
    expect(dataDir(env, platform, '/home/ann')).toBe(expected);
  });

  it('DOCKSIDE_HOME wins on every platform', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      expect(dataDir({ DOCKSIDE_HOME: '/srv/dockside', APPDATA: 'x', XDG_CONFIG_HOME: 'y' }, platform, '/home/ann')).toBe('/srv/dockside');
    }
  });

  it('keeps the journal in journal.sqlite inside it', () => {
    expect(journalPath('/srv/dockside')).toBe(join('/srv/dockside', 'journal.sqlite'));
  });
});
