import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import type { TransferLogEntry, TransferRecord, TransferState } from '../../../src/shared/transfer-model.js';
import { record } from './fixtures.js';
import { handlers } from './fake-ipc-main.js';
import type { EventSink } from '../../../src/main/desktop/event-sink.js';
import { TransferBridge } from '../../../src/main/desktop/transfer-bridge.js';
import { FileGrants } from '../../../src/main/desktop/file-grants.js';

vi.mock('electron', async () => ({ ipcMain: (await import('./fake-ipc-main.js')).ipcMain }));

const { startApp } = await import('../../../src/main/app/app-shell.js');
const { appOrigin } = await import('../../../src/main/app/app-origin.js');

type Fn = (...args: never[]) => unknown;
class Emitter {
  readonly listeners = new Map<string, Fn[]>();
  on = vi.fn((event: string, listener: Fn) => {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  });
  once = this.on;
  off = vi.fn();
  emit(event: string, ...args: unknown[]): void {
    for (const l of this.listeners.get(event) ?? []) (l as (...a: unknown[]) => void)(...args);
  }
}

const PAGE_FILE = '/opt/Dockside/resources/app/renderer/index.html';
const PAGE = `file://${PAGE_FILE}`;

function setup(options: { lock?: boolean; argv?: string[]; records?: Array<[string, TransferState]>; pauses?: Record<string, string>; dev?: boolean; quitAnswer?: number } = {}) {
  handlers.clear();
  const app = Object.assign(new Emitter(), {
    isPackaged: true,
    requestSingleInstanceLock: vi.fn((_data?: unknown) => options.lock ?? true),
    quit: vi.fn(),
    whenReady: vi.fn(async () => undefined),
  });
  const windows: Array<Emitter & Record<string, unknown>> = [];
  class FakeWindow extends Emitter {
    readonly webContents = Object.assign(new Emitter(), { isDestroyed: () => false, send: vi.fn() });
    loadFile = vi.fn(async () => undefined);
    loadURL = vi.fn(async () => undefined);
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = vi.fn(() => true);
    isDestroyed = () => false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this as never);
    }
  }
  const session = { webRequest: { onHeadersReceived: vi.fn() }, setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn() };
  const records = new Map<string, TransferRecord>((options.records ?? []).map(([id, state], i) => [id, record({ id, state, createdAt: i })]));
  const engine = Object.assign(new Emitter(), {
    // The engine's `on` returns its own unsubscribe.
    on: vi.fn((_event: string, _listener: Fn) => () => undefined),
    list: () => [...records.values()],
    get: (id: string) => records.get(id) ?? null,
    start: vi.fn((id: string) => {
      if (id === 'busy') throw new DocksideError('TRANSFER_BUSY', 'held elsewhere');
    }),
    pause: vi.fn(async () => undefined),
    pauseAll: vi.fn(async () => undefined),
    cancel: vi.fn(async () => undefined),
  });
  const journal = {
    appendLog: vi.fn(),
    queryLog: vi.fn(({ transferId }: { transferId?: string } = {}): TransferLogEntry[] => {
      const reason = options.pauses?.[transferId ?? ''];
      return reason ? [{ id: 1, transferId: transferId!, at: 1, level: 'info', type: 'transfer.paused', message: 'Paused.', data: { reason } }] : [];
    }),
  };
  const addPaths = vi.fn(async (paths: readonly string[]) => paths.map((p, i) => record({ id: `new${i}`, filePath: p, state: 'queued' })));
  const close = vi.fn(async () => undefined);
  // The real transfer handlers over the fake engine, as desktop-services wires them.
  const openEngine = vi.fn(async (emit: EventSink) => {
    const bridge = new TransferBridge({ engine: engine as never, journal, addPaths, grants: new FileGrants(), emit, validateEvents: true });
    return {
      engine: engine as never,
      journal,
      addPaths,
      handlers: bridge.handlers(),
      flush: () => bridge.flush(),
      views: () => bridge.views(),
      notificationsEnabled: () => true,
      onUploadSettled: vi.fn(() => () => undefined),
      close,
    };
  });
  const trays: FakeTray[] = [];
  class FakeTray {
    setToolTip = vi.fn();
    setContextMenu = vi.fn();
    setTitle = vi.fn();
    on = vi.fn();
    destroy = vi.fn();
    constructor(readonly image: string) {
      trays.push(this);
    }
  }
  const dialog = { showMessageBox: vi.fn(async (_options: unknown) => ({ response: options.quitAnswer ?? 0, checkboxChecked: false })) };
  const net = { isOnline: vi.fn(() => true) };
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    session: { defaultSession: session },
    shell: { openExternal: vi.fn(async () => undefined) },
    powerMonitor: new Emitter(),
    powerSaveBlocker: { start: vi.fn(() => 1), stop: vi.fn(), isStarted: () => true },
    Tray: FakeTray,
    Menu: { buildFromTemplate: vi.fn((template: unknown[]) => ({ template })) },
    Notification: Object.assign(class { show = vi.fn(); on = vi.fn(); }, { isSupported: () => true }),
    dialog,
    net,
  };
  const log = vi.fn();
  const run = () =>
    startApp(electron as never, {
      origin: appOrigin(PAGE, options.dev ? 'http://127.0.0.1:5173' : null),
      preloadPath: '/opt/Dockside/resources/app/preload.cjs',
      pageFile: PAGE_FILE,
      argv: options.argv ?? ['/opt/Dockside/dockside'],
      cwd: '/home/ann',
      platform: 'linux',
      development: true,
      trayIcon: '/opt/Dockside/resources/app/dist/main/tray.png',
      onlinePollMs: 10,
      openEngine,
      log,
    });
  return { app, windows, session, engine, journal, addPaths, close, openEngine, electron, run, log, trays, dialog, net };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

