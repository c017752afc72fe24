// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { UploadsView } from '../../../src/renderer/uploads/uploads-view.js';
import { createFakeApi, type FakeApi } from '../fake-api.js';
import { transfer } from '../fixtures.js';
import { renderWithApi } from '../render.js';

const noGrants = async () => [];
const GRANT_A = 'a'.repeat(32);
const GRANT_B = 'b'.repeat(32);

async function renderUploads(api: FakeApi, grantsForDrop: (files: readonly File[]) => Promise<string[]> = noGrants) {
  const result = renderWithApi(<UploadsView grantsForDrop={grantsForDrop} />, api);
  await waitFor(() => expect(api.transfersList).toHaveBeenCalled());
  return result;
}

function button(name: string): HTMLButtonElement {
  return screen.getByRole('button', { name }) as HTMLButtonElement;
}

describe('UploadsView', () => {
  it('renders each transfer with an accessible progress bar and the numbers people read', async () => {
    const api = createFakeApi({ transfers: [transfer()] });
    await renderUploads(api);
    const bar = await screen.findByRole('progressbar', { name: 'Upload of matter-2291.zip' });
    expect(bar.getAttribute('aria-valuenow')).toBe('31');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    const row = screen.getByRole('listitem', { name: 'matter-2291.zip' });
    for (const text of ['31.0 %', '12.4 GB of 40.0 GB', '85.0 MB/s', 'about 9 min left', 'Uploading']) {
      expect(within(row).getByText(text)).toBeTruthy();
    }
  });

  it('clicking pause asks main to pause that transfer', async () => {
    const api = createFakeApi({ transfers: [transfer({ id: 'abc123' })] });
    await renderUploads(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Pause matter-2291.zip' }));
    expect(api.transfersPause).toHaveBeenCalledWith({ id: 'abc123' });
  });

  it.each([
    ['resume', 'Resume', 'paused', 'transfersResume'],
    ['cancel', 'Cancel', 'running', 'transfersCancel'],
    ['retry', 'Retry', 'failed', 'transfersRetry'],
  ] as const)('clicking %s calls the matching request', async (_action, label, state, method) => {
    const api = createFakeApi({ transfers: [transfer({ id: 'abc123', state })] });
    await renderUploads(api);
    fireEvent.click(await screen.findByRole('button', { name: `${label} matter-2291.zip` }));
    expect(api[method]).toHaveBeenCalledWith({ id: 'abc123' });
  });

  it('a transfers:changed event updates the row', async () => {
    const api = createFakeApi({ transfers: [transfer()] });
    await renderUploads(api);
    const row = await screen.findByRole('listitem', { name: 'matter-2291.zip' });
    expect(within(row).getByText('12.4 GB of 40.0 GB')).toBeTruthy();
    act(() => api.emit('transfers:changed', [transfer({ bytesDone: 30_000_000_000, etaSeconds: 30, updatedAt: 3_000 })]));
    const bar = screen.getByRole('progressbar', { name: 'Upload of matter-2291.zip' });
    expect(bar.getAttribute('aria-valuenow')).toBe('75');
    expect(within(row).getByText('30.0 GB of 40.0 GB')).toBeTruthy();
    expect(within(row).getByText('less than a minute left')).toBeTruthy();
  });

  it('an event for a new transfer adds a row', async () => {
    const api = createFakeApi({ transfers: [transfer()] });
    await renderUploads(api);
    await screen.findByRole('listitem', { name: 'matter-2291.zip' });
    act(() => api.emit('transfers:changed', [transfer({ id: 't2', fileName: 'scans.tar', createdAt: 5_000 })]));
    expect(screen.getAllByRole('listitem').map((item) => item.getAttribute('aria-label'))).toEqual(['matter-2291.zip', 'scans.tar']);
  });

  it.each([
    ['queued', ['Pause', 'Cancel']],
    ['running', ['Pause', 'Cancel']],
    ['paused', ['Resume', 'Cancel']],
    ['completing', ['Cancel']],
    ['completed', []],
    ['cancelled', []],
    ['failed', ['Resume', 'Cancel', 'Retry']],
  ] as const)('in state %s only %j are enabled', async (state, enabled) => {
    const error = state === 'failed' ? { code: 'NETWORK', message: 'The network dropped.', retryable: true } : null;
    const api = createFakeApi({ transfers: [transfer({ state, error })] });
    await renderUploads(api);
    await screen.findByRole('listitem', { name: 'matter-2291.zip' });
    for (const label of ['Pause', 'Resume', 'Cancel', 'Retry']) {
      expect(button(`${label} matter-2291.zip`).disabled, label).toBe(!(enabled as readonly string[]).includes(label));
    }
  });

  it('shows why a transfer failed', async () => {
    const error = { code: 'FILE_CHANGED', message: 'The file changed on disk; add it again.', retryable: false };
    const api = createFakeApi({ transfers: [transfer({ state: 'failed', error })] });
    await renderUploads(api);
    expect(await screen.findByText('The file changed on disk; add it again.')).toBeTruthy();
  });

  it('a finished row says what verified it, and marks the case where only sizes were compared', async () => {
    const api = createFakeApi({
      transfers: [
        transfer({ id: 't1', fileName: 'strong.bin', state: 'completed', verification: 'server-checksum' }),
        transfer({ id: 't2', fileName: 'weak.bin', state: 'completed', verification: 'size-only', createdAt: 2_000 }),
      ],
    });
    await renderUploads(api);
    const strong = await screen.findByRole('listitem', { name: 'strong.bin' });
    expect(within(strong).getByText(/Verified by the server, which checked the CRC32 of every part/).classList.contains('weak')).toBe(false);
    const weak = screen.getByRole('listitem', { name: 'weak.bin' });
    const note = within(weak).getByText(/only sizes were compared/);
    expect(note.classList.contains('weak')).toBe(true);
    expect(note.textContent).toBe('Warning: Not verified by the server, which checks no checksum: only sizes were compared.');
  });

  it('the overall bar sums the queue and offers pause all / resume all', async () => {
    const GB = 1_000_000_000;
    const api = createFakeApi({
      transfers: [
        transfer({ id: 'a', size: 10 * GB, bytesDone: 4 * GB, bytesPerSecond: 50_000_000 }),
        transfer({ id: 'b', fileName: 'b.bin', size: 10 * GB, bytesDone: 6 * GB, bytesPerSecond: 50_000_000 }),
      ],
    });
    await renderUploads(api);
    const overall = await screen.findByRole('progressbar', { name: 'All uploads' });
    expect(overall.getAttribute('aria-valuenow')).toBe('50');
    const section = screen.getByRole('region', { name: 'All uploads' });
    for (const text of ['10.0 GB of 20.0 GB', '100 MB/s', 'about 2 min left', '2 of 2 active']) {
      expect(within(section).getByText(text)).toBeTruthy();
    }
    expect(button('Resume all').disabled).toBe(true);
    fireEvent.click(button('Pause all'));
    expect(api.transfersPauseAll).toHaveBeenCalledTimes(1);
  });

  it('the picker adds what was chosen by the grants main gave, never by path', async () => {
    const api = createFakeApi({ picked: [GRANT_A, GRANT_B] });
    await renderUploads(api);
    fireEvent.click(button('Choose files…'));
    await waitFor(() => expect(api.transfersAdd).toHaveBeenCalledWith({ grants: [GRANT_A, GRANT_B] }));
  });

  it('a cancelled picker adds nothing', async () => {
    const api = createFakeApi({ picked: [] });
    await renderUploads(api);
    fireEvent.click(button('Choose files…'));
    await waitFor(() => expect(api.dialogPickFiles).toHaveBeenCalled());
    expect(api.transfersAdd).not.toHaveBeenCalled();
  });

  it('dropped files go to the file bridge as File objects, and are added by the grants it gives', async () => {
    const api = createFakeApi();
    const grantsForDrop = vi.fn(async (files: readonly File[]) => files.map(() => GRANT_A));
    await renderUploads(api, grantsForDrop);
    const file = new File(['x'], 'a.zip');
    fireEvent.drop(screen.getByRole('region', { name: 'Add files' }), { dataTransfer: { files: [file] } });
    await waitFor(() => expect(api.transfersAdd).toHaveBeenCalledWith({ grants: [GRANT_A] }));
    expect(grantsForDrop).toHaveBeenCalledWith([file]);
  });

  it('a drop the file bridge refuses shows why, and adds nothing', async () => {
    const api = createFakeApi();
    await renderUploads(api, async () => Promise.reject({ code: 'INVALID_INPUT', message: 'Only files dropped on the window can be added this way.' }));
    fireEvent.drop(screen.getByRole('region', { name: 'Add files' }), { dataTransfer: { files: [new File(['x'], 'a.zip')] } });
    expect((await screen.findByRole('alert')).textContent).toContain('Only files dropped on the window can be added this way.');
    expect(api.transfersAdd).not.toHaveBeenCalled();
  });

  it('a drop without readable paths explains what to do instead', async () => {
    const api = createFakeApi();
    await renderUploads(api);
    fireEvent.drop(screen.getByRole('region', { name: 'Add files' }), { dataTransfer: { files: [new File(['x'], 'a.zip')] } });
    expect(await screen.findByRole('status')).toBeTruthy();
    expect(api.transfersAdd).not.toHaveBeenCalled();
  });

  it('a refused request shows its reason, without Electron wrapping', async () => {
    const api = createFakeApi({ transfers: [transfer()] });
    api.transfersPause.mockRejectedValueOnce(new Error("Error invoking remote method 'transfers:pause': Error: The transfer is already finished."));
    await renderUploads(api);
    fireEvent.click(await screen.findByRole('button', { name: 'Pause matter-2291.zip' }));
    expect((await screen.findByRole('alert')).textContent).toContain('The transfer is already finished.');
  });

  it('charts the speed of the transfer uploading, or of the one picked', async () => {
    const api = createFakeApi({
      transfers: [transfer({ id: 'a', state: 'paused' }), transfer({ id: 'b', fileName: 'b.bin', createdAt: 5_000, bytesPerSecond: 85_000_000 })],
    });
    await renderUploads(api);
    expect((await screen.findByRole('img', { name: /^b\.bin\. Speed over the last 5 min/ })).getAttribute('aria-label')).toContain('now 85.0 MB/s');
    expect(button('Show speed chart of b.bin').getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(button('Show speed chart of matter-2291.zip'));
    expect(screen.getByRole('img', { name: /^matter-2291\.zip\. .*now 0 B\/s/ })).toBeTruthy();
    expect(button('Show speed chart of b.bin').getAttribute('aria-pressed')).toBe('false');
  });

  it('unsubscribes from events when it goes away', async () => {
    const api = createFakeApi();
    const { unmount } = await renderUploads(api);
    expect(api.listenerCount('transfers:changed')).toBe(1);
    unmount();
    expect(api.listenerCount('transfers:changed')).toBe(0);
  });
});
