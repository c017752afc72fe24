// electron-builder.yml as electron-builder itself reads it: loaded by app-builder-lib's getConfig,
// checked by its validateConfiguration (the JSON schema the `electron-builder` command applies),
// every file it names present, and the promises made to IT kept (fixed MSI upgrade code, no
// auto-update feed, per-user/per-machine choices, no file associations).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConfigFrom } from '../../scripts/write-build-config.js';
import { drawIcon, encodePng, ICON_SIZES } from '../../scripts/make-icons.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Never change: Windows Installer upgrades in place only between versions sharing it. */
const UPGRADE_CODE = '22D2E890-DA4A-4A6F-8DDE-D77364CCEE91';

let config: Configuration;

beforeAll(async () => {
  // null: find the configuration the way the `electron-builder` command does (electron-builder.yml).
  config = await getConfig(ROOT, null, null);
});

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(path: string): { width: number; height: number } {
  const data = readFileSync(path);
  expect(data.subarray(0, 8).toString('hex'), path).toBe('89504e470d0a1a0a');
  expect(data.subarray(12, 16).toString('latin1'), path).toBe('IHDR');
  return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
}

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s own validation', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    expect(config).toMatchObject({ appId: 'com.dockside.desktop', productName: 'Dockside', asar: true, npmRebuild: false, publish: null });
  });

  it('is what getConfig found in the repository root', () => {
    expect(existsSync(join(ROOT, 'electron-builder.yml'))).toBe(true);
    expect(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')).toContain('appId: com.dockside.desktop');
  });

  it('names only files that exist, and icons that are real PNGs of the sizes each platform needs', () => {
    const buildResources = join(ROOT, config.directories!.buildResources!);
    expect(statSync(buildResources).isDirectory()).toBe(true);
    expect(pngSize(join(ROOT, config.win!.icon!))).toEqual({ width: 256, height: 256 });
    expect(pngSize(join(ROOT, config.mac!.icon!))).toEqual({ width: 1024, height: 1024 });
    const linuxIcons = join(ROOT, config.linux!.icon!);
    for (const size of [512, 1024]) expect(pngSize(join(linuxIcons, `${size}x${size}.png`))).toEqual({ width: size, height: size });
    for (const file of [config.mac!.entitlements, config.mac!.entitlementsInherit, config.nsis?.license, config.pkg?.license, config.dmg?.background]) {
      if (file) expect(existsSync(join(ROOT, file)), file).toBe(true);
    }
  });

  it('keeps a fixed MSI upgrade code and per-machine MSI, and a per-user-or-machine NSIS installer', () => {
    expect(config.msi!.upgradeCode).toBe(UPGRADE_CODE);
    expect(config.msi!.upgradeCode).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(config.msi!.perMachine).toBe(true);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: false, allowElevation: true });
    expect(config.win!.target).toEqual(['nsis', 'msi']);
  });

  it('builds dmg and pkg with the hardened runtime, signing and notarization from the environment', () => {
    expect(config.mac).toMatchObject({ target: ['dmg', 'pkg'], hardenedRuntime: true, notarize: true });
    // Credentials never live in the file: electron-builder reads CSC_LINK / APPLE_* from the environment.
    const text = readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8');
    expect(text).not.toMatch(/^\s*(cscLink|cscKeyPassword|appleId|appleIdPassword)\s*:/m);
    expect(config.linux!.target).toEqual(['AppImage', 'deb', 'rpm']);
  });

  it('ships only the built app: no sources, tests, scripts, harness or backend; no file associations; SQLite and CRC32 unpacked', () => {
    // getConfig normalises `files` to file sets ({ filter: [...] }).
    const files = (config.files as Array<{ filter: string[] }>).flatMap((set) => set.filter);
    expect(files.filter((f) => !f.startsWith('!') && !f.startsWith('node_modules/'))).toEqual(['package.json', 'dist/main/**/*', 'dist/renderer/**/*']);
    expect(config.extraMetadata).toEqual({ main: 'dist/main/main.cjs' });
    expect(config.asarUnpack).toEqual(['**/node_modules/better-sqlite3/**/*', '**/node_modules/@node-rs/**/*']);
    // better-sqlite3's prebuilt binary for the platform and arch being built, of the eight it ships.
    expect(files).toContain('node_modules/better-sqlite3/prebuilds/${platform}-${arch}.node');
    for (const name of ['win32-x64', 'darwin-x64', 'darwin-arm64', 'linux-x64', 'linux-arm64']) {
      expect(existsSync(join(ROOT, `node_modules/better-sqlite3/prebuilds/${name}.node`)), name).toBe(true);
    }
    expect(config.fileAssociations ?? null).toBeNull();
    expect(config.protocols ?? null).toBeNull();
  });
});

describe('build steps', () => {
  it('bakes a plain backend URL into the build configuration, and refuses one with credentials', () => {
    expect(buildConfigFrom({}, '1.0.0')).toEqual({ backendUrl: null, version: '1.0.0' });
    expect(buildConfigFrom({ DOCKSIDE_BUILD_BACKEND_URL: ' https://dockside.example.com/ ' }, '1.0.0')).toEqual({ backendUrl: 'https://dockside.example.com', version: '1.0.0' });
    expect(() => buildConfigFrom({ DOCKSIDE_BUILD_BACKEND_URL: 'https://u:p@dockside.example.com' }, '1')).toThrow(/user name or password/);
    expect(() => buildConfigFrom({ DOCKSIDE_BUILD_BACKEND_URL: 'ftp://x' }, '1')).toThrow(/https/);
  });

  it('draws the committed icons (regenerating gives the same bytes)', () => {
    expect(ICON_SIZES).toContain(256);
    const size = 256;
    expect(encodePng(size, size, drawIcon(size)).equals(readFileSync(join(ROOT, 'build/icons/256x256.png')))).toBe(true);
  });
});
