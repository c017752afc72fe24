// scripts/runtime/check-electron.mjs reads the Electron binary's own process.versions and refuses
// to let `npm run dist` package an app whose Electron, Node, Chromium or ABI is not the one
// runtimes.json names (and the main-process suites ran on). The binary is not downloadable here,
// so a stand-in prints what Electron 45 would, the way ELECTRON_RUN_AS_NODE=1 electron -p does.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareElectron, readElectronVersions } from '../../scripts/runtime/check-electron.mjs';
// @ts-expect-error plain JavaScript, no declarations
import { readRuntimes } from '../../scripts/runtime/node-runtime.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const runtimes = readRuntimes();
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-electron-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An executable that answers `-p JSON.stringify(process.versions)` with `versions`, and only under ELECTRON_RUN_AS_NODE=1. */
function fakeElectron(versions: Record<string, string>): string {
  const bin = join(dir, 'electron');
  writeFileSync(bin, `#!/bin/sh\n[ "$ELECTRON_RUN_AS_NODE" = 1 ] || { echo "not as node" >&2; exit 9; }\necho '${JSON.stringify(versions)}'\n`);
  chmodSync(bin, 0o755);
  return bin;
}

const matching = () => ({ electron: runtimes.electron.version, node: runtimes.electron.node, chrome: runtimes.electron.chromium, modules: String(runtimes.electron.modules), v8: '15.x' });

function check(binary: string) {
  return spawnSync(process.execPath, [join(ROOT, 'scripts/runtime/check-electron.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, DOCKSIDE_ELECTRON_BINARY: binary },
  });
}

describe('check-electron', () => {
  it('reads the versions from the binary run as Node', () => {
    expect(readElectronVersions(fakeElectron(matching()))).toEqual(matching());
  });

  it('passes when the binary is what runtimes.json says', () => {
    expect(compareElectron(matching(), runtimes)).toEqual([]);
    const run = check(fakeElectron(matching()));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Electron ${runtimes.electron.version}: Node ${runtimes.electron.node}, Chromium ${runtimes.electron.chromium}`);
  });

  it('fails, naming each difference and what to update, when the Node inside Electron is another', () => {
    const run = check(fakeElectron({ ...matching(), node: '24.23.0', modules: '151' }));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`its Node is 24.23.0, runtimes.json's electron.node says ${runtimes.electron.node}`);
    expect(run.stderr).toContain(`its module ABI is 151, runtimes.json says ${runtimes.electron.modules}`);
    expect(run.stderr).toMatch(/Update runtimes\.json .* npm run test:electron-node/);
  });

  it('fails with a clear message where the binary is missing', () => {
    const run = check(join(dir, 'no-such-electron'));
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/did not run/);
  });

  it('runs before anything is packaged', () => {
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.dist).toMatch(/^npm run check:electron && /);
  });
});
