import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../src/shared/ipc-contract.js';
import { draftOf, patchOf, type SettingsDraft } from '../../../src/renderer/settings/settings-form.js';
import { defaultSettings } from '../fake-api.js';

const locked = <K extends keyof Settings>(settings: Settings, name: K, value: Settings[K]['value']): Settings => ({
  ...settings,
  [name]: { value, source: 'policy', lockedReason: 'Set by IT' },
});

describe('draftOf', () => {
  it('shows the current values as text', () => {
    const settings = { ...defaultSettings(), bandwidthLimit: { value: 10_485_760, source: 'user' as const, lockedReason: null } };
    expect(draftOf(settings)).toEqual({
      backendUrl: 'https://dockside.example.com',
      concurrency: '4',
      maxActiveTransfers: '2',
      bandwidthLimit: '10.5 MB/s',
      notifications: true,
      startAtLogin: false,
      verifyFile: false,
    });
  });
});

describe('patchOf', () => {
  const settings = defaultSettings();
  const edit = (patch: Partial<SettingsDraft>, base: Settings = settings) => patchOf(base, { ...draftOf(base), ...patch });

  it.each<[string, Partial<SettingsDraft>, object]>([
    ['nothing edited', {}, {}],
    ['a number', { concurrency: '8' }, { concurrency: 8 }],
    ['a rate', { bandwidthLimit: '10MB/s' }, { bandwidthLimit: 10_000_000 }],
    ['a binary rate', { bandwidthLimit: '2 MiB/s' }, { bandwidthLimit: 2_097_152 }],
    ['no url', { backendUrl: '  ' }, { backendUrl: null }],
    ['a url', { backendUrl: 'http://127.0.0.1:8080' }, { backendUrl: 'http://127.0.0.1:8080' }],
    ['toggles', { notifications: false, startAtLogin: true }, { notifications: false, startAtLogin: true }],
    ['reading files again after uploading', { verifyFile: true }, { verifyFile: true }],
  ])('%s', (_name, draft, patch) => {
    expect(edit(draft)).toEqual({ ok: true, patch });
  });

  it('a rate shown rounded is not sent back unless edited', () => {
    const base = { ...settings, bandwidthLimit: { value: 10_485_760, source: 'user' as const, lockedReason: null } };
    expect(edit({}, base)).toEqual({ ok: true, patch: {} });
    expect(edit({ bandwidthLimit: '' }, base)).toEqual({ ok: true, patch: { bandwidthLimit: null } });
  });

  it.each<[string, Partial<SettingsDraft>, string, RegExp]>([
    ['concurrency too high', { concurrency: '33' }, 'concurrency', /1 to 32/],
    ['concurrency not whole', { concurrency: '2.5' }, 'concurrency', /whole number/],
    ['files at once empty', { maxActiveTransfers: '' }, 'maxActiveTransfers', /1 to 8/],
    ['rate in bits', { bandwidthLimit: '10Mb/s' }, 'bandwidthLimit', /bits/],
    ['not a url', { backendUrl: 'dockside' }, 'backendUrl', /https:\/\//],
    ['not http', { backendUrl: 'ftp://x.example' }, 'backendUrl', /https:\/\//],
  ])('%s is refused with a reason', (_name, draft, field, reason) => {
    const result = edit(draft);
    expect(result.ok).toBe(false);
    expect(result.ok ? undefined : result.problems[field as keyof SettingsDraft]).toMatch(reason);
  });

  it('locked settings are never sent, even if the draft differs', () => {
    const base = locked(locked(settings, 'concurrency', 2), 'startAtLogin', true);
    expect(edit({ concurrency: '999', startAtLogin: false, notifications: false }, base)).toEqual({ ok: true, patch: { notifications: false } });
  });

  it('verifyFile locked by IT (on or off) is never sent', () => {
    expect(edit({ verifyFile: false }, locked(settings, 'verifyFile', true))).toEqual({ ok: true, patch: {} });
    expect(edit({ verifyFile: true, notifications: false }, locked(settings, 'verifyFile', false))).toEqual({ ok: true, patch: { notifications: false } });
  });
});
