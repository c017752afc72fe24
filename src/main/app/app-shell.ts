/**
 * The app's lifecycle with Electron's objects and the engine injected: single-instance lock,
 * hardening of every webContents and the session, IPC handlers, the main window, power
 * behaviour, resuming unfinished transfers at launch, and a clean shutdown (the engine pauses
 * so the journal is consistent). The real entry point (main.ts, still to write) passes
 * `electron`'s modules and the engine built by the composition root; tests pass fakes.
 */
import type { App, BrowserWindow, BrowserWindowConstructorOptions, Dialog, Menu, NativeImage, Net, PowerMonitor, PowerSaveBlocker, Session, Shell, Tray, WebContents } from 'electron';
import type { UploadView } from '../../shared/backend-api.js';
import type { TransferView } from '../../shared/ipc-contract.js';
import { DocksideError } from '../../shared/errors.js';
import type { TransferRecord } from '../../shared/transfer-model.js';
import type { UploadJournal } from '../engine/index.js';
import type { AppOrigin } from './app-origin.js';
import type { HandlerMap } from '../desktop/dispatch.js';
import type { EventSink } from '../desktop/event-sink.js';
import type { TransferEngine } from '../desktop/transfer-bridge.js';
import { handleAll, windowsSink, type HandleOptions } from './ipc-main.js';
import { filesFromArgv, parseHandoff } from './launch.js';
import { resumeUnfinished } from '../desktop/resume-on-launch.js';
import { PowerCoordinator } from './power.js';
import { Notifier, type NotifierOptions } from './notifications.js';
import { TrayController } from './tray.js';
import { denyAllPermissions, guardWebContents, installContentSecurityPolicy, mainWindowOptions } from './window.js';

