// bin/dockside.js, the installed command, refuses an older Node with a message saying what to do,
// before loading anything: on Node 20, better-sqlite3 13 crashes the process with a segmentation
// fault instead. The older Node is played by rewriting process.versions before the script runs.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function runAs(nodeVersion: string) {
  const pretend = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '${nodeVersion}' } });`;
  return spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(pretend)}`, join(ROOT, 'bin', 'dockside.js'), '--version'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
}

describe('bin/dockside.js on an older Node', () => {
  it.each(['20.20.2', '22.20.0', '24.10.0'])('stops on Node %s, naming the Node it needs and the one it found', (version) => {
    const run = runAs(version);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`dockside needs Node 24.11 or later; this is Node ${version} (${process.execPath})`);
    expect(run.stderr).toContain('nvm install 24');
  });

  it('enforces the floor package.json engines gives', async () => {
    const { default: pkg } = (await import('../../package.json', { with: { type: 'json' } })) as { default: { engines: { node: string } } };
    expect(pkg.engines.node).toBe('>=24.11');
  });

  it('runs on Node 24.11 and later', () => {
    const run = runAs('24.11.0');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
