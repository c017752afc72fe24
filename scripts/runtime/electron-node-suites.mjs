// `npm run test:electron-node`: the main-process suites (the engine, journal, settings, desktop
// services, networking and the Electron glue with `electron` replaced) on the Node inside the
// Electron the app ships (runtimes.json electron.node), which scripts/with-node --electron puts
// first on PATH before this runs. The CLI's suite is left out: the CLI runs on Node 24 itself.
//
// better-sqlite3 is a native module built for one module ABI. When Electron's Node has the
// development Node's ABI (both Node 24: 137) the installed build loads as it is; when it does not,
// it is rebuilt for this Node first and rebuilt back for the development Node afterwards, so the
// tree is left as it was found.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readRuntimes, ROOT } from './node-runtime.mjs';

export const MAIN_PROCESS_SUITES = ['test/main/engine', 'test/main/journal', 'test/main/settings', 'test/main/desktop', 'test/main/net', 'test/main/app', 'test/main/support'];

const runtimes = readRuntimes();
if (process.versions.node !== runtimes.electron.node) {
  process.stderr.write(`This runs on Node ${process.versions.node}, not Electron ${runtimes.electron.version}'s Node ${runtimes.electron.node}: start it with npm run test:electron-node.\n`);
  process.exit(2);
}

function sqliteLoads() {
  try {
    const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch (error) {
    if (/NODE_MODULE_VERSION|ERR_DLOPEN_FAILED|was compiled against a different Node/.test(String(error?.message))) return false;
    throw error;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}).`);
}

const rebuilt = !sqliteLoads();
if (rebuilt) {
  process.stdout.write(`better-sqlite3 was built for another ABI; rebuilding it for Node ${process.versions.node} (ABI ${process.versions.modules})…\n`);
  run('npm', ['rebuild', 'better-sqlite3']);
}
process.stdout.write(`Main-process suites on Node ${process.versions.node} (ABI ${process.versions.modules}), the Node in Electron ${runtimes.electron.version}:\n`);
let status = 1;
try {
  const suites = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...MAIN_PROCESS_SUITES], { cwd: ROOT, stdio: 'inherit' });
  status = suites.status ?? 1;
} finally {
  if (rebuilt) {
    process.stdout.write(`Rebuilding better-sqlite3 back for Node ${runtimes.node.version}…\n`);
    run(join(ROOT, 'scripts', 'with-node'), ['npm', 'rebuild', 'better-sqlite3']);
  }
}
process.exit(status);
