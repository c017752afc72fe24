// scripts/with-node runs a command on the Node runtimes.json names for a role: that Node first
// on PATH, and node-gyp pointed at its headers (npm_config_nodedir) so native modules are built
// for it. Here in a copy of the scripts with a runtimes.json of its own, whose Nodes are small
// stand-ins given through DOCKSIDE_NODE / DOCKSIDE_ELECTRON_NODE (fetching is node-runtime.test.ts).
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let root: string;

/** A folder shaped like a Node install whose bin/node says it is `version` and echoes its PATH head and nodedir. */
function fakeNode(name: string, version: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(
    join(dir, 'bin', 'node'),
    `#!/bin/sh\nif [ "$1" = --version ]; then echo v${version}; else echo "v${version} \${PATH%%:*} $npm_config_nodedir"; fi\n`,
  );
  chmodSync(join(dir, 'bin', 'node'), 0o755);
  return dir;
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dockside-with-node-'));
  mkdirSync(join(root, 'scripts', 'runtime'), { recursive: true });
  copyFileSync(join(ROOT, 'scripts', 'with-node'), join(root, 'scripts', 'with-node'));
  chmodSync(join(root, 'scripts', 'with-node'), 0o755);
  copyFileSync(join(ROOT, 'scripts', 'runtime', 'node-runtime.mjs'), join(root, 'scripts', 'runtime', 'node-runtime.mjs'));
  writeFileSync(
    join(root, 'runtimes.json'),
    JSON.stringify({ node: { version: '24.99.1', packages: {} }, electron: { version: '45.6.1', node: '24.99.0', nodePackages: {} } }),
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function withNode(args: string[], env: Record<string, string>) {
  return spawnSync(join(root, 'scripts', 'with-node'), args, { encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('scripts/with-node', () => {
  it('runs the command with the development Node first on PATH and node-gyp pointed at its folder', () => {
    const dev = fakeNode('dev', '24.99.1');
    const run = withNode(['node', '-p', 'x'], { DOCKSIDE_NODE: dev });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`v24.99.1 ${dev}/bin ${dev}`);
  });

  it('runs on the Node inside Electron with --electron', () => {
    const electron = fakeNode('electron', '24.99.0');
    const run = withNode(['--electron', 'node', '-p', 'x'], { DOCKSIDE_ELECTRON_NODE: electron });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`v24.99.0 ${electron}/bin ${electron}`);
  });

  it('stops with the fetcher’s message, running nothing, when the Node it is given is the wrong one', () => {
    const wrong = fakeNode('wrong', '20.20.2');
    const run = withNode(['sh', '-c', 'echo ran'], { DOCKSIDE_NODE: wrong });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('is v20.20.2, not Node 24.99.1');
  });

  it('starts from the machine’s Node even inside an npm script, whose node_modules/.bin/node may be another', () => {
    const dev = fakeNode('dev', '24.99.1');
    const shadow = join(root, 'node_modules', '.bin');
    mkdirSync(shadow, { recursive: true });
    writeFileSync(join(shadow, 'node'), '#!/bin/sh\necho "the shadow ran" >&2; exit 42\n');
    chmodSync(join(shadow, 'node'), 0o755);
    const run = withNode(['node', '-p', 'x'], { DOCKSIDE_NODE: dev, PATH: `${shadow}:${process.env.PATH}` });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('the shadow ran');
  });

  it('says how to use it when given no command', () => {
    const run = withNode([], {});
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/usage: scripts\/with-node \[--electron\] COMMAND/);
  });
});
