// `npm start`: the desktop app against the local stack. With the Electron binary it builds the app
// (renderer, main, preload) and launches it; the electron package downloads its binary the first
// time it is asked for it (since Electron 42, not at install). With ELECTRON_SKIP_BINARY_DOWNLOAD=1
// (these machines cannot download it), or when the download fails, it serves the same UI to a browser
// through the development harness (the same desktop services and IPC contract over loopback) and
// prints the address. Either way the app is signed in to the local stack's development user, and
// "Choose files…" in the harness offers the files in .dockside-local/app/pick (a sample is put
// there). Ctrl-C pauses the uploads (they resume on the next start) and stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { FileSignInStore } from '../src/harness/server/file-sign-in-store.js';
import { startHarness } from '../src/harness/server/main.js';
import { startLocalStack } from './local-stack.js';
import { electronBinary } from './runtime/check-electron.mjs';

const root = resolve(import.meta.dirname, '..');
const localDir = join(root, '.dockside-local');
const home = process.env.DOCKSIDE_HOME ?? join(localDir, 'app');
const pickDir = process.env.DOCKSIDE_PICK_DIR ?? join(home, 'pick');

function run(args: string[]): void {
  const result = spawnSync('npm', ['run', '-s', ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run ${args.join(' ')} failed.`);
}


process.stdout.write('Starting the local stack (moto_server, the Dockside template, the backend and its jobs)…\n');
const local = await startLocalStack({ dir: localDir });
mkdirSync(pickDir, { recursive: true });
const sample = join(pickDir, 'sample-48MiB.bin');
if (!existsSync(sample)) writeFileSync(sample, randomBytes(48 * 1024 * 1024));
mkdirSync(home, { recursive: true, mode: 0o700 });

const electron = electronBinary();
if (electron) {
  run(['build']);
  const child = spawn(electron, [root], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DOCKSIDE_HOME: home, DOCKSIDE_BACKEND_URL: local.backendUrls[0], DOCKSIDE_DEV_TOKEN: local.token },
  });
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  child.on('exit', (code) => void local.stop().finally(() => process.exit(code ?? 0)));
} else {
  run(['build:renderer']);
  // Signed in already: a newcomer's first upload is one click away (Settings shows how to sign out).
  new FileSignInStore(join(home, 'harness-sign-in.json')).set({ backendUrl: local.backendUrls[0]!, token: local.token });
  const harness = await startHarness({
    home,
    port: Number(process.env.DOCKSIDE_UI_PORT ?? 5180),
    pickDir,
    downloadsDir: join(home, 'downloads'),
  });
  process.stdout.write(
    [
      '',
      `  Dockside UI   ${harness.url}   (development harness: no Electron binary here; open it in a browser)`,
      `  backend       ${local.backendUrls[0]}   signed in as "${local.user}"`,
      `  add files     put them in ${pickDir}, then "Choose files…" (a 48 MiB sample is there)`,
      `  diagnostics   saved to ${join(home, 'downloads')}`,
      '',
      'Ctrl-C pauses the uploads (the next start resumes them) and stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  process.once('SIGINT', () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nPausing the uploads and stopping the local stack (the backend drains its jobs; up to half a minute)…\n');
    void harness
      .close()
      .then(() => local.stop())
      .finally(() => process.exit(0));
  });
}
