// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { TransferLogView } from '../../../src/renderer/log/transfer-log-view.js';
import { createFakeApi } from '../fake-api.js';
import { logEntry } from '../fixtures.js';
import { renderWithApi } from '../render.js';

const log = [
  logEntry({ id: 1, transferId: 't1', level: 'info', message: 'Part 1 sent' }),
  logEntry({ id: 2, transferId: 't2', level: 'warn', type: 'retry', message: 'Network dropped, retrying' }),
  logEntry({ id: 3, transferId: 't1', level: 'error', type: 'failed', message: 'The file changed on disk; add it again.' }),
];

const messages = () => screen.getAllByRole('row').slice(1).map((row) => row.lastElementChild?.textContent);

describe('TransferLogView', () => {
  it('lists the log and filters by transfer, level and search', async () => {
    const api = createFakeApi({ log });
    renderWithApi(<TransferLogView />, api);
    await screen.findByText('Part 1 sent');
    expect(api.logQuery).toHaveBeenCalledWith({ limit: 2000 });
    expect(messages()).toHaveLength(3);

    fireEvent.change(screen.getByRole('combobox', { name: 'Transfer' }), { target: { value: 't1' } });
    expect(messages()).toEqual(['Part 1 sent', 'The file changed on disk; add it again.']);
    fireEvent.change(screen.getByRole('combobox', { name: 'Level' }), { target: { value: 'error' } });
    expect(messages()).toEqual(['The file changed on disk; add it again.']);
    fireEvent.change(screen.getByRole('combobox', { name: 'Transfer' }), { target: { value: '' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Level' }), { target: { value: 'debug' } });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search' }), { target: { value: 'network' } });
    expect(messages()).toEqual(['Network dropped, retrying']);
    expect(screen.getByText('1 of 3 entries')).toBeTruthy();
  });

  it('shows entries as they are appended', async () => {
    const api = createFakeApi({ log });
    renderWithApi(<TransferLogView />, api);
    await screen.findByText('Part 1 sent');
    act(() => api.emit('log:appended', logEntry({ id: 4, message: 'Upload complete' })));
    expect(messages()).toContain('Upload complete');
  });

  it('exports diagnostics and says where they went', async () => {
    const api = createFakeApi();
    renderWithApi(<TransferLogView />, api);
    fireEvent.click(screen.getByRole('button', { name: 'Export diagnostics' }));
    await waitFor(() => expect(api.diagnosticsExport).toHaveBeenCalledTimes(1));
    expect(await screen.findByText('Diagnostics saved to /tmp/dockside-diagnostics.zip')).toBeTruthy();
  });
});
