import { describe, expect, it, vi } from 'vitest';
import type { UploadView } from '../../../src/shared/backend-api.js';
import type { TransferState } from '../../../src/shared/transfer-model.js';
import { Notifier } from '../../../src/main/app/notifications.js';
import { record } from './fixtures.js';

function setup(options: { enabled?: boolean; supported?: boolean } = {}) {
  const shown: Array<{ title: string; body: string; click: () => void }> = [];
  class FakeNotification {
    static isSupported = () => options.supported ?? true;
    private click: () => void = () => undefined;
    constructor(private readonly o: { title: string; body: string }) {}
    on(_event: 'click', listener: () => void) {
      this.click = listener;
    }
    show() {
      shown.push({ ...this.o, click: () => this.click() });
    }
  }
  let listener: (id: string, state: TransferState) => void = () => undefined;
  const records = new Map([
    ['done', record({ id: 'done', state: 'completed' })],
    ['bad', record({ id: 'bad', state: 'failed', errorCode: 'ACCESS_DENIED', errorMessage: 'The backend no longer lets you upload this file. Ask IT.' })],
    ['dropped', record({ id: 'dropped', state: 'cancelled', errorCode: 'UPLOAD_CANCELLED', errorMessage: 'Upload 01JF was cancelled on the Dockside server, so Dockside stopped sending it.' })],
    ['mine', record({ id: 'mine', state: 'cancelled' })],
  ]);
  const onClick = vi.fn();
  const notifier = new Notifier({
    Notification: FakeNotification,
    enabled: () => options.enabled ?? true,
    engine: {
      on: (_event, l) => {
        listener = l;
        return () => undefined;
      },
      get: (id) => records.get(id) ?? null,
    },
    onClick,
  });
  return { notifier, shown, onClick, state: (id: string, state: TransferState) => listener(id, state) };
}

const upload = (overrides: Partial<UploadView>): UploadView => ({
  id: 'up_123',
  fileName: 'discovery.tar',
  size: 1,
  contentType: null,
  status: 'available',
  dock: { bucket: 'dock', key: 'k' },
  createdAt: '2026-11-23T10:00:00.000Z',
  updatedAt: '2026-11-23T10:05:00.000Z',
  available: { bucket: 'permanent', key: 'matters/discovery.tar', checksum: 'abc=', checksumType: 'FULL_OBJECT' },
  failureReason: null,
  ...overrides,
});

describe('notifications', () => {
  it('tells when an upload finishes, fails (with the reason) or becomes available; a click shows the window', () => {
    const s = setup();
    s.state('done', 'completed');
    s.state('bad', 'failed');
    s.state('done', 'running');
    s.notifier.settled(record({ id: 'done' }), upload({}));
    s.notifier.settled(record({ id: 'done' }), upload({ status: 'failed', available: null, failureReason: 'The checksum did not match; upload it again.' }));
    expect(s.shown.map((n) => n.title)).toEqual(['Upload finished', 'Upload failed', 'File available', 'File not accepted']);
    expect(s.shown[0]!.body).toMatch(/^discovery\.tar \(42\.9 GB\) is uploaded\. You will hear again when it is available\.$/);
    expect(s.shown[1]!.body).toBe('discovery.tar: The backend no longer lets you upload this file. Ask IT.');
    expect(s.shown[2]!.body).toBe('discovery.tar is available at s3://permanent/matters/discovery.tar.');
    expect(s.shown[3]!.body).toContain('checksum did not match');
    s.shown[1]!.click();
    expect(s.onClick).toHaveBeenCalledOnce();
  });

  it("tells when the server cancelled an upload, not when the user's own Cancel did", () => {
    const s = setup();
    s.state('mine', 'cancelled');
    s.state('dropped', 'cancelled');
    expect(s.shown.map((n) => [n.title, n.body])).toEqual([
      ['Upload cancelled on the server', 'discovery.tar: Upload 01JF was cancelled on the Dockside server, so Dockside stopped sending it.'],
    ]);
  });

  it('stays quiet when the user (or IT) turned notifications off, or the OS has none', () => {
    for (const options of [{ enabled: false }, { supported: false }]) {
      const s = setup(options);
      s.state('done', 'completed');
      s.notifier.settled(record({ id: 'done' }), upload({}));
      expect(s.shown).toEqual([]);
    }
  });
});
