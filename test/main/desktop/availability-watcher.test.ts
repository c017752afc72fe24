import { describe, expect, it, vi } from 'vitest';
import type { UploadView } from '../../../src/shared/backend-api.js';
import type { TransferState } from '../../../src/shared/transfer-model.js';
import { AvailabilityWatcher } from '../../../src/main/desktop/availability-watcher.js';
import { record } from '../app/fixtures.js';

function setup(statuses: Array<UploadView['status'] | Error>) {
  let listener: (id: string, state: TransferState) => void = () => undefined;
  const backendRecord = record({ id: 'b', state: 'completed' });
  const standalone = record({ id: 's', state: 'completed', target: { ...record().target, backend: undefined } });
  const getUpload = vi.fn(async () => {
    const next = statuses.shift() ?? 'available';
    if (next instanceof Error) throw next;
    return { id: 'up_123', status: next } as UploadView;
  });
  const onSettled = vi.fn();
  let now = 0;
  const watcher = new AvailabilityWatcher({
    client: () => ({ url: 'https://dockside.firm.example', getUpload }),
    engine: { on: (_e, l) => ((listener = l), () => undefined), get: (id) => (id === 'b' ? backendRecord : id === 's' ? standalone : null) },
    onSettled,
    intervalMs: 60_000,
    giveUpAfterMs: 1000,
    now: () => now,
  });
  return { watcher, getUpload, onSettled, state: (id: string, s: TransferState) => listener(id, s), advance: (ms: number) => (now += ms) };
}

describe('AvailabilityWatcher', () => {
  it('follows a completed backend upload until the backend settles it, riding out a failing backend, and tells once', async () => {
    const s = setup(['docked', new Error('ECONNREFUSED'), 'promoting', 'available']);
    s.state('b', 'completed');
    s.state('s', 'completed'); // standalone: nothing to follow
    s.state('b', 'running');
    expect(s.watcher.pending).toBe(1);
    for (let i = 0; i < 4; i++) await s.watcher.poll();
    expect(s.onSettled).toHaveBeenCalledOnce();
    expect(s.onSettled.mock.calls[0]![1]).toMatchObject({ status: 'available' });
    expect(s.watcher.pending).toBe(0);
    await s.watcher.poll();
    expect(s.getUpload).toHaveBeenCalledTimes(4);
    s.watcher.dispose();
  });

  it('gives up after a while (History still shows the status)', async () => {
    const s = setup(['docked', 'docked']);
    s.state('b', 'completed');
    await s.watcher.poll();
    s.advance(2000);
    await s.watcher.poll();
    expect(s.watcher.pending).toBe(0);
    expect(s.onSettled).not.toHaveBeenCalled();
    s.watcher.dispose();
  });
});
