/**
 * Power behaviour driven by engine events: while anything is uploading, keep the machine from
 * idling to sleep (`powerSaveBlocker`, 'prevent-app-suspension'; a closed lid still sleeps, as it
 * should); when it goes to sleep or shuts down anyway, pause cleanly so the journal is consistent,
 * and on wake resume exactly what was running. Electron's objects are injected; tests use fakes.
 */
import type { PowerMonitor, PowerSaveBlocker } from 'electron';
import { DocksideError } from '../../shared/errors.js';
import type { TransferState } from '../../shared/transfer-model.js';
import type { TransferEngine } from '../desktop/transfer-bridge.js';

/** States in which a transfer is (or is about to be) moving bytes. */
const BUSY: ReadonlySet<TransferState> = new Set(['queued', 'running', 'completing']);

export interface PowerCoordinatorOptions {
  readonly engine: Pick<TransferEngine, 'list' | 'start' | 'pauseAll' | 'on'>;
  readonly blocker: Pick<PowerSaveBlocker, 'start' | 'stop' | 'isStarted'>;
  readonly monitor: Pick<PowerMonitor, 'on' | 'off'>;
  readonly onLog?: (message: string) => void;
}

export class PowerCoordinator {
  private readonly busy = new Set<string>();
  private blockerId: number | null = null;
  /** What was moving when the machine went to sleep: resumed on wake. */
  private suspended: string[] = [];
  private readonly offs: Array<() => void> = [];

  constructor(private readonly options: PowerCoordinatorOptions) {
    for (const record of options.engine.list()) if (BUSY.has(record.state)) this.busy.add(record.id);
    this.offs.push(
      options.engine.on('state', (id, state) => {
        if (BUSY.has(state)) this.busy.add(id);
        else this.busy.delete(id);
        this.updateBlocker();
      }),
    );
    const onSuspend = () => this.suspend('suspend');
    const onShutdown = () => this.suspend('shutdown');
    const onResume = () => this.resume();
    options.monitor.on('suspend', onSuspend);
    options.monitor.on('shutdown', onShutdown);
    options.monitor.on('resume', onResume);
    this.offs.push(() => {
      options.monitor.off('suspend', onSuspend);
      options.monitor.off('shutdown', onShutdown);
      options.monitor.off('resume', onResume);
    });
    this.updateBlocker();
  }

  /** True while the blocker is held (for the tray and tests). */
  get preventingSleep(): boolean {
    return this.blockerId !== null;
  }

  /** Stops listening and releases the blocker. */
  dispose(): void {
    for (const off of this.offs.splice(0)) off();
    this.release();
  }

  /**
   * The network went away or came back (the shell polls `net.isOnline()`): pause what is moving
   * rather than let every part fail and back off, and resume exactly that when it returns.
   */
  setOnline(online: boolean): void {
    if (online) {
      this.options.onLog?.('Network back: resuming.');
      this.resume();
    } else {
      this.suspend('offline');
    }
  }

  private suspend(why: 'suspend' | 'shutdown' | 'offline'): void {
    // A second suspend before a resume must not forget the first list.
    const moving = [...this.busy];
    if (moving.length === 0) return;
    this.suspended = [...new Set([...this.suspended, ...moving])];
    this.options.onLog?.(`${why === 'offline' ? 'Network gone' : `System ${why}`}: pausing ${moving.length} transfer(s).`);
    // 'shutdown' reason: the log says Dockside stopped it, so it resumes on the next launch too.
    this.options.engine.pauseAll('shutdown').catch((error: unknown) => this.options.onLog?.(`Pausing on ${why} failed: ${String(error)}`));
  }

  private resume(): void {
    const ids = this.suspended;
    this.suspended = [];
    for (const id of ids) {
      try {
        this.options.engine.start(id);
      } catch (error) {
        // Finished, cancelled or taken by another process meanwhile: nothing to resume here.
        if (!(error instanceof DocksideError)) throw error;
        this.options.onLog?.(`Not resuming ${id}: ${error.message}`);
      }
    }
  }

  private updateBlocker(): void {
    if (this.busy.size > 0 && this.blockerId === null) {
      this.blockerId = this.options.blocker.start('prevent-app-suspension');
    } else if (this.busy.size === 0) {
      this.release();
    }
  }

  private release(): void {
    if (this.blockerId !== null && this.options.blocker.isStarted(this.blockerId)) this.options.blocker.stop(this.blockerId);
    this.blockerId = null;
  }
}
