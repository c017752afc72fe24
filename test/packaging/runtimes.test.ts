// runtimes.json names the runtimes Dockside is built and tested on; everything else that names
// one (package.json's engines and pins, .nvmrc, @types/node, the Electron package installed, the
// CI script) must agree with it, and the suite itself must be running on that Node.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const runtimes = JSON.parse(read('runtimes.json')) as {
  node: { version: string; packages: Record<string, { name: string; integrity: string }> };
  electron: { version: string; chromium: string; modules: number; node: string; nodePackages: Record<string, { name: string; integrity: string }> };
};
const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; devDependencies: Record<string, string> };

/** [major, minor, patch] of `24.22.3` (`24.11` is 24.11.0). */
const parts = (version: string) => [0, 1, 2].map((i) => Number(version.split('.')[i] ?? 0));
function atLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
}

describe('runtimes.json', () => {
  it('is what the suite runs on (npm run scripts use node_modules/.bin/node, linked to the Node that installed the tree)', () => {
    // test:electron-node runs only test/main, so this file always runs on the development Node.
    expect(process.versions.node).toBe(runtimes.node.version);
  });

  it('is the version .nvmrc gives nvm, fnm and CI set-up actions', () => {
    expect(read('.nvmrc').trim()).toBe(runtimes.node.version);
  });

  it('satisfies package.json engines with both Nodes, and engines asks for Node 24', () => {
    const floor = /^>=(\d+\.\d+(?:\.\d+)?)$/.exec(pkg.engines.node)?.[1];
    expect(floor, `engines.node ${pkg.engines.node} should be a plain >=X.Y floor`).toBeDefined();
    expect(parts(floor!)[0]).toBe(24);
    expect(atLeast(runtimes.node.version, floor!)).toBe(true);
    expect(atLeast(runtimes.electron.node, floor!)).toBe(true);
  });

  it('types the code for that Node (@types/node of the same major)', () => {
    expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^?${parts(runtimes.node.version)[0]}\\.`));
  });

  it('pins the Electron that is installed, exactly, and its module ABI', () => {
    expect(pkg.devDependencies.electron).toBe(runtimes.electron.version);
    const installed = JSON.parse(read('node_modules/electron/package.json')) as { version: string };
    expect(installed.version).toBe(runtimes.electron.version);
    expect(Number(read('node_modules/electron/abi_version').trim())).toBe(runtimes.electron.modules);
    // Electron's Node is on the development Node's line, which the one @types/node describes.
    expect(parts(runtimes.electron.node)[0]).toBe(parts(runtimes.node.version)[0]);
  });

  it('pins an npm package and its sha512 integrity for each platform it fetches Node on', () => {
    for (const entry of [...Object.entries(runtimes.node.packages), ...Object.entries(runtimes.electron.nodePackages)]) {
      const [platform, { name, integrity }] = entry;
      expect(name).toBe(`node-${platform}`);
      expect(integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    }
    expect(Object.keys(runtimes.node.packages)).toContain('linux-x64');
    expect(Object.keys(runtimes.electron.nodePackages)).toContain('linux-x64');
  });

  it('is brought by CI itself: npm ci through scripts/with-node, then exactly the README test command', () => {
    const ci = read('.ci/run');
    expect(ci).toMatch(/^scripts\/with-node npm ci\b/m);
    expect(ci).toMatch(/^npm run check$/m);
    expect(read('README.md')).toMatch(/scripts\/with-node npm ci && npm run demo/);
    expect(pkg['scripts' as keyof typeof pkg]).toMatchObject({ check: expect.stringMatching(/&& npm run test:electron-node$/) });
  });
});
