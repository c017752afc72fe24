import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TransferView } from '../../../src/shared/ipc-contract.js';
import { TrayController } from '../../../src/main/app/tray.js';
import { toTransferView } from '../../../src/main/desktop/transfer-view.js';
import { record } from './fixtures.js';

const GiB = 1024 ** 3;
const view = (overrides: Partial<TransferView>): TransferView => ({ ...toTransferView(record()), ...overrides });

function setup(views: TransferView[], platform: NodeJS.Platform = 'win32') {
  let onChange: () => void = () => undefined;
  const tray = { setToolTip: vi.fn(), setContextMenu: vi.fn(), setTitle: vi.fn(), on: vi.fn(), destroy: vi.fn() };
  const actions = { show: vi.fn(), pauseAll: vi.fn(), resumeAll: vi.fn(), quit: vi.fn() };
  const unsubscribe = vi.fn();
  const controller = new TrayController({
    Tray: class {
      constructor() {
        return tray;
      }
    } as never,
    Menu: { buildFromTemplate: (template: unknown) => ({ template }) as never },
    icon: '/tray.png',
    platform,
    views: () => views,
    subscribe: (listener) => {
      onChange = listener;
      return unsubscribe;
    },
    actions,
    intervalMs: 5,
  });
  const menu = () => (tray.setContextMenu.mock.calls.at(-1)![0] as { template: Array<{ label?: string; enabled?: boolean; click?: () => void }> }).template;
  return { controller, tray, actions, unsubscribe, menu, change: () => onChange(), views };
}

afterEach(() => vi.useRealTimers());

describe('the tray', () => {
  it('says how far the uploads are, in words for people', () => {
    const views = [view({ id: 'a', state: 'running', size: 10 * GiB, bytesDone: 4 * GiB, bytesPerSecond: 85e6 }), view({ id: 'b', state: 'completed', size: 2 * GiB })];
    expect(TrayController.summary(views).tooltip).toMatch(/^Dockside: uploading 1 file, 50(\.0)? ?% of 12\.\d GB, 85(\.0)? MB\/s, .*left$/);
    expect(TrayController.summary([view({ state: 'paused' }), view({ id: 'f', state: 'failed' })]).tooltip).toBe('Dockside: nothing uploading (1 paused, 1 failed)');
  });

  it('offers pause all only while something moves and resume all only while something is paused', () => {
    const s = setup([view({ state: 'running' })]);
    expect(s.menu().find((i) => i.label === 'Pause all uploads')!.enabled).toBe(true);
    expect(s.menu().find((i) => i.label === 'Resume all uploads')!.enabled).toBe(false);
    s.menu().find((i) => i.label === 'Pause all uploads')!.click!();
    expect(s.actions.pauseAll).toHaveBeenCalled();
  });

  it('updates at most once per interval on engine events, shows the percentage in the macOS menu bar, and cleans up', async () => {
    const views = [view({ state: 'running', size: 100, bytesDone: 25 })];
    const s = setup(views, 'darwin');
    expect(s.tray.setTitle).toHaveBeenLastCalledWith(expect.stringMatching(/^25/));
    views[0] = view({ state: 'paused', size: 100, bytesDone: 50 });
    s.change();
    s.change();
    s.change();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(s.tray.setToolTip).toHaveBeenCalledTimes(2);
    expect(s.menu().find((i) => i.label === 'Resume all uploads')!.enabled).toBe(true);
    s.controller.dispose();
    expect(s.unsubscribe).toHaveBeenCalled();
    expect(s.tray.destroy).toHaveBeenCalled();
  });

  it('shows the window on a click on the icon', () => {
    const s = setup([]);
    const [event, listener] = s.tray.on.mock.calls[0]! as [string, () => void];
    expect(event).toBe('click');
    listener();
    expect(s.actions.show).toHaveBeenCalled();
  });
});
