/**
 * OS notifications people expect from an uploader: a file finished uploading, failed or was
 * cancelled on the server (with the reason in words they can act on), or became available at its
 * destination. Only when the user has notifications on (Settings; IT may lock it) and the OS
 * supports them. Clicking one shows the window. Electron's Notification is injected; tests use a fake.
 */
import type { UploadView } from '../../shared/backend-api.js';
import type { TransferRecord, TransferState } from '../../shared/transfer-model.js';
import { formatBytes } from '../../shared/units.js';
import { baseName } from '../desktop/transfer-view.js';

export interface NotificationLike {
  show(): void;
  on(event: 'click', listener: () => void): unknown;
}

export interface NotifierOptions {
  readonly Notification: { isSupported(): boolean; new (options: { title: string; body: string; silent?: boolean }): NotificationLike };
  /** The user's (or IT's) notifications setting, read at the moment. */
  readonly enabled: () => boolean;
  readonly engine: {
    on(event: 'state', listener: (id: string, state: TransferState) => void): () => void;
    get(id: string): TransferRecord | null;
  };
  readonly onClick: () => void;
}

export class Notifier {
  private readonly unsubscribe: () => void;
  /** Kept until clicked or replaced: a notification that is garbage-collected stops being clickable. */
  private readonly shown = new Set<NotificationLike>();

  constructor(private readonly options: NotifierOptions) {
    this.unsubscribe = options.engine.on('state', (id, state) => {
      const record = options.engine.get(id);
      if (!record) return;
      const name = baseName(record.filePath);
      if (state === 'completed') {
        this.notify(
          'Upload finished',
          record.target.backend
            ? `${name} (${formatBytes(record.fileSize)}) is uploaded. You will hear again when it is available.`
            : `${name} (${formatBytes(record.fileSize)}) is in s3://${record.target.bucket}/${record.target.key}.`,
        );
      } else if (state === 'failed') {
        this.notify('Upload failed', `${name}: ${record.errorMessage ?? 'see the transfer log.'}`);
      } else if (state === 'cancelled' && record.errorCode === 'UPLOAD_CANCELLED') {
        // The user's own Cancel needs no word; one on the server (or a rejected file) does.
        this.notify('Upload cancelled on the server', `${name}: ${record.errorMessage ?? 'see the transfer log.'}`);
      }
    });
  }

  /** The backend settled an upload: available at its destination, or failed there. */
  settled(record: TransferRecord, upload: UploadView): void {
    const name = baseName(record.filePath);
    if (upload.status === 'available') this.notify('File available', `${name} is available${upload.available ? ` at s3://${upload.available.bucket}/${upload.available.key}` : ''}.`);
    else if (upload.status === 'failed') this.notify('File not accepted', `${name}: ${upload.failureReason ?? 'the backend could not make it available.'}`);
  }

  dispose(): void {
    this.unsubscribe();
    this.shown.clear();
  }

  private notify(title: string, body: string): void {
    if (!this.options.enabled() || !this.options.Notification.isSupported()) return;
    const notification = new this.options.Notification({ title, body });
    this.shown.add(notification);
    if (this.shown.size > 20) this.shown.delete(this.shown.values().next().value!);
    notification.on('click', () => {
      this.shown.delete(notification);
      this.options.onClick();
    });
    notification.show();
  }
}
