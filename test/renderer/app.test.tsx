// @vitest-environment jsdom
import { fireEvent, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../src/renderer/app.js';
import { createFakeApi } from './fake-api.js';
import { renderWithApi } from './render.js';

describe('App', () => {
  it('navigates between the four views with plain buttons, marking the current one', async () => {
    renderWithApi(<App grantsForDrop={async () => []} />, createFakeApi());
    const nav = screen.getByRole('navigation', { name: 'Views' });
    const labels = within(nav).getAllByRole('button').map((b) => b.textContent);
    expect(labels).toEqual(['Uploads', 'History', 'Transfer log', 'Settings']);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Uploads');
    expect(within(nav).getByRole('button', { name: 'Uploads' }).getAttribute('aria-current')).toBe('page');

    for (const [label, heading] of [['History', 'History'], ['Transfer log', 'Transfer log'], ['Settings', 'Settings']] as const) {
      fireEvent.click(within(nav).getByRole('button', { name: label }));
      expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe(heading);
      expect(within(nav).getByRole('button', { name: label }).getAttribute('aria-current')).toBe('page');
      expect(within(nav).getByRole('button', { name: 'Uploads' }).getAttribute('aria-current')).toBeNull();
    }
  });
});
