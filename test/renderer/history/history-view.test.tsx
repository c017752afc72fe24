// @vitest-environment jsdom
import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { HistoryView } from '../../../src/renderer/history/history-view.js';
import { createFakeApi } from '../fake-api.js';
import { renderWithApi } from '../render.js';

describe('HistoryView', () => {
  it('shows each finished upload with status, checksum and location', async () => {
    const api = createFakeApi({
      history: [
        {
          transferId: 't1',
          uploadId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
          fileName: 'matter-2291.zip',
          size: 40_000_000_000,
          status: 'available',
          checksum: 'AAAAAA==',
          location: 's3://firm-files/matter-2291.zip',
          failureReason: null,
          updatedAt: '2026-11-23T10:00:00Z',
        },
        {
          transferId: null,
          uploadId: '01JABCDEFGHJKMNPQRSTVWXYZ1',
          fileName: 'bad.iso',
          size: 1_000,
          status: 'failed',
          checksum: null,
          location: null,
          failureReason: 'The checksum did not match; upload it again.',
          updatedAt: '2026-11-23T11:00:00Z',
        },
      ],
    });
    renderWithApi(<HistoryView />, api);
    const good = (await screen.findByRole('rowheader', { name: 'matter-2291.zip' })).closest('tr')!;
    for (const text of ['40.0 GB', 'Available', 'AAAAAA==', 's3://firm-files/matter-2291.zip']) expect(within(good).getByText(text)).toBeTruthy();
    const bad = screen.getByRole('rowheader', { name: 'bad.iso' }).closest('tr')!;
    expect(within(bad).getByText('The checksum did not match; upload it again.')).toBeTruthy();
  });

  it('says when there is nothing yet', async () => {
    renderWithApi(<HistoryView />, createFakeApi());
    expect(await screen.findByText('No finished uploads yet.')).toBeTruthy();
  });
});
