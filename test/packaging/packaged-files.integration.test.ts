// A real `electron-builder --linux dir` run on a copy of the project, to see the file set the
// installers would carry as electron-builder's own file matcher and node-module collector pick
// it, on the real bundles. The Electron binary cannot be downloaded on these machines, so
// `electronDist` points at a stand-in Electron folder made here (electron-builder copies it and
// renames the executable; it never runs it). Nothing is rebuilt for Electron (npmRebuild: false:
// the native modules are prebuilt Node-API addons), so the run needs no Electron headers either.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMain } from '../../scripts/build-main.js';
import { buildConfigFrom } from '../../scripts/write-build-config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let work: string;
let project: string;
let appDir: string;
let packaged: string[];
let run: { status: number | null; output: string };

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** An asar archive's header: a Chromium pickle holding a JSON tree; file data follows it. */
function asarHeader(path: string): { tree: AsarNode; dataStart: number } {
  const fd = openSync(path, 'r');
  try {
    const sizes = Buffer.alloc(8);
    readSync(fd, sizes, 0, 8, 0);
    const header = Buffer.alloc(sizes.readUInt32LE(4));
    readSync(fd, header, 0, header.length, 8);
    return { tree: JSON.parse(header.subarray(8, 8 + header.readUInt32LE(4)).toString('utf8')) as AsarNode, dataStart: 8 + header.length };
  } finally {
    closeSync(fd);
  }
}

/** The paths of the files inside an asar archive, sorted. */
function asarFiles(path: string): string[] {
  const out: string[] = [];
  const walk = (node: AsarNode, prefix: string) => {
    for (const [name, child] of Object.entries(node.files ?? {})) {
      if (child.files) walk(child, `${prefix}${name}/`);
      else out.push(`${prefix}${name}`);
    }
  };
  walk(asarHeader(path).tree, '');
  return out.sort();
}

/** One file's bytes from an asar archive (a file stored in the archive, not an unpacked one). */
function asarRead(path: string, name: string): Buffer {
  const { tree, dataStart } = asarHeader(path);
  const entry = name.split('/').reduce<AsarNode | undefined>((node, part) => node?.files?.[part], tree);
  if (!entry || entry.offset === undefined || entry.size === undefined) throw new Error(`${name} is not stored in ${path}`);
  const data = Buffer.alloc(entry.size);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, data, 0, entry.size, dataStart + Number(entry.offset));
  } finally {
    closeSync(fd);
  }
  return data;
}

interface AsarNode {
  files?: Record<string, AsarNode>;
  offset?: string;
  size?: number;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'dockside-packaging-'));
  project = ROOT;
  // The app as `npm run dist` builds it, in the project itself: the bundled main and preload, the
  // renderer, and the build configuration. (electron-builder asks npm for the production
  // dependencies; npm reads a project reached through a symbolic link unreliably, so the run is on
  // the project, with its output in a temporary folder.)
  await buildMain(join(ROOT, 'dist', 'main'));
  await build({ configFile: join(ROOT, 'vite.renderer.config.ts'), logLevel: 'warn' });
  writeFileSync(join(ROOT, 'dist', 'main', 'build-config.json'), `${JSON.stringify(buildConfigFrom({}, '0.0.0'))}\n`);
  // The stand-in Electron: what an unpacked Linux Electron release holds, minus the real binaries.
  const electron = join(work, 'electron-dist');
  write(join(electron, 'electron'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(electron, 'electron'), 0o755);
  write(join(electron, 'version'), `${(JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version}\n`);
  write(join(electron, 'LICENSE'), 'MIT\n');
  write(join(electron, 'locales/en-US.pak'), '');
  mkdirSync(join(electron, 'resources'));

  const result = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/electron-builder/cli.js'), '--linux', 'dir', '--projectDir', project, `-c.directories.output=${join(work, 'release')}`, `-c.electronDist=${electron}`, '--publish', 'never'],
    { cwd: project, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', CSC_IDENTITY_AUTO_DISCOVERY: 'false', DEBUG: '' } },
  );
  run = { status: result.status, output: `${result.stdout}\n${result.stderr}` };
  appDir = join(work, 'release/linux-unpacked');
  packaged = run.status === 0 ? asarFiles(join(appDir, 'resources/app.asar')) : [];
}, 150_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged app (electron-builder --linux dir)', () => {
  it('packages', () => {
    expect(run.status, run.output).toBe(0);
    expect(existsSync(join(appDir, 'dockside'))).toBe(true);
  });

  it('holds the built app and package.json, nothing else of the project', () => {
    const own = packaged.filter((path) => !path.startsWith('node_modules/'));
    expect(own.map((path) => path.replace(/-[\w-]{8}\.(js|css)$/, '.$1')).sort()).toEqual([
      'dist/main/build-config.json',
      'dist/main/main.cjs',
      'dist/main/preload.cjs',
      'dist/main/tray.png',
      'dist/main/trayTemplate.png',
      'dist/renderer/assets/index.css',
      'dist/renderer/assets/index.js',
      'dist/renderer/index.html',
      'package.json',
    ]);
    for (const path of packaged) expect(path).not.toMatch(/^(src|test|scripts|bench|backend|dist\/harness)\/|\.map$|\.ts$/);
  });

  it('carries only the modules the bundled main leaves external, with SQLite and CRC32 unpacked from the asar', () => {
    const modules = new Set(packaged.filter((path) => path.startsWith('node_modules/')).map((path) => path.split('/').slice(1, path.includes('/@') ? 3 : 2).join('/')));
    expect([...modules].sort()).toEqual(['@node-rs/crc32', `@node-rs/crc32-${process.platform}-${process.arch}-gnu`, 'better-sqlite3']);
    // better-sqlite3's prebuilt binary for this platform only, not the other seven it ships.
    const unpacked = join(appDir, 'resources/app.asar.unpacked/node_modules/better-sqlite3');
    expect(readdirSync(join(unpacked, 'prebuilds'))).toEqual([`${process.platform}-${process.arch}.node`]);
    expect(existsSync(join(unpacked, 'build'))).toBe(false);
    expect(existsSync(join(appDir, `resources/app.asar.unpacked/node_modules/@node-rs/crc32-${process.platform}-${process.arch}-gnu/crc32.${process.platform}-${process.arch}-gnu.node`))).toBe(true);
    // No dev-only package, even one better-sqlite3's install needed.
    for (const dev of ['vitest', 'electron', 'typescript', 'prebuild-install', 'fastify', 'tsx']) expect(modules.has(dev), dev).toBe(false);
  });

  it('starts the bundled main, and publishes no update feed', () => {
    const pkg = JSON.parse(asarRead(join(appDir, 'resources/app.asar'), 'package.json').toString('utf8')) as { main: string; scripts?: unknown; devDependencies?: unknown };
    expect(pkg.main).toBe('dist/main/main.cjs');
    expect(pkg.scripts).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
    expect(existsSync(join(appDir, 'resources/app-update.yml'))).toBe(false);
  });
});
