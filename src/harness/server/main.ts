/**
 * The development harness: the desktop app's UI in a browser, without the Electron binary. It
 * opens the same desktop services the app opens (real engine, journal, settings, policy,
 * backend), serves the built renderer with a page bridge in place of the preload, resumes what
 * was unfinished, and prints the address. `npm start` runs it against the local stack; the
 * browser tests start it as its own process so they can kill it mid-upload.
 *
 * Environment: DOCKSIDE_UI_PORT (default 5180; 0 picks a free one), DOCKSIDE_HOME (data folder),
 * DOCKSIDE_PICK_DIR (what "Add files" offers, since a browser cannot hand over file paths),
 * DOCKSIDE_DOWNLOADS (where exported diagnostics go), DOCKSIDE_RENDERER_DIR (default dist/renderer).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDir } from '../../main/engine/index.js';
import { openDesktopServices, type DesktopServices } from '../../main/desktop/desktop-services.js';
import { resumeUnfinished } from '../../main/desktop/resume-on-launch.js';
import { JsonFileSettingsStore, settingsFile } from '../../main/settings/index.js';
import { bundleBridge } from './bundle-bridge.js';
import { FileSignInStore } from './file-sign-in-store.js';
import { startHarnessServer, type HarnessServer } from './harness-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Harness {
  readonly url: string;
  readonly services: DesktopServices;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly home: string;
  readonly port: number;
  readonly pickDir: string;
  readonly downloadsDir: string;
  readonly rendererDir?: string;
  readonly log?: (message: string, error?: unknown) => void;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const log = options.log ?? ((message: string, error?: unknown) => console.error(`[harness] ${message}${error ? `: ${(error as Error).message ?? String(error)}` : ''}`));
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  mkdirSync(options.pickDir, { recursive: true });
  mkdirSync(options.downloadsDir, { recursive: true });
  const server: HarnessServer = await startHarnessServer({
    rendererDir: resolve(options.rendererDir ?? join(ROOT, 'dist', 'renderer')),
    bridgeScript: await bundleBridge(),
    port: options.port,
    validate: true,
    log,
  });
  const services = await openDesktopServices({
    home: options.home,
    signIns: new FileSignInStore(join(options.home, 'harness-sign-in.json')),
    settingsStore: new JsonFileSettingsStore(settingsFile(options.home)),
    emit: server.emit,
    pickFiles: async () => filesIn(options.pickDir),
    chooseDiagnosticsFile: async (name) => join(options.downloadsDir, name),
    appVersion: (createRequire(import.meta.url)('../../../package.json') as { version: string }).version,
    validate: true,
    log,
  });
  server.setHandlers(services.handlers);
  if (services.policyError() === null) resumeUnfinished(services.manager, services.journal, log);
  return {
    url: server.url,
    services,
    close: async () => {
      await server.close();
      await services.close();
    },
  };
}

/** The regular files directly in `dir`, by name. */
function filesIn(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile());
}

async function main(): Promise<void> {
  const home = process.env.DOCKSIDE_HOME ?? dataDir();
  const port = Number(process.env.DOCKSIDE_UI_PORT ?? 5180);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`DOCKSIDE_UI_PORT=${process.env.DOCKSIDE_UI_PORT} is not a port number.`);
  const harness = await startHarness({
    home,
    port,
    pickDir: process.env.DOCKSIDE_PICK_DIR ?? join(home, 'pick'),
    downloadsDir: process.env.DOCKSIDE_DOWNLOADS ?? join(home, 'downloads'),
    ...(process.env.DOCKSIDE_RENDERER_DIR ? { rendererDir: process.env.DOCKSIDE_RENDERER_DIR } : {}),
  });
  process.stdout.write(`Dockside UI (development harness): ${harness.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Pauses every transfer cleanly; the next start resumes them from the journal.
    void harness.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`Dockside harness could not start: ${(error as Error).message ?? String(error)}`);
    process.exit(1);
  });
}
