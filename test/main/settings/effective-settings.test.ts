import { describe, expect, it } from 'vitest';
import { settingsSchema } from '../../../src/shared/ipc-contract.js';
import {
  applyUserPatch,
  DEFAULT_SETTINGS,
  mergeLayers,
  NO_POLICY,
  resolveSettings,
  SETTING_KEYS,
  settingValues,
  toContractSettings,
  type LoadedPolicy,
  type Policy,
  type UserSettings,
} from '../../../src/main/settings/index.js';
import { thrown } from '../../support/thrown.js';

const HKLM = 'HKLM\\SOFTWARE\\Policies\\Dockside';
const policyOf = (values: Policy, place = HKLM): LoadedPolicy => mergeLayers([{ place, values }]);

describe('resolveSettings', () => {
  it('gives every key its default when there is no policy and no user value', () => {
    const effective = resolveSettings(NO_POLICY, {});
    expect(settingValues(effective)).toEqual(DEFAULT_SETTINGS);
    for (const key of SETTING_KEYS) expect(effective[key]).toMatchObject({ source: 'default', lockedReason: null, origin: 'default' });
  });

  it('takes policy over user over default, naming where each value came from', () => {
    const user: UserSettings = { updates: 'off', notifications: false, backendUrl: 'https://mine.example.com' };
    const effective = resolveSettings(policyOf({ updates: 'notify', backendUrl: 'https://dockside.example.com' }), user, '/home/a/.config/Dockside/settings.json');
    expect(effective.updates).toEqual({ value: 'notify', source: 'policy', lockedReason: `Set by your IT department (${HKLM}).`, origin: HKLM, ceiling: null });
    expect(effective.backendUrl.value).toBe('https://dockside.example.com');
    expect(effective.notifications).toMatchObject({ value: false, source: 'user', origin: '/home/a/.config/Dockside/settings.json' });
    expect(effective.startAtLogin).toMatchObject({ value: false, source: 'default' });
    expect(effective.allowStandaloneUploads).toMatchObject({ value: true, source: 'default' });
  });

  it('treats ceilings as limits: values under them stay the user’s, a stale value above is clamped and shows the policy', () => {
    const policy = policyOf({ maxConcurrency: 8, maxBandwidth: 10_000_000, maxActiveTransfers: 2 });
    const under = resolveSettings(policy, { concurrency: 6, maxActiveTransfers: 1, bandwidthLimit: 5_000_000 });
    expect(under.concurrency).toMatchObject({ value: 6, source: 'user', lockedReason: null, ceiling: { max: 8, origin: HKLM } });
    expect(under.bandwidthLimit).toMatchObject({ value: 5_000_000, source: 'user' });
    const stale = resolveSettings(policy, { concurrency: 16, maxActiveTransfers: 4 });
    expect(stale.concurrency).toMatchObject({ value: 8, source: 'policy', lockedReason: `Limited to 8 parts in flight per file by your IT department (${HKLM}).` });
    expect(stale.maxActiveTransfers).toMatchObject({ value: 2, source: 'policy' });
    // No limit (the default) is above every bandwidth ceiling.
    expect(stale.bandwidthLimit).toMatchObject({ value: 10_000_000, source: 'policy' });
    // A default above a ceiling is clamped too.
    expect(resolveSettings(policyOf({ maxConcurrency: 2 }), {}).concurrency).toMatchObject({ value: 2, source: 'policy' });
  });

  it('verifyFile: off by default, the user’s value, or locked by policy either way', () => {
    expect(DEFAULT_SETTINGS.verifyFile).toBe(false);
    expect(resolveSettings(NO_POLICY, {}).verifyFile).toEqual({ value: false, source: 'default', lockedReason: null, origin: 'default', ceiling: null });
    expect(resolveSettings(NO_POLICY, { verifyFile: true }, 'mine').verifyFile).toEqual({ value: true, source: 'user', lockedReason: null, origin: 'mine', ceiling: null });
    expect(resolveSettings(policyOf({ verifyFile: true }), { verifyFile: false }).verifyFile).toEqual({
      value: true,
      source: 'policy',
      lockedReason: `Set by your IT department (${HKLM}).`,
      origin: HKLM,
      ceiling: null,
    });
    expect(resolveSettings(policyOf({ verifyFile: false }), { verifyFile: true }).verifyFile).toMatchObject({ value: false, source: 'policy' });
    expect(toContractSettings(resolveSettings(policyOf({ verifyFile: true }), {})).verifyFile).toEqual({ value: true, source: 'policy', lockedReason: `Set by your IT department (${HKLM}).` });
  });

  it('maps to exactly the IPC contract’s Settings', () => {
    const contract = toContractSettings(resolveSettings(policyOf({ maxConcurrency: 2, backendUrl: 'https://dockside.example.com' }), { notifications: false }));
    expect(settingsSchema.parse(contract)).toEqual(contract);
    expect(Object.keys(contract).sort()).toEqual(Object.keys(settingsSchema.shape).sort());
    expect(contract.backendUrl).toEqual({ value: 'https://dockside.example.com', source: 'policy', lockedReason: `Set by your IT department (${HKLM}).` });
    expect(contract.concurrency.source).toBe('policy');
  });
});