/** The parts of `electron` the shell uses (the real modules satisfy it). */
export interface ElectronModules {
  readonly app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'whenReady' | 'on' | 'isPackaged'>;
  readonly Tray: new (image: string | NativeImage) => Pick<Tray, 'setToolTip' | 'setContextMenu' | 'setTitle' | 'on' | 'destroy'>;
  readonly Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  readonly Notification: NotifierOptions['Notification'];
  readonly dialog: Pick<Dialog, 'showMessageBox'>;
  readonly net: Pick<Net, 'isOnline'>;
  readonly BrowserWindow: new (options: BrowserWindowConstructorOptions) => Pick<
    BrowserWindow,
    'webContents' | 'loadFile' | 'loadURL' | 'once' | 'on' | 'show' | 'focus' | 'isMinimized' | 'restore' | 'isDestroyed'
  >;
  readonly session: { readonly defaultSession: Pick<Session, 'webRequest' | 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'> };
  readonly shell: Pick<Shell, 'openExternal'>;
  readonly powerMonitor: Pick<PowerMonitor, 'on' | 'off'>;
  readonly powerSaveBlocker: Pick<PowerSaveBlocker, 'start' | 'stop' | 'isStarted'>;
}

/** The engine as the app uses it, built by the composition root once the app is ready. */
export interface AppEngine {
  readonly engine: TransferEngine;
  readonly journal: Pick<UploadJournal, 'queryLog' | 'appendLog'>;
  readonly addPaths: (paths: readonly string[]) => Promise<TransferRecord[]>;
  /** The contract's request handlers (src/main/desktop/desktop-services.ts builds them all). */
  readonly handlers: Partial<HandlerMap>;
  /** Sends the transfer list to the window now (it finished loading). */
  flush(): void;
  /** The transfers as the window shows them (for the tray). */
  views(): readonly TransferView[];
  /** Whether the user (or IT) wants OS notifications, at the moment. */
  notificationsEnabled(): boolean;
  /** Calls `listener` when the backend settles an upload of this run (available or failed). */
  onUploadSettled(listener: (record: TransferRecord, upload: UploadView) => void): () => void;
  /** Stops the events, pauses everything (resumable) and closes the journal. */
  close(): Promise<void>;
}

export interface AppShellOptions {
  readonly origin: AppOrigin;
  /** Absolute path of the bundled preload. */
  readonly preloadPath: string;
  /** Absolute path of index.html, loaded when there is no dev server. */
  readonly pageFile: string;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly platform: NodeJS.Platform;
  /** Development: validate IPC responses and events against the contract. */
  readonly development: boolean;
  /** The tray icon's image file. */
  readonly trayIcon: string;
  /** How often to ask the OS whether the network is up (default 5 s). */
  readonly onlinePollMs?: number;
  /** Builds the engine and services; `emit` carries their events to the window. */
  readonly openEngine: (emit: EventSink) => Promise<AppEngine>;
  readonly log: (message: string, error?: unknown) => void;
}

export interface RunningApp {
  readonly window: () => Pick<BrowserWindow, 'webContents' | 'isDestroyed'> | null;
  readonly engine: AppEngine;
  readonly power: PowerCoordinator;
  readonly tray: TrayController;
  /** Resolves when the shutdown (engine paused and closed) has finished. */
  readonly closed: Promise<void>;
}

/**
 * Starts the app. Returns null when another instance holds the lock: this one hands over its
 * files and quits.
 */
export async function startApp(electron: ElectronModules, options: AppShellOptions): Promise<RunningApp | null> {
  const { app } = electron;
  const files = filesFromArgv(options.argv, { isPackaged: app.isPackaged, cwd: options.cwd });
  if (!app.requestSingleInstanceLock({ files })) {
    app.quit();
    return null;
  }

  // Every webContents, including any a bug or an exploit might create, stays on our page.
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, { origin: options.origin, openExternal: (url) => electron.shell.openExternal(url), onBlocked: (what, url) => options.log(`Blocked ${what}: ${url}`) });
  });

  let window: ReturnType<typeof createWindow> | null = null;
  const pendingFiles: string[] = [...files];
  let adding: Promise<void> = Promise.resolve();
  let engineReady: AppEngine | null = null;
  const addFiles = (paths: readonly string[]) => {
    if (paths.length === 0) return;
    if (!engineReady) {
      pendingFiles.push(...paths);
      return;
    }
    const ready = engineReady;
    adding = adding.then(async () => {
      try {
        for (const record of await ready.addPaths(paths)) startQuietly(ready.engine, record.id, options.log);
      } catch (error) {
        options.log('Adding files handed to Dockside failed', error);
      }
    });
  };
  const showWindow = () => {
    if (!window || window.isDestroyed()) {
      // Closed to the tray: open it again (only once the app is ready and the engine is open).
      if (engineReady) window = openWindow();
      return;
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  app.on('second-instance', (_event, _argv, _cwd, additionalData) => {
    showWindow();
    addFiles(parseHandoff(additionalData));
  });
  // macOS: files dropped on the Dock icon or opened with Dockside (may come before 'ready').
  app.on('open-file', (event, path) => {
    event.preventDefault();
    addFiles([path]);
  });

  await app.whenReady();
  const session = electron.session.defaultSession;
  installContentSecurityPolicy(session, options.origin);
  denyAllPermissions(session);

  const ourContents = () => (window && !window.isDestroyed() ? [window.webContents] : []);
  const opened = await options.openEngine(windowsSink(ourContents));
  engineReady = opened;
  const handleOptions: HandleOptions = {
    policy: { origin: options.origin, isOurWebContents: (contents: WebContents) => ourContents().includes(contents) },
    validateResponses: options.development,
    onError: (channel, error) => options.log(`IPC ${channel} failed`, error),
  };
  const unregister = handleAll(opened.handlers, handleOptions);
  const power = new PowerCoordinator({ engine: opened.engine, blocker: electron.powerSaveBlocker, monitor: electron.powerMonitor, onLog: (m) => options.log(m) });

  const openWindow = () => {
    const created = createWindow(electron, options);
    created.webContents.on('did-finish-load', () => opened.flush());
    return created;
  };
  window = openWindow();
  app.on('activate', showWindow);

  const tray = new TrayController({
    Tray: electron.Tray,
    Menu: electron.Menu,
    icon: options.trayIcon,
    platform: options.platform,
    views: () => opened.views(),
    subscribe: (onChange) => {
      const offs = [opened.engine.on('progress', onChange), opened.engine.on('state', onChange)];
      return () => offs.forEach((off) => off());
    },
    actions: {
      show: showWindow,
      pauseAll: () => void opened.engine.pauseAll().catch((error: unknown) => options.log('Pause all failed', error)),
      resumeAll: () => {
        for (const record of opened.engine.list()) if (record.state === 'paused' || record.state === 'queued') startQuietly(opened.engine, record.id, options.log);
      },
      quit: () => app.quit(),
    },
  });
  const notifier = new Notifier({ Notification: electron.Notification, enabled: () => opened.notificationsEnabled(), engine: opened.engine, onClick: showWindow });
  const offSettled = opened.onUploadSettled((record, upload) => notifier.settled(record, upload));
  // Network gone: pause cleanly (the parts in flight would only fail); back: resume what was moving.
  let online = electron.net.isOnline();
  const onlineTimer = setInterval(() => {
    const now = electron.net.isOnline();
    if (now !== online) power.setOnline(now);
    online = now;
  }, options.onlinePollMs ?? 5000);
  let systemShutdown = false;
  electron.powerMonitor.on('shutdown', () => (systemShutdown = true));

  resumeUnfinished(opened.engine, opened.journal, options.log);
  addFiles(pendingFiles.splice(0));

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let shutdown: 'no' | 'asking' | 'running' | 'done' = 'no';
  let quitConfirmed = false;
  app.on('before-quit', (event) => {
    if (shutdown === 'done') return;
    // Hold the quit until the engine has paused: parts in flight end, the journal is consistent.
    event.preventDefault();
    if (shutdown === 'running' || shutdown === 'asking') return;
    const uploading = opened.engine.list().filter((r) => r.state === 'running' || r.state === 'queued' || r.state === 'completing').length;
    if (uploading > 0 && !quitConfirmed && !systemShutdown) {
      // Ask first; the OS shutting down does not wait for an answer (and the uploads resume next time anyway).
      shutdown = 'asking';
      void electron.dialog
        .showMessageBox({
          type: 'question',
          buttons: ['Pause uploads and quit', 'Keep uploading'],
          defaultId: 1,
          cancelId: 1,
          message: uploading === 1 ? 'An upload is still running.' : `${uploading} uploads are still running.`,
          detail: 'If you quit, they pause and carry on where they stopped the next time Dockside starts.',
        })
        .then(({ response }) => {
          shutdown = 'no';
          if (response === 0) {
            quitConfirmed = true;
            app.quit();
          }
        })
        .catch((error: unknown) => {
          shutdown = 'no';
          options.log('Asking before quitting failed', error);
        });
      return;
    }
    shutdown = 'running';
    void (async () => {
      // Each step on its own: a failure in one must not keep the engine from pausing.
      const steps: Array<[string, () => unknown]> = [
        ['IPC', unregister],
        ['power', () => power.dispose()],
        ['the network watch', () => clearInterval(onlineTimer)],
        ['notifications', () => (offSettled(), notifier.dispose())],
        ['the tray', () => tray.dispose()],
        ['adding files', () => adding],
        ['the engine', () => opened.close()],
      ];
      try {
        for (const [what, step] of steps) {
          try {
            await step();
          } catch (error) {
            options.log(`Shutting down ${what} failed`, error);
          }
        }
      } finally {
        shutdown = 'done';
        resolveClosed();
        app.quit();
      }
    })();
  });
  app.on('window-all-closed', () => {
    // Closing the window does not stop the uploads: Dockside stays in the tray (and on macOS in
    // the Dock) until Quit, which asks first while anything is uploading.
  });

  return { window: () => window, engine: opened, power, tray, closed };
}

function createWindow(electron: ElectronModules, options: AppShellOptions) {
  const window = new electron.BrowserWindow(mainWindowOptions(options.preloadPath));
  window.once('ready-to-show', () => window.show());
  const load = options.origin.devServerOrigin ? window.loadURL(`${options.origin.devServerOrigin}/`) : window.loadFile(options.pageFile);
  load.catch((error: unknown) => options.log('Loading the window failed', error));
  return window;
}

function startQuietly(engine: Pick<TransferEngine, 'start'>, id: string, log: AppShellOptions['log']): void {
  try {
    engine.start(id);
  } catch (error) {
    if (!(error instanceof DocksideError)) throw error;
    log(`Transfer ${id} not started: ${error.message}`);
  }
}
