// `npm run test:electron-node`: the main-process suites (the engine, journal, settings, desktop
// services, networking and the Electron glue with `electron` replaced) on the Node inside the
// Electron the app ships (runtimes.json electron.node), which scripts/with-node --electron puts
// first on PATH before this runs. The CLI's suite is left out: the CLI runs on Node 24 itself.
// better-sqlite3 13 is a Node-API module with prebuilt binaries, so the installed one loads here
// as it does in the development Node and in Electron; nothing is rebuilt.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readRuntimes, ROOT } from './node-runtime.mjs';

const MAIN_PROCESS_SUITES = ['test/main/engine', 'test/main/journal', 'test/main/settings', 'test/main/desktop', 'test/main/net', 'test/main/app', 'test/main/support'];

const runtimes = readRuntimes();
if (process.versions.node !== runtimes.electron.node) {
  process.stderr.write(`This runs on Node ${process.versions.node}, not Electron ${runtimes.electron.version}'s Node ${runtimes.electron.node}: start it with npm run test:electron-node.\n`);
  process.exit(2);
}
process.stdout.write(`Main-process suites on Node ${process.versions.node}, the Node in Electron ${runtimes.electron.version} (runtimes.json):\n`);
const suites = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...MAIN_PROCESS_SUITES], { cwd: ROOT, stdio: 'inherit' });
process.exit(suites.status ?? 1);
