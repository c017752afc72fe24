/**
 * Follows uploads through the backend after the last byte: docked, promoted, and finally
 * `available` in the permanent bucket (or `failed` with a reason). The engine's part ends at
 * completion; people want to hear when the file is really there. Polls the backend for each
 * upload completed in this run until it settles, then calls `onSettled` once.
 */
import type { UploadView } from '../../shared/backend-api.js';
import type { TransferRecord, TransferState } from '../../shared/transfer-model.js';
import type { BackendClient } from '../engine/index.js';

const SETTLED = new Set<UploadView['status']>(['available', 'failed', 'aborted']);

export interface AvailabilityWatcherOptions {
  /** A client for the signed-in backend, or null when signed out (polling waits). */
  readonly client: () => Pick<BackendClient, 'url' | 'getUpload'> | null;
  readonly engine: {
    on(event: 'state', listener: (id: string, state: TransferState) => void): () => void;
    get(id: string): TransferRecord | null;
  };
  readonly onSettled: (record: TransferRecord, upload: UploadView) => void;
  readonly intervalMs?: number;
  /** Stop asking after this long (the backend's jobs may be down; History still shows it). */
  readonly giveUpAfterMs?: number;
  readonly now?: () => number;
}

export class AvailabilityWatcher {
  private readonly watching = new Map<string, { record: TransferRecord; since: number }>();
  private readonly unsubscribe: () => void;
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;

  constructor(private readonly options: AvailabilityWatcherOptions) {
    this.unsubscribe = options.engine.on('state', (id, state) => {
      if (state !== 'completed') return;
      const record = options.engine.get(id);
      if (record?.target.backend) this.watch(record);
    });
  }

  /** Uploads still being followed (for tests and the tray). */
  get pending(): number {
    return this.watching.size;
  }

  watch(record: TransferRecord): void {
    this.watching.set(record.id, { record, since: this.now() });
    this.timer ??= setInterval(() => void this.poll(), this.options.intervalMs ?? 5000);
  }

  /** One round of questions to the backend (the timer calls it; tests call it directly). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const client = this.options.client();
      for (const [id, { record, since }] of [...this.watching]) {
        if (this.now() - since > (this.options.giveUpAfterMs ?? 6 * 3600_000)) {
          this.watching.delete(id);
          continue;
        }
        if (!client || client.url !== record.target.backend!.url) continue;
        try {
          const upload = await client.getUpload(record.target.backend!.uploadId);
          if (SETTLED.has(upload.status) && this.watching.delete(id)) this.options.onSettled(record, upload);
        } catch {
          // The backend is unreachable for now: ask again next round.
        }
      }
    } finally {
      this.polling = false;
      if (this.watching.size === 0) this.stopTimer();
    }
  }

  dispose(): void {
    this.unsubscribe();
    this.stopTimer();
    this.watching.clear();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
