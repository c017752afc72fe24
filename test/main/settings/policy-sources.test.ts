import { describe, expect, it } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { loadPolicy, parseRegQuery, registryToPolicy, type CommandResult, type PolicyEnvironment } from '../../../src/main/settings/index.js';
import {
  fakeMachine,
  PLUTIL_BAD,
  PLUTIL_MACHINE_JSON,
  PLUTIL_USER_JSON,
  REG_HKCU,
  REG_HKLM,
  REG_NOT_FOUND,
  REG_POLICIES_WITH_DOCKSIDE,
  REG_POLICIES_WITHOUT_DOCKSIDE,
} from './fixtures.js';

const HKLM = 'HKLM\\SOFTWARE\\Policies\\Dockside';
const HKCU = 'HKCU\\SOFTWARE\\Policies\\Dockside';
const REG = 'C:\\Windows\\System32\\reg.exe';
const MAC_MACHINE = '/Library/Managed Preferences/com.dockside.desktop.plist';
const MAC_USER = '/Library/Managed Preferences/alice/com.dockside.desktop.plist';

async function policyError(environment: Partial<PolicyEnvironment>): Promise<DocksideError> {
  const error = await loadPolicy(environment).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DocksideError);
  expect((error as DocksideError).code).toBe('POLICY_INVALID');
  return error as DocksideError;
}

function windows(hklm: CommandResult | string, hkcu: CommandResult | string, extra: Record<string, CommandResult | string> = {}) {
  return fakeMachine({
    platform: 'win32',
    commands: { [`query ${HKLM} /reg:64`]: hklm, [`query ${HKCU} /reg:64`]: hkcu, ...extra },
  });
}