describe('applyUserPatch', () => {
  it('returns the new user settings for free keys and values within ceilings', () => {
    const policy = policyOf({ maxConcurrency: 8 });
    expect(applyUserPatch(policy, { notifications: false }, { concurrency: 8, bandwidthLimit: null })).toEqual({ notifications: false, concurrency: 8, bandwidthLimit: null });
  });

  it('refuses a locked key with POLICY_LOCKED and changes nothing', () => {
    const policy = policyOf({ backendUrl: 'https://dockside.example.com', updates: 'off' });
    const user: UserSettings = { notifications: true };
    const error = thrown(() => applyUserPatch(policy, user, { notifications: false, updates: 'auto' }));
    expect(error.code).toBe('POLICY_LOCKED');
    expect(error.message).toContain(`updates is set by your IT department (${HKLM})`);
    expect(user).toEqual({ notifications: true });
    // The locked value itself (a settings form sending everything back) is accepted and not stored.
    expect(applyUserPatch(policy, user, { updates: 'off', notifications: false })).toEqual({ notifications: false });
  });

  it('sets verifyFile, refuses it when IT locked it (changing nothing), and refuses a value that is not true or false', () => {
    expect(applyUserPatch(NO_POLICY, { concurrency: 2 }, { verifyFile: true })).toEqual({ concurrency: 2, verifyFile: true });
    const user: UserSettings = { verifyFile: true };
    const error = thrown(() => applyUserPatch(policyOf({ verifyFile: false }), user, { verifyFile: true, notifications: false }));
    expect(error.code).toBe('POLICY_LOCKED');
    expect(error.message).toBe(`Settings not changed: verifyFile is set by your IT department (${HKLM}) and cannot be changed here.`);
    expect(user).toEqual({ verifyFile: true });
    const invalid = thrown(() => applyUserPatch(NO_POLICY, {}, { verifyFile: 'yes' } as unknown as UserSettings));
    expect(invalid.code).toBe('INVALID_INPUT');
    expect(invalid.message).toContain('verifyFile');
  });

  it('refuses a value above a ceiling (never clamps it silently)', () => {
    const policy = policyOf({ maxConcurrency: 8, maxBandwidth: 1_000_000 });
    const error = thrown(() => applyUserPatch(policy, {}, { concurrency: 9 }));
    expect(error.code).toBe('POLICY_LOCKED');
    expect(error.message).toBe(`Settings not changed: concurrency cannot be 9: your IT department allows at most 8 parts in flight per file (${HKLM}).`);
    expect(thrown(() => applyUserPatch(policy, {}, { bandwidthLimit: null })).message).toContain('bandwidthLimit cannot be no limit');
  });

  it('refuses invalid input and keys a user cannot set with INVALID_INPUT', () => {
    expect(thrown(() => applyUserPatch(NO_POLICY, {}, { concurrency: 0 })).code).toBe('INVALID_INPUT');
    expect(thrown(() => applyUserPatch(NO_POLICY, {}, { allowStandaloneUploads: false } as UserSettings)).message).toContain('unknown key "allowStandaloneUploads"');
    expect(thrown(() => applyUserPatch(NO_POLICY, {}, { backendUrl: 'http://dockside.example.com' })).code).toBe('INVALID_INPUT');
  });
});
