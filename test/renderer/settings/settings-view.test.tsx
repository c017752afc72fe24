// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { SettingsView } from '../../../src/renderer/settings/settings-view.js';
import { createFakeApi, defaultSettings } from '../fake-api.js';
import { renderWithApi } from '../render.js';

function input(name: string): HTMLInputElement {
  return screen.getByRole('textbox', { name }) as HTMLInputElement;
}

describe('SettingsView', () => {
  it('shows a locked setting disabled, with the reason', async () => {
    const settings = { ...defaultSettings(), concurrency: { value: 2, source: 'policy' as const, lockedReason: 'Your IT team limits parallel parts.' } };
    renderWithApi(<SettingsView />, createFakeApi({ settings }));
    const field = (await screen.findByRole('spinbutton', { name: 'Parts uploaded at once' })) as HTMLInputElement;
    expect(field.disabled).toBe(true);
    expect(field.value).toBe('2');
    const hint = document.getElementById(field.getAttribute('aria-describedby') ?? '');
    expect(hint?.textContent).toBe('Locked: Your IT team limits parallel parts.');
    const other = screen.getByRole('spinbutton', { name: 'Files uploaded at once' }) as HTMLInputElement;
    expect(other.disabled).toBe(false);
  });

  it('saves only what was edited', async () => {
    const api = createFakeApi();
    renderWithApi(<SettingsView />, api);
    fireEvent.change(await screen.findByRole('textbox', { name: /Bandwidth limit/ }), { target: { value: '10MB/s' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Start at login' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(api.settingsSet).toHaveBeenCalledWith({ bandwidthLimit: 10_000_000, startAtLogin: true }));
    expect(await screen.findByText('Settings saved.')).toBeTruthy();
  });

  it('has a checkbox to read each file again after uploading it, saved as verifyFile', async () => {
    const api = createFakeApi();
    renderWithApi(<SettingsView />, api);
    const box = (await screen.findByRole('checkbox', { name: /Read each file again after uploading it to check it \(slower: reads the whole file a second time\)/ })) as HTMLInputElement;
    expect(box.checked).toBe(false);
    expect(box.disabled).toBe(false);
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(api.settingsSet).toHaveBeenCalledWith({ verifyFile: true }));
  });

  it('shows verifyFile locked when IT sets it, with the reason', async () => {
    const reason = 'Set by your IT department (/etc/dockside/policy.json).';
    const settings = { ...defaultSettings(), verifyFile: { value: true, source: 'policy' as const, lockedReason: reason } };
    renderWithApi(<SettingsView />, createFakeApi({ settings }));
    const box = (await screen.findByRole('checkbox', { name: /Read each file again after uploading it/ })) as HTMLInputElement;
    expect(box.checked).toBe(true);
    expect(box.disabled).toBe(true);
    expect(document.getElementById(box.getAttribute('aria-describedby') ?? '')?.textContent).toBe(`Locked: ${reason}`);
  });

  it('refuses a bad value next to its field and sends nothing', async () => {
    const api = createFakeApi();
    renderWithApi(<SettingsView />, api);
    fireEvent.change(await screen.findByRole('textbox', { name: /Bandwidth limit/ }), { target: { value: '10Mb/s' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    const field = input('Bandwidth limit (empty for none, e.g. 10MB/s)');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(field.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/bits/);
    expect(api.settingsSet).not.toHaveBeenCalled();
  });

  it('signs in with the token and never shows it again', async () => {
    const api = createFakeApi();
    api.authSignIn.mockResolvedValueOnce({ signedIn: true, backendUrl: 'https://dockside.example.com', user: 'ana@firm.example' });
    renderWithApi(<SettingsView />, api);
    fireEvent.change(await screen.findByLabelText('Sign-in token'), { target: { value: 'secret-token' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() =>
      expect(api.authSignIn).toHaveBeenCalledWith({ backendUrl: 'https://dockside.example.com', token: 'secret-token' }),
    );
    expect(await screen.findByText(/Signed in as ana@firm.example/)).toBeTruthy();
    expect(document.body.innerHTML).not.toContain('secret-token');
  });

  it('follows auth:changed and signs out', async () => {
    const api = createFakeApi();
    renderWithApi(<SettingsView />, api);
    await screen.findByRole('button', { name: 'Sign in' });
    act(() => api.emit('auth:changed', { signedIn: true, backendUrl: null, user: null }));
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(api.authSignOut).toHaveBeenCalledTimes(1));
  });
});
