// One table of policy-locked settings, one choke point: every key of POLICY_RULES, locked by a
// policy, tried through every carrier (the CLI as a process, the window's IPC through ipcMain's
// sender check and the shared dispatch, the browser harness over HTTP) and every write path each
// carrier has for it (settings, sign-in, per-upload options). Each try gets a typed refusal
// (POLICY_LOCKED naming the policy, or INVALID_INPUT where the carrier has no way to write the
// key at all), and nothing changes: no settings written, no sign-in, no journal.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SignIn } from '../../../src/main/desktop/auth-bridge.js';
import { openDesktopServices, type DesktopServices } from '../../../src/main/desktop/desktop-services.js';
import { MemoryUserSettingsStore, POLICY_RULE_KEYS, type Policy, type PolicyKey } from '../../../src/main/settings/index.js';
import { appOrigin } from '../../../src/main/app/app-origin.js';
import { handlers as ipcHandlers } from '../app/fake-ipc-main.js';
import { journalExists, runCli, tempDir, writeRandomFile } from '../cli/run-cli.js';
import { startHarnessFixture, type HarnessFixture } from '../../harness/harness-fixture.js';

vi.mock('electron', async () => ({ ipcMain: (await import('../app/fake-ipc-main.js')).ipcMain }));
const { handleAll } = await import('../../../src/main/app/ipc-main.js');

/** Every policy key set at once. */
const POLICY = {
  backendUrl: 'https://it.firm.example',
  maxConcurrency: 4,
  maxBandwidth: 1_000_000,
  maxActiveTransfers: 1,
  proxy: 'system',
  caCertificates: [],
  allowStandaloneUploads: false,
  logRetentionDays: 30,
  updates: 'off',
  verifyFile: false,
} as const satisfies Required<Policy>;

type Refusal = 'POLICY_LOCKED' | 'INVALID_INPUT';
/** A request of the contract, and the refusal it must get. */
type WindowTry = readonly [channel: 'settings:set' | 'auth:signIn', payload: Record<string, unknown>, expected: Refusal];
/** CLI arguments (FILE stands for a file to upload), and the refusal (exit 2 either way). */
type CliTry = readonly [args: readonly string[], expected: Refusal];

// On loopback, so that a carrier without the gate (today's main) fails here without sending anything off this machine.
const ELSEWHERE = 'http://127.0.0.1:9';
/**
 * How each carrier can try to write each key past the policy. The window's settings screen has no
 * proxy, CA, standalone, retention or updates settings: the contract's strict schema refuses them.
 */
const TRIES = {
  backendUrl: {
    window: [
      ['settings:set', { backendUrl: ELSEWHERE }, 'POLICY_LOCKED'],
      ['auth:signIn', { backendUrl: ELSEWHERE, token: 'attacker-token' }, 'POLICY_LOCKED'],
    ],
    cli: [
      [['config', 'set', 'backendUrl', ELSEWHERE], 'POLICY_LOCKED'],
      [['login', '--backend', ELSEWHERE, '--token', 'attacker-token'], 'POLICY_LOCKED'],
    ],
  },
  maxConcurrency: {
    window: [['settings:set', { concurrency: 5 }, 'POLICY_LOCKED']],
    cli: [
      [['config', 'set', 'concurrency', '5'], 'POLICY_LOCKED'],
      [['upload', 'FILE', '--concurrency', '5'], 'POLICY_LOCKED'],
    ],
  },
  maxBandwidth: {
    window: [
      ['settings:set', { bandwidthLimit: 2_000_000 }, 'POLICY_LOCKED'],
      ['settings:set', { bandwidthLimit: null }, 'POLICY_LOCKED'],
    ],
    cli: [
      [['config', 'set', 'bandwidthLimit', 'none'], 'POLICY_LOCKED'],
      [['upload', 'FILE', '--limit-rate', '2000000'], 'POLICY_LOCKED'],
    ],
  },
  maxActiveTransfers: {
    window: [['settings:set', { maxActiveTransfers: 2 }, 'POLICY_LOCKED']],
    cli: [
      [['config', 'set', 'maxActiveTransfers', '2'], 'POLICY_LOCKED'],
      [['upload', 'FILE', '--transfers', '2'], 'POLICY_LOCKED'],
    ],
  },
  proxy: {
    window: [['settings:set', { proxy: { url: 'http://proxy.example.com:8080' } }, 'INVALID_INPUT']],
    cli: [[['config', 'set', 'proxy', 'http://proxy.example.com:8080'], 'POLICY_LOCKED']],
  },
  caCertificates: {
    window: [['settings:set', { caCertificates: ['/etc/ssl/certs/other-root.pem'] }, 'INVALID_INPUT']],
    cli: [[['config', 'set', 'caCertificates', '/etc/ssl/certs/other-root.pem'], 'POLICY_LOCKED']],
  },
  allowStandaloneUploads: {
    window: [['settings:set', { allowStandaloneUploads: true }, 'INVALID_INPUT']],
    cli: [
      [['upload', 'FILE', '--bucket', 'dock-bucket'], 'POLICY_LOCKED'],
      [['config', 'set', 'allowStandaloneUploads', 'true'], 'INVALID_INPUT'],
    ],
  },
  logRetentionDays: {
    window: [['settings:set', { logRetentionDays: 7 }, 'INVALID_INPUT']],
    cli: [[['config', 'set', 'logRetentionDays', '7'], 'POLICY_LOCKED']],
  },
  updates: {
    window: [['settings:set', { updates: 'auto' }, 'INVALID_INPUT']],
    cli: [[['config', 'set', 'updates', 'auto'], 'POLICY_LOCKED']],
  },
  verifyFile: {
    window: [['settings:set', { verifyFile: true }, 'POLICY_LOCKED']],
    cli: [
      [['config', 'set', 'verifyFile', 'true'], 'POLICY_LOCKED'],
      [['upload', 'FILE', '--verify-file'], 'POLICY_LOCKED'],
    ],
  },
} as const satisfies Record<PolicyKey, { window: readonly WindowTry[]; cli: readonly CliTry[] }>;

