// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { HistoryView } from '../../../src/renderer/history/history-view.js';
import { createFakeApi } from '../fake-api.js';
import { historyEntry } from '../fixtures.js';
import { renderWithApi } from '../render.js';

describe('HistoryView', () => {
  it('shows each finished upload with status, checksum and location', async () => {
    const api = createFakeApi({
      history: [
        historyEntry(),
        historyEntry({
          transferId: null,
          uploadId: '01JABCDEFGHJKMNPQRSTVWXYZ1',
          fileName: 'bad.iso',
          size: 1_000,
          status: 'failed',
          checksum: null,
          location: null,
          uploadVerification: null,
          copyVerification: null,
          failureReason: 'The checksum did not match; upload it again.',
          updatedAt: '2026-11-23T11:00:00Z',
        }),
      ],
    });
    renderWithApi(<HistoryView />, api);
    const good = (await screen.findByRole('rowheader', { name: 'matter-2291.zip' })).closest('tr')!;
    for (const text of ['40.0 GB', 'Available', 'AAAAAA==', 's3://firm-files/matter-2291.zip']) expect(within(good).getByText(text)).toBeTruthy();
    expect(within(good).getByText(/Upload: Verified by the server, which checked the CRC32 of every part/)).toBeTruthy();
    expect(within(good).getByText(/Copy: The permanent copy's size and CRC32/)).toBeTruthy();
    expect(within(good).queryByText(/Warning/)).toBeNull();
    const bad = screen.getByRole('rowheader', { name: 'bad.iso' }).closest('tr')!;
    expect(within(bad).getByText('The checksum did not match; upload it again.')).toBeTruthy();
    expect(within(bad).queryByText(/Upload:|Copy:/)).toBeNull();
  });

  it('marks an upload that only sizes verified, and never calls it verified', async () => {
    const api = createFakeApi({
      history: [
        historyEntry({
          fileName: 'weak.bin',
          size: 1_000,
          location: 's3://firm-files/weak.bin',
          uploadVerification: 'Not verified by the server, which checks no checksum: only sizes were compared',
          uploadWeak: true,
        }),
      ],
    });
    renderWithApi(<HistoryView />, api);
    const row = (await screen.findByRole('rowheader', { name: 'weak.bin' })).closest('tr')!;
    const note = within(row).getByText(/only sizes were compared/).closest('.verification')!;
    expect(note.classList.contains('weak')).toBe(true);
    expect(note.textContent).toMatch(/^Warning: Upload: Not verified by the server/);
  });

  it('says when there is nothing yet', async () => {
    renderWithApi(<HistoryView />, createFakeApi());
    expect(await screen.findByText('No finished uploads yet.')).toBeTruthy();
  });
});
