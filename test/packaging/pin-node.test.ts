// The root postinstall (scripts/runtime/pin-node.mjs) links node_modules/.bin/node to the Node
// that ran the install, so `npm run` scripts, which npm starts with node_modules/.bin first on
// PATH, run on the Node better-sqlite3 was built for even when the shell's own node is another.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let root: string;
let script: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'dockside-pin-node-'));
  mkdirSync(join(root, 'scripts', 'runtime'), { recursive: true });
  script = join(root, 'scripts', 'runtime', 'pin-node.mjs');
  copyFileSync(join(ROOT, 'scripts', 'runtime', 'pin-node.mjs'), script);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function run(event: string | undefined) {
  const env = { ...process.env };
  delete env.npm_lifecycle_event;
  if (event) env.npm_lifecycle_event = event;
  return spawnSync(process.execPath, [script], { encoding: 'utf8', env });
}
const link = () => join(root, 'node_modules', '.bin', 'node');

describe('pin-node', () => {
  it('links node_modules/.bin/node to the installing Node, and says which', () => {
    const result = run('postinstall');
    expect(result.status, result.stderr).toBe(0);
    expect(readlinkSync(link())).toBe(process.execPath);
    expect(result.stdout).toContain(`run on Node ${process.versions.node}`);
    // Idempotent.
    expect(run('postinstall').status).toBe(0);
    expect(readlinkSync(link())).toBe(process.execPath);
  });

  it('replaces a link to another Node', () => {
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    symlinkSync('/usr/bin/some-other-node', link());
    expect(run('postinstall').status).toBe(0);
    expect(readlinkSync(link())).toBe(process.execPath);
  });

  it('does nothing outside npm postinstall (importing or running it by hand changes no tree)', () => {
    expect(run(undefined).status).toBe(0);
    expect(existsSync(link())).toBe(false);
  });

  it('is the root package postinstall', async () => {
    const { default: pkg } = (await import('../../package.json', { with: { type: 'json' } })) as { default: { scripts: Record<string, string> } };
    expect(pkg.scripts.postinstall).toBe('node scripts/runtime/pin-node.mjs');
  });
});