describe('Windows registry policy', () => {
  it('reads REG_SZ, REG_DWORD (hex), REG_MULTI_SZ and the proxy pair, HKLM over HKCU key by key', async () => {
    const machine = windows(REG_HKLM, REG_HKCU);
    const policy = await loadPolicy(machine.environment);
    expect(policy.values).toEqual({
      backendUrl: 'https://dockside.example.com',
      maxConcurrency: 8, // HKLM's 8 wins over HKCU's 2
      maxBandwidth: 52_428_800,
      allowStandaloneUploads: false,
      caCertificates: ['C:\\ProgramData\\Example\\root-ca.pem', '\\\\fs01\\pki\\issuing-ca.pem'],
      proxy: { url: 'http://proxy.example.com:8080', noProxy: ['localhost', '.example.com'] },
      logRetentionDays: 90,
      updates: 'notify',
      verifyFile: true, // REG_DWORD 0x1
    });
    expect(policy.origin.maxConcurrency).toBe(HKLM);
    expect(policy.origin.updates).toBe(HKCU);
    expect(policy.origin.verifyFile).toBe(HKCU);
    expect(policy.found).toEqual([HKLM, HKCU]);
    expect(machine.calls[0]).toEqual([REG, 'query', HKLM, '/reg:64']);
  });

  it('takes a missing key as no policy, asking the parent key (reg.exe messages are translated)', async () => {
    const machine = windows(REG_NOT_FOUND, REG_NOT_FOUND, {
      'query HKLM\\SOFTWARE\\Policies /reg:64': REG_POLICIES_WITHOUT_DOCKSIDE,
      'query HKCU\\SOFTWARE\\Policies /reg:64': REG_NOT_FOUND,
    });
    const policy = await loadPolicy(machine.environment);
    expect(policy.values).toEqual({});
    expect(policy.checked).toEqual([HKLM, HKCU]);
  });

  it('fails closed when the key exists but cannot be read', async () => {
    const denied = { exitCode: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' };
    const machine = windows(denied, REG_NOT_FOUND, { 'query HKLM\\SOFTWARE\\Policies /reg:64': REG_POLICIES_WITH_DOCKSIDE });
    const error = await policyError(machine.environment);
    expect(error.message).toContain(HKLM);
    expect(error.message).toContain('Access is denied');
  });

  it('fails closed on an unknown value name, naming the key and the value', async () => {
    const hklm = REG_HKLM.replace('maxConcurrency', 'maxConcurency');
    const error = await policyError(windows(hklm, REG_NOT_FOUND).environment);
    expect(error.message).toContain(HKLM);
    expect(error.message).toContain('"maxConcurency"');
    expect(error.message).toMatch(/ask your IT department/);
  });

  it('fails closed on a value of the wrong registry type', async () => {
    const hklm = REG_HKLM.replace('maxConcurrency    REG_DWORD    0x8', 'maxConcurrency    REG_SZ    8');
    const error = await policyError(windows(hklm, REG_NOT_FOUND).environment);
    expect(error.message).toContain('"maxConcurrency" is a REG_SZ value; it must be REG_DWORD or REG_QWORD');
  });

  it('fails closed on an out-of-range DWORD and a boolean that is not 0 or 1', async () => {
    const tooMany = REG_HKLM.replace('0x8', '0x40');
    expect((await policyError(windows(tooMany, REG_NOT_FOUND).environment)).message).toMatch(/"maxConcurrency" must be a whole number from 1 to 32 \(it is 64\)/);
    const notBool = REG_HKLM.replace('allowStandaloneUploads    REG_DWORD    0x0', 'allowStandaloneUploads    REG_DWORD    0x2');
    expect((await policyError(windows(notBool, REG_NOT_FOUND).environment)).message).toContain('"allowStandaloneUploads" must be 1 (enabled) or 0 (disabled)');
    const verifyNotBool = REG_HKCU.replace('verifyFile    REG_DWORD    0x1', 'verifyFile    REG_DWORD    0x3');
    expect((await policyError(windows(REG_NOT_FOUND, verifyNotBool, { 'query HKLM\\SOFTWARE\\Policies /reg:64': REG_POLICIES_WITHOUT_DOCKSIDE }).environment)).message).toContain(
      '"verifyFile" must be 1 (enabled) or 0 (disabled); it is 3',
    );
  });

  it('fails closed on an http backend that is not loopback, and on proxyNoProxy without a proxy URL', async () => {
    const http = REG_HKLM.replace('https://dockside.example.com', 'http://dockside.example.com');
    expect((await policyError(windows(http, REG_NOT_FOUND).environment)).message).toMatch(/"backendUrl" must be an https:\/\/ URL/);
    const system = REG_HKLM.replace('http://proxy.example.com:8080', 'system');
    expect((await policyError(windows(system, REG_NOT_FOUND).environment)).message).toContain('"proxyNoProxy" is set but "proxy" is not a proxy URL');
  });

  it('fails closed on an unknown subkey and when reg.exe cannot be run', async () => {
    const withSubkey = `${REG_HKLM}HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Dockside\\Dockside\r\n`;
    expect((await policyError(windows(withSubkey, REG_NOT_FOUND).environment)).message).toContain('subkey "Dockside"');
    const broken = fakeMachine({ platform: 'win32', commands: { [`query ${HKLM} /reg:64`]: new Error('spawn reg.exe ENOENT') } });
    expect((await policyError(broken.environment)).message).toContain('ENOENT');
  });

  it('parses empty values, REG_QWORD and REG_EXPAND_SZ (environment variables expanded)', () => {
    const listing = parseRegQuery(
      [
        '',
        'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Dockside',
        '    maxBandwidth    REG_QWORD    0x6400000',
        '    caCertificates    REG_MULTI_SZ    ',
        '    backendUrl    REG_EXPAND_SZ    https://%DOCKSIDE_HOST%/',
        '',
      ].join('\r\n'),
      HKLM,
    );
    expect(registryToPolicy(listing, HKLM, { DOCKSIDE_HOST: 'dockside.example.com' })).toEqual({
      maxBandwidth: 104_857_600,
      caCertificates: [],
      backendUrl: 'https://dockside.example.com/',
    });
  });
});

describe('macOS managed preferences', () => {
  it("reads both files through plutil, the user's over the computer's, ignoring payload bookkeeping keys", async () => {
    const machine = fakeMachine({
      platform: 'darwin',
      files: { [MAC_MACHINE]: 'bplist00…', [MAC_USER]: 'bplist00…' },
      commands: { [`-convert json -o - ${MAC_USER}`]: PLUTIL_USER_JSON, [`-convert json -o - ${MAC_MACHINE}`]: PLUTIL_MACHINE_JSON },
    });
    const policy = await loadPolicy(machine.environment);
    expect(policy.values.maxConcurrency).toBe(4);
    expect(policy.origin.maxConcurrency).toBe(MAC_USER);
    expect(policy.values.proxy).toEqual({ url: 'http://proxy.example.com:8080', noProxy: ['localhost', '.example.com'] });
    expect(policy.values.updates).toBe('off');
    expect(policy.origin.updates).toBe(MAC_MACHINE);
    expect(policy.values.verifyFile).toBe(false);
    expect(machine.calls.every((call) => call[0] === '/usr/bin/plutil')).toBe(true);
  });

  it('takes missing files as no policy (plutil is not run)', async () => {
    const machine = fakeMachine({ platform: 'darwin' });
    expect((await loadPolicy(machine.environment)).values).toEqual({});
    expect(machine.calls).toEqual([]);
  });

  it('fails closed when plutil cannot convert the file, and on an unknown key', async () => {
    const bad = fakeMachine({ platform: 'darwin', files: { [MAC_MACHINE]: 'garbage' }, commands: { [`-convert json -o - ${MAC_MACHINE}`]: PLUTIL_BAD } });
    const error = await policyError(bad.environment);
    expect(error.message).toContain(MAC_MACHINE);
    expect(error.message).toContain('Property List error');
    const unknown = fakeMachine({ platform: 'darwin', files: { [MAC_USER]: 'x' }, commands: { [`-convert json -o - ${MAC_USER}`]: '{"maxConcurrency":4,"MaxSpeed":1}' } });
    expect((await policyError(unknown.environment)).message).toMatch(/alice\/com\.dockside\.desktop\.plist is not valid: unknown key "MaxSpeed"/);
  });
});

describe('Linux policy file', () => {
  const ETC = '/etc/dockside/policy.json';

  it('reads /etc/dockside/policy.json', async () => {
    const machine = fakeMachine({ platform: 'linux', files: { [ETC]: '{ "maxActiveTransfers": 1, "allowStandaloneUploads": false }' } });
    const policy = await loadPolicy(machine.environment);
    expect(policy.values).toEqual({ maxActiveTransfers: 1, allowStandaloneUploads: false });
    expect(policy.origin.maxActiveTransfers).toBe(ETC);
  });

  it('takes a missing file as no policy', async () => {
    const policy = await loadPolicy(fakeMachine({ platform: 'linux' }).environment);
    expect(policy).toMatchObject({ values: {}, checked: [ETC], found: [] });
  });

  it('fails closed on malformed JSON, a non-object, an unknown key and an unreadable file', async () => {
    const cases: [string | Error, RegExp][] = [
      ['{ "maxConcurrency": 8, }', /policy\.json is not valid: the file is not valid JSON/],
      ['[1, 2]', /must be an object of settings/],
      ['{ "maxConcurrency": 8, "colour": "blue" }', /unknown key "colour"/],
      ['{ "updates": "sometimes" }', /"updates" must be one of "auto", "notify" or "off" \(it is "sometimes"\)/],
      ['{ "proxy": { "url": "http://p:8080", "bypass": ["x"] } }', /unknown key "proxy.bypass"/],
      [Object.assign(new Error("EACCES: permission denied, open '/etc/dockside/policy.json'"), { code: 'EACCES' }), /the file cannot be read \(EACCES/],
    ];
    for (const [content, message] of cases) {
      const error = await policyError(fakeMachine({ platform: 'linux', files: { [ETC]: content } }).environment);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(ETC);
    }
  });

  it('DOCKSIDE_POLICY_FILE adds a lower policy file: it never hides the platform policy', async () => {
    const extra = '/tmp/extra-policy.json';
    const machine = fakeMachine({
      platform: 'linux',
      env: { DOCKSIDE_POLICY_FILE: extra },
      files: { [ETC]: '{ "maxConcurrency": 4 }', [extra]: '{ "maxConcurrency": 32, "updates": "off" }' },
    });
    const policy = await loadPolicy(machine.environment);
    expect(policy.values).toEqual({ maxConcurrency: 4, updates: 'off' });
    expect(policy.origin).toEqual({ maxConcurrency: ETC, updates: extra });
    // And it is read on other platforms too (tests of the CLI on any machine).
    const win = windows(REG_NOT_FOUND, REG_NOT_FOUND, {
      'query HKLM\\SOFTWARE\\Policies /reg:64': REG_POLICIES_WITHOUT_DOCKSIDE,
      'query HKCU\\SOFTWARE\\Policies /reg:64': REG_POLICIES_WITHOUT_DOCKSIDE,
    });
    const withFile = { ...win.environment, env: { DOCKSIDE_POLICY_FILE: extra }, readFile: async (p: string) => (p === extra ? '{ "updates": "off" }' : null) };
    expect((await loadPolicy(withFile)).values).toEqual({ updates: 'off' });
  });
});
