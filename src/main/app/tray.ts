/**
 * The tray icon: overall progress in its tooltip (and, on macOS, as the menu-bar title), and a
 * menu to show the window, pause or resume everything, and quit. Driven by engine events,
 * throttled to one update a second. Electron's Tray and Menu are injected; tests use fakes.
 */
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { TransferView } from '../../shared/ipc-contract.js';
import { overallProgress } from '../../shared/overall-progress.js';
import { formatBytes, formatEta, formatPercent, formatRate } from '../../shared/units.js';

export interface TrayActions {
  show(): void;
  pauseAll(): void;
  resumeAll(): void;
  quit(): void;
}

export interface TrayControllerOptions {
  readonly Tray: new (image: string | NativeImage) => Pick<Tray, 'setToolTip' | 'setContextMenu' | 'setTitle' | 'on' | 'destroy'>;
  readonly Menu: Pick<typeof Menu, 'buildFromTemplate'>;
  readonly icon: string | NativeImage;
  readonly platform: NodeJS.Platform;
  /** The transfers as the window shows them. */
  readonly views: () => readonly TransferView[];
  /** Calls `onChange` on every engine progress or state event; returns the unsubscribe. */
  readonly subscribe: (onChange: () => void) => () => void;
  readonly actions: TrayActions;
  readonly intervalMs?: number;
}

export class TrayController {
  private readonly tray: InstanceType<TrayControllerOptions['Tray']>;
  private readonly unsubscribe: () => void;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastMenuKey = '';

  constructor(private readonly options: TrayControllerOptions) {
    this.tray = new options.Tray(options.icon);
    // A click on the icon shows the window (Windows and Linux; macOS opens the menu).
    this.tray.on('click', () => options.actions.show());
    this.unsubscribe = options.subscribe(() => this.schedule());
    this.update();
  }

  /** What the tooltip says now (exported for tests and the macOS title). */
  static summary(views: readonly TransferView[]): { tooltip: string; title: string } {
    const overall = overallProgress(views);
    if (overall.active === 0) {
      const paused = views.filter((v) => v.state === 'paused').length;
      const failed = views.filter((v) => v.state === 'failed').length;
      const extra = [paused ? `${paused} paused` : '', failed ? `${failed} failed` : ''].filter(Boolean).join(', ');
      return { tooltip: `Dockside: nothing uploading${extra ? ` (${extra})` : ''}`, title: '' };
    }
    const percent = formatPercent(overall.bytesDone, overall.bytesTotal);
    const files = overall.active === 1 ? '1 file' : `${overall.active} files`;
    return {
      tooltip: `Dockside: uploading ${files}, ${percent} of ${formatBytes(overall.bytesTotal)}, ${formatRate(overall.bytesPerSecond)}, ${formatEta(overall.etaSeconds)}`,
      title: percent,
    };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe();
    this.tray.destroy();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.update();
    }, this.options.intervalMs ?? 1000);
  }

  private update(): void {
    const views = this.options.views();
    const { tooltip, title } = TrayController.summary(views);
    this.tray.setToolTip(tooltip);
    if (this.options.platform === 'darwin') this.tray.setTitle(title);
    const canPause = views.some((v) => v.state === 'running' || v.state === 'queued');
    const canResume = views.some((v) => v.state === 'paused');
    // Rebuild the menu only when what it offers changes.
    const key = `${canPause}/${canResume}`;
    if (key === this.lastMenuKey) return;
    this.lastMenuKey = key;
    const { actions } = this.options;
    const template: MenuItemConstructorOptions[] = [
      { label: 'Show Dockside', click: () => actions.show() },
      { type: 'separator' },
      { label: 'Pause all uploads', enabled: canPause, click: () => actions.pauseAll() },
      { label: 'Resume all uploads', enabled: canResume, click: () => actions.resumeAll() },
      { type: 'separator' },
      { label: 'Quit Dockside', click: () => actions.quit() },
    ];
    this.tray.setContextMenu(this.options.Menu.buildFromTemplate(template));
  }
}