beforeEach(() => vi.clearAllMocks());

describe('startApp', () => {
  it('a second instance hands its files to the first and quits before opening anything', async () => {
    const s = setup({ lock: false, argv: ['/opt/Dockside/dockside', '--flag', '/data/big.iso'] });
    await expect(s.run()).resolves.toBeNull();
    expect(s.app.requestSingleInstanceLock).toHaveBeenCalledWith({ files: ['/data/big.iso'] });
    expect(s.app.quit).toHaveBeenCalled();
    expect(s.openEngine).not.toHaveBeenCalled();
    expect(s.windows).toHaveLength(0);
  });

  it('hardens the session, opens one secure window on our page and registers the handlers', async () => {
    const s = setup();
    const running = await s.run();
    expect(running).not.toBeNull();
    expect(s.session.webRequest.onHeadersReceived).toHaveBeenCalledOnce();
    expect(s.session.setPermissionRequestHandler).toHaveBeenCalledOnce();
    expect(s.session.setPermissionCheckHandler).toHaveBeenCalledOnce();
    expect(s.windows).toHaveLength(1);
    const window = s.windows[0]! as unknown as { options: { webPreferences: Record<string, unknown> }; loadFile: ReturnType<typeof vi.fn>; show: ReturnType<typeof vi.fn> };
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, preload: '/opt/Dockside/resources/app/preload.cjs' });
    expect(window.loadFile).toHaveBeenCalledWith(PAGE_FILE);
    s.windows[0]!.emit('ready-to-show');
    expect(window.show).toHaveBeenCalled();
    expect([...handlers.keys()]).toEqual(expect.arrayContaining(['transfers:list', 'transfers:add', 'log:query']));
  });

  it('loads the dev server in development', async () => {
    const s = setup({ dev: true });
    await s.run();
    expect((s.windows[0] as unknown as { loadURL: ReturnType<typeof vi.fn> }).loadURL).toHaveBeenCalledWith('http://127.0.0.1:5173/');
  });

  it('guards every webContents Electron creates', async () => {
    const s = setup();
    await s.run();
    const contents = { on: vi.fn(), setWindowOpenHandler: vi.fn() };
    s.app.emit('web-contents-created', {}, contents);
    expect(contents.setWindowOpenHandler).toHaveBeenCalledOnce();
    expect(contents.on.mock.calls.map(([name]) => name)).toEqual(expect.arrayContaining(['will-navigate', 'will-redirect']));
  });

  it('answers IPC from its window only', async () => {
    const s = setup({ records: [['a1', 'paused']] });
    await s.run();
    const ours = { sender: s.windows[0]!.webContents, senderFrame: { parent: null, url: PAGE } };
    const other = { sender: { id: 99 }, senderFrame: { parent: null, url: PAGE } };
    await expect(handlers.get('transfers:list')!(ours)).resolves.toMatchObject({ ok: true });
    await expect(handlers.get('transfers:list')!(other)).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('resumes at launch what a crash or a quit stopped, not what the user paused or what failed', async () => {
    const s = setup({
      records: [['crashed', 'running'], ['quit', 'paused'], ['user', 'paused'], ['failed', 'failed'], ['busy', 'queued']],
      pauses: { quit: 'shutdown', user: 'pause' },
    });
    await s.run();
    expect(s.engine.start.mock.calls.map(([id]) => id)).toEqual(['crashed', 'quit', 'busy']);
    expect(s.log).toHaveBeenCalledWith('Transfer busy not resumed', expect.any(DocksideError));
    expect(s.journal.appendLog.mock.calls.map(([entry]) => (entry as { transferId: string }).transferId)).toEqual(['crashed', 'quit']);
  });

  it('adds and starts the files it was launched with, and files a second launch hands over', async () => {
    const s = setup({ argv: ['/opt/Dockside/dockside', '/data/a.bin'] });
    await s.run();
    await flush();
    expect(s.addPaths).toHaveBeenCalledWith(['/data/a.bin']);
    expect(s.engine.start).toHaveBeenCalledWith('new0');
    const window = s.windows[0]! as unknown as { restore: ReturnType<typeof vi.fn>; focus: ReturnType<typeof vi.fn> };
    s.app.emit('second-instance', {}, [], '/', { files: ['/data/b.bin'] });
    s.app.emit('second-instance', {}, [], '/', { files: 'not ours' });
    await flush();
    expect(window.restore).toHaveBeenCalledTimes(2);
    expect(window.focus).toHaveBeenCalledTimes(2);
    expect(s.addPaths).toHaveBeenCalledTimes(2);
    expect(s.addPaths).toHaveBeenLastCalledWith(['/data/b.bin']);
  });

  it('holds the quit until the engine has paused and closed, then quits for real', async () => {
    const s = setup();
    const running = (await s.run())!;
    const first = { preventDefault: vi.fn() };
    s.app.emit('before-quit', first);
    expect(first.preventDefault).toHaveBeenCalled();
    s.app.emit('before-quit', { preventDefault: vi.fn() });
    await running.closed;
    expect(s.close).toHaveBeenCalledOnce();
    expect(handlers.size).toBe(0);
    expect(s.app.quit).toHaveBeenCalledOnce();
    const last = { preventDefault: vi.fn() };
    s.app.emit('before-quit', last);
    expect(last.preventDefault).not.toHaveBeenCalled();
  });

  it('still closes the engine when an earlier shutdown step throws', async () => {
    const s = setup();
    s.engine.on.mockImplementation(() => () => {
      throw new Error('listener removal failed');
    });
    const running = (await s.run())!;
    s.app.emit('before-quit', { preventDefault: vi.fn() });
    await running.closed;
    expect(s.close).toHaveBeenCalledOnce();
    expect(s.log).toHaveBeenCalledWith('Shutting down power failed', expect.any(Error));
    expect(s.app.quit).toHaveBeenCalledOnce();
  });

  it('keeps uploading in the tray when the window closes, and the tray shows it again', async () => {
    const s = setup();
    await s.run();
    s.app.emit('window-all-closed');
    expect(s.app.quit).not.toHaveBeenCalled();
    expect(s.trays).toHaveLength(1);
    expect(s.trays[0]!.image).toBe('/opt/Dockside/resources/app/dist/main/tray.png');
    expect(s.trays[0]!.setToolTip).toHaveBeenCalledWith(expect.stringMatching(/^Dockside: /));
    const menu = s.trays[0]!.setContextMenu.mock.calls.at(-1)![0] as { template: Array<{ label?: string; click?: () => void }> };
    expect(menu.template.map((item) => item.label).filter(Boolean)).toEqual(['Show Dockside', 'Pause all uploads', 'Resume all uploads', 'Quit Dockside']);
    menu.template.find((item) => item.label === 'Show Dockside')!.click!();
    expect((s.windows[0] as unknown as { show: ReturnType<typeof vi.fn> }).show).toHaveBeenCalled();
    menu.template.find((item) => item.label === 'Pause all uploads')!.click!();
    expect(s.engine.pauseAll).toHaveBeenCalled();
    menu.template.find((item) => item.label === 'Quit Dockside')!.click!();
    expect(s.app.quit).toHaveBeenCalledOnce();
  });

  it('asks before quitting while uploads run; "keep uploading" keeps everything running', async () => {
    const s = setup({ records: [['up', 'running']], quitAnswer: 1 });
    const running = (await s.run())!;
    const event = { preventDefault: vi.fn() };
    s.app.emit('before-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(s.dialog.showMessageBox).toHaveBeenCalledWith(expect.objectContaining({ buttons: ['Pause uploads and quit', 'Keep uploading'], cancelId: 1 }));
    await flush();
    expect(s.close).not.toHaveBeenCalled();
    expect(s.app.quit).not.toHaveBeenCalled();
    expect(running.window()).not.toBeNull();
  });

  it('"pause uploads and quit" pauses the engine cleanly, then quits', async () => {
    const s = setup({ records: [['up', 'running']], quitAnswer: 0 });
    const running = (await s.run())!;
    s.app.quit.mockImplementation(() => s.app.emit('before-quit', { preventDefault: vi.fn() }));
    s.app.emit('before-quit', { preventDefault: vi.fn() });
    await running.closed;
    expect(s.dialog.showMessageBox).toHaveBeenCalledOnce();
    expect(s.close).toHaveBeenCalledOnce();
  });

  it('does not ask when the system is shutting down (the uploads resume at the next start)', async () => {
    const s = setup({ records: [['up', 'running']] });
    const running = (await s.run())!;
    (s.electron.powerMonitor as Emitter).emit('shutdown');
    s.app.emit('before-quit', { preventDefault: vi.fn() });
    await running.closed;
    expect(s.dialog.showMessageBox).not.toHaveBeenCalled();
    expect(s.close).toHaveBeenCalledOnce();
  });

  it('adds files macOS opens with Dockside (open-file), even before it is ready', async () => {
    const s = setup();
    const event = { preventDefault: vi.fn() };
    const started = s.run();
    s.app.emit('open-file', event, '/Users/ann/big.mov');
    await started;
    await flush();
    expect(event.preventDefault).toHaveBeenCalled();
    expect(s.addPaths).toHaveBeenCalledWith(['/Users/ann/big.mov']);
  });

  it('pauses what moves when the network goes and resumes it when it returns', async () => {
    const s = setup({ records: [['up', 'running']] });
    await s.run();
    s.net.isOnline.mockReturnValue(false);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(s.engine.pauseAll).toHaveBeenCalledWith('shutdown');
    s.engine.start.mockClear();
    s.net.isOnline.mockReturnValue(true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(s.engine.start).toHaveBeenCalledWith('up');
  });
});
