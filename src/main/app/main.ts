/**
 * The Electron entry point (bundled to dist/main/main.cjs by `npm run build:main`): hands
 * Electron's real modules to the app shell and builds the desktop services on them: the sign-in
 * token in safeStorage, the user's settings in electron-store (machine-wide policy on top), the OS
 * file picker and save dialog. Everything with logic lives in app-shell.ts and src/main/desktop,
 * tested with `electron` replaced; this file only wires.
 *
 * The engine runs here, in the main process: during a 2 GiB upload at ~200 MiB/s the event loop's
 * p99 delay stays within ~12 ms of its schedule (`npm run bench:event-loop`, figures in the
 * README), and the window's renderer is a separate process that main never blocks.
 */
import { dirname, join } from 'node:path';
import { app, BrowserWindow, dialog, Menu, net, Notification, powerMonitor, powerSaveBlocker, safeStorage, session, shell, Tray } from 'electron';
import { openDesktopServices } from '../desktop/desktop-services.js';
import { limitHeapSlack } from '../engine/index.js';
import { appOrigin } from './app-origin.js';
import { startApp } from './app-shell.js';
import { readBuildConfig } from './build-config.js';
import { ElectronUserSettingsStore } from './electron-settings-store.js';
import { TokenStore } from './token-store.js';

// Uploads run in this process: keep V8's old generation close to what is live (engine/heap-tuning.ts).
limitHeapSlack();

const appRoot = app.getAppPath();
const pageFile = join(appRoot, 'dist', 'renderer', 'index.html');
const devServer = app.isPackaged ? null : (process.env.DOCKSIDE_DEV_SERVER ?? null);
const log = (message: string, error?: unknown) => console.error(`[dockside] ${message}${error instanceof Error ? `: ${error.message}` : ''}`);

void startApp(
  { app, BrowserWindow, session, shell, powerMonitor, powerSaveBlocker, Tray, Menu, Notification, dialog, net },
  {
    origin: appOrigin(`file://${pageFile}`, devServer),
    preloadPath: join(appRoot, 'dist', 'main', 'preload.cjs'),
    pageFile,
    argv: process.argv,
    cwd: process.cwd(),
    platform: process.platform,
    development: !app.isPackaged,
    trayIcon: join(appRoot, 'dist', 'main', process.platform === 'darwin' ? 'trayTemplate.png' : 'tray.png'),
    log,
    openEngine: async (emit) => {
      let lastPickFolder: string | undefined;
      const home = process.env.DOCKSIDE_HOME ?? app.getPath('userData');
      const signIns = new TokenStore(safeStorage, join(home, 'sign-in.json'), process.platform);
      // `npm start` signs the development build in to the local stack.
      if (!app.isPackaged && process.env.DOCKSIDE_BACKEND_URL && process.env.DOCKSIDE_DEV_TOKEN) {
        signIns.set({ backendUrl: process.env.DOCKSIDE_BACKEND_URL, token: process.env.DOCKSIDE_DEV_TOKEN });
      }
      const services = await openDesktopServices({
        home,
        signIns,
        settingsStore: new ElectronUserSettingsStore(home),
        emit,
        pickFiles: async () => {
          const window = BrowserWindow.getFocusedWindow();
          // Since Electron 43 a dialog without defaultPath opens in Downloads every time (the OS no
          // longer restores the last folder), so the folder of the last pick is passed back in.
          const options = { title: 'Choose files to upload', properties: ['openFile', 'multiSelections'] as Array<'openFile' | 'multiSelections'>, ...(lastPickFolder ? { defaultPath: lastPickFolder } : {}) };
          const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
          if (result.canceled) return [];
          if (result.filePaths[0]) lastPickFolder = dirname(result.filePaths[0]);
          return result.filePaths;
        },
        chooseDiagnosticsFile: async (suggestedName) => {
          const result = await dialog.showSaveDialog({ title: 'Export diagnostics', defaultPath: join(app.getPath('downloads'), suggestedName), filters: [{ name: 'Zip archive', extensions: ['zip'] }] });
          return result.canceled || !result.filePath ? null : result.filePath;
        },
        appVersion: app.getVersion(),
        builtInBackendUrl: readBuildConfig(join(appRoot, 'dist', 'main', 'build-config.json')).backendUrl,
        // Electron's Node reads the OS trust store too (firms' TLS-inspecting proxies put their CA there).
        systemCa: true,
        validate: !app.isPackaged,
        // Only an installed app registers itself to start at login (not the development Electron).
        onSettingsChanged: (values) => {
          if (app.isPackaged) app.setLoginItemSettings({ openAtLogin: values.startAtLogin });
        },
        log,
      });
      return {
        engine: services.manager,
        journal: services.journal,
        addPaths: services.addPaths,
        handlers: services.handlers,
        flush: () => services.transfers.flush(),
        views: () => services.transfers.views(),
        notificationsEnabled: () => services.currentSettings().notifications,
        onUploadSettled: services.onUploadSettled,
        close: () => services.close(),
      };
    },
  },
).catch((error: unknown) => {
  log('Dockside could not start', error);
  app.exit(1);
});