const scratch = tempDir('policy-gate');
afterAll(() => scratch.remove());
const policyFile = join(scratch.path, 'policy.json');
writeFileSync(policyFile, JSON.stringify(POLICY));

const keys = POLICY_RULE_KEYS.map((key) => [key] as const);

it('covers every key of the one table, and nothing else', () => {
  expect(Object.keys(TRIES).sort()).toEqual([...POLICY_RULE_KEYS].sort());
});

describe('the CLI (a process, the policy in DOCKSIDE_POLICY_FILE)', () => {
  it.each(keys)('%s: every write the CLI has is refused with exit 2, nothing written', async (key) => {
    for (const [args, expected] of TRIES[key].cli) {
      const dir = join(scratch.path, `cli-${key}-${args.join('-').replace(/[^a-z0-9-]/gi, '_')}`);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'data.bin');
      writeRandomFile(file, 1024);
      const home = join(dir, 'home');
      const result = await runCli(
        args.map((arg) => (arg === 'FILE' ? file : arg)),
        { home, env: { DOCKSIDE_POLICY_FILE: policyFile } },
      );
      const what = `${key}: dockside ${args.join(' ')}`;
      expect(result.code, `${what}\n${result.stderr}`).toBe(2);
      if (expected === 'POLICY_LOCKED') expect(result.stderr, what).toMatch(new RegExp(`IT department.*\\(.*${policyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`));
      else expect(result.stderr, what).toContain('not a setting you can change');
      expect(existsSync(join(home, 'settings.json')), what).toBe(false);
      expect(existsSync(join(home, 'login.json')), what).toBe(false);
      expect(journalExists(home), what).toBe(false);
    }
  });
});

/** What a window carrier's tries must leave as it was. */
interface WindowState {
  settings: unknown;
  signIn: unknown;
  transfers: unknown;
}

function expectRefused(reply: unknown, expected: Refusal, what: string): void {
  expect(reply, what).toMatchObject({ ok: false, error: { code: expected } });
  if (expected === 'POLICY_LOCKED') expect((reply as { error: { message: string } }).error.message, what).toMatch(/IT department/);
}

describe('the window’s IPC (ipcMain’s sender check, then the shared dispatch, over the real desktop services)', () => {
  const PAGE = 'file:///app/index.html';
  let services: DesktopServices;
  let signIn: SignIn | null = null;
  const setSignIn = vi.fn((next: SignIn) => ((signIn = next), true));
  const store = new MemoryUserSettingsStore({ concurrency: 2 });
  let off: () => void;

  beforeAll(async () => {
    services = await openDesktopServices({
      home: join(scratch.path, 'ipc-home'),
      signIns: { get: () => signIn, set: setSignIn, clear: () => (signIn = null) },
      settingsStore: store,
      policyEnvironment: { platform: 'linux', env: { DOCKSIDE_POLICY_FILE: policyFile }, userName: 'ann' },
      emit: () => undefined,
      pickFiles: async () => [],
      chooseDiagnosticsFile: async () => null,
      appVersion: '0.0.0',
      validate: true,
      log: () => undefined,
    });
    off = handleAll(services.handlers, { policy: { origin: appOrigin(PAGE), isOurWebContents: () => true }, validateResponses: true });
  });
  afterAll(async () => {
    off?.();
    await services?.close();
  });

  const invoke = (channel: string, payload: unknown) => ipcHandlers.get(channel)!({ sender: {}, senderFrame: { parent: null, url: PAGE } }, payload);
  const state = async (): Promise<WindowState> => ({ settings: [await invoke('settings:get', undefined), await store.read()], signIn, transfers: await invoke('transfers:list', undefined) });

  it.each(keys)('%s: refused, nothing changed', async (key) => {
    const before = await state();
    for (const [channel, payload, expected] of TRIES[key].window) expectRefused(await invoke(channel, payload), expected, `${key}: ${channel} ${JSON.stringify(payload)}`);
    expect(await state()).toEqual(before);
    expect(setSignIn).not.toHaveBeenCalled();
  });
});

describe('the harness (the page’s requests over loopback HTTP, the policy in DOCKSIDE_POLICY_FILE)', () => {
  let fixture: HarnessFixture;
  const saved = process.env.DOCKSIDE_POLICY_FILE;

  beforeAll(async () => {
    process.env.DOCKSIDE_POLICY_FILE = policyFile;
    fixture = await startHarnessFixture('policy-gate-harness');
  });
  afterAll(async () => {
    await fixture?.close();
    if (saved === undefined) delete process.env.DOCKSIDE_POLICY_FILE;
    else process.env.DOCKSIDE_POLICY_FILE = saved;
  });

  const files = () => ['settings.json', 'harness-sign-in.json'].map((name) => (existsSync(join(fixture.home, name)) ? readFileSync(join(fixture.home, name), 'utf8') : null));
  const state = async (): Promise<WindowState> => ({
    settings: [(await fixture.ipc('settings:get')).reply, files()[0]],
    signIn: [(await fixture.ipc('auth:status')).reply, files()[1]],
    transfers: (await fixture.ipc('transfers:list')).reply,
  });

  it.each(keys)('%s: refused, nothing changed', async (key) => {
    const before = await state();
    for (const [channel, payload, expected] of TRIES[key].window) expectRefused((await fixture.ipc(channel, payload)).reply, expected, `${key}: ${channel} ${JSON.stringify(payload)}`);
    expect(await state()).toEqual(before);
  });
});
