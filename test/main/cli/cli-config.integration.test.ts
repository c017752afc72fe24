// `dockside config show` and the policy's enforcement in upload and resume, with the policy in a
// DOCKSIDE_POLICY_FILE under a temp folder (never /etc). No S3 is needed: every refusal comes
// before the journal is opened or anything is sent.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { policyBackendLogin } from '../../../src/main/cli/cli-settings.js';
import { journalExists, runCli, tempDir, writeRandomFile } from './run-cli.js';

const scratch = tempDir('config');
afterAll(() => scratch.remove());
let n = 0;

/** A fresh DOCKSIDE_HOME and a policy file with `policy` (a string is written as it is). */
function setup(policy?: unknown): { home: string; env: Record<string, string>; policyFile: string; file: string } {
  const dir = join(scratch.path, `case-${++n}`);
  mkdirSync(dir, { recursive: true });
  const policyFile = join(dir, 'policy.json');
  if (policy !== undefined) writeFileSync(policyFile, typeof policy === 'string' ? policy : JSON.stringify(policy));
  const file = join(dir, 'data.bin');
  writeRandomFile(file, 1024);
  return { home: join(dir, 'home'), env: { DOCKSIDE_POLICY_FILE: policyFile }, policyFile, file };
}

describe('dockside config show', () => {
  it('prints every setting with its value and source', async () => {
    const { home, env, policyFile } = setup({ maxConcurrency: 8, updates: 'off' });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ concurrency: 6, notifications: false }));
    const result = await runCli(['config', 'show'], { home, env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^SETTING\s+VALUE\s+SOURCE/);
    expect(result.stdout).toMatch(new RegExp(`updates\\s+off\\s+policy \\(${policyFile}\\)`));
    expect(result.stdout).toMatch(new RegExp(`concurrency\\s+6 \\(IT allows at most 8\\)\\s+your settings \\(${join(home, 'settings.json')}\\)`));
    expect(result.stdout).toMatch(/maxActiveTransfers\s+2\s+default/);
    expect(result.stdout).toMatch(/verifyFile\s+false\s+default/);
    for (const key of ['backendUrl', 'bandwidthLimit', 'startAtLogin', 'proxy', 'caCertificates', 'allowStandaloneUploads', 'logRetentionDays']) {
      expect(result.stdout).toContain(key);
    }
    expect(result.stdout).toContain(`Machine-wide policy: ${policyFile}`);
  });

  it('--json gives each setting its value, source, origin and lock', async () => {
    const { home, env, policyFile } = setup({ allowStandaloneUploads: false, maxBandwidth: 1_000_000 });
    const result = await runCli(['config', 'show', '--json'], { home, env });
    expect(result.code, result.stderr).toBe(0);
    const shown = JSON.parse(result.stdout) as { settings: Record<string, Record<string, unknown>>; policy: { found: string[] }; userSettingsFile: string };
    expect(shown.settings.allowStandaloneUploads).toEqual({ value: false, source: 'policy', origin: policyFile, lockedReason: `Set by your IT department (${policyFile}).`, ceiling: null });
    expect(shown.settings.bandwidthLimit).toMatchObject({ value: 1_000_000, source: 'policy', ceiling: { max: 1_000_000, origin: policyFile } });
    expect(shown.settings.concurrency).toMatchObject({ value: 4, source: 'default', lockedReason: null });
    expect(shown.policy.found).toEqual([policyFile]);
    expect(shown.userSettingsFile).toBe(join(home, 'settings.json'));
  });

  it('reports an invalid policy clearly, with exit code 78', async () => {
    const { home, env, policyFile } = setup({ maxConcurency: 8 });
    const result = await runCli(['config', 'show'], { home, env });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`The machine-wide Dockside policy in ${policyFile} is not valid: unknown key "maxConcurency"`);
    expect(result.stderr).toContain('ask your IT department');
    const json = await runCli(['config', 'show', '--json'], { home, env });
    expect(json.code).toBe(78);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'POLICY_INVALID' } });
  });

  it('config set refuses a value above the ceiling (nothing written) and saves one within it', async () => {
    const { home, env, policyFile } = setup({ maxConcurrency: 8 });
    const above = await runCli(['config', 'set', 'concurrency', '12'], { home, env });
    expect(above.code).toBe(2);
    expect(above.stderr).toContain(`your IT department allows at most 8 parts in flight per file (${policyFile})`);
    expect(existsSync(join(home, 'settings.json'))).toBe(false);
    const within = await runCli(['config', 'set', 'concurrency', '6'], { home, env });
    expect(within.code, within.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toEqual({ concurrency: 6 });
  });

  it('config set verifyFile true|false is saved and shown; a word that is not true or false changes nothing', async () => {
    const { home, env } = setup();
    const settingsJson = join(home, 'settings.json');
    const bad = await runCli(['config', 'set', 'verifyFile', 'yes'], { home, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('verifyFile yes: use true or false.');
    expect(existsSync(settingsJson)).toBe(false);
    const on = await runCli(['config', 'set', 'verifyFile', 'true'], { home, env });
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(new RegExp(`verifyFile\\s+true\\s+your settings \\(${settingsJson}\\)`));
    expect(JSON.parse(readFileSync(settingsJson, 'utf8'))).toEqual({ verifyFile: true });
    const shown = await runCli(['config', 'show', '--json'], { home, env });
    expect((JSON.parse(shown.stdout) as { settings: Record<string, unknown> }).settings.verifyFile).toMatchObject({ value: true, source: 'user', lockedReason: null });
    const off = await runCli(['config', 'set', 'verifyFile', 'false'], { home, env });
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(readFileSync(settingsJson, 'utf8'))).toEqual({ verifyFile: false });
  });

  it('config set verifyFile is refused when the policy locks it, and nothing is written', async () => {
    const { home, env, policyFile } = setup({ verifyFile: true });
    mkdirSync(home, { recursive: true });
    const settingsJson = join(home, 'settings.json');
    writeFileSync(settingsJson, JSON.stringify({ concurrency: 6 }));
    const shown = await runCli(['config', 'show'], { home, env });
    expect(shown.stdout).toMatch(new RegExp(`verifyFile\\s+true\\s+policy \\(${policyFile}\\)`));
    const refused = await runCli(['config', 'set', 'verifyFile', 'false'], { home, env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`Settings not changed: verifyFile is set by your IT department (${policyFile}) and cannot be changed here.`);
    expect(readFileSync(settingsJson, 'utf8')).toBe(JSON.stringify({ concurrency: 6 }));
  });
});

describe('policy enforcement in upload and resume', () => {
  it('upload and resume refuse to run on an invalid policy (exit 78), the journal untouched', async () => {
    for (const policy of ['{ "maxConcurrency": 8,', { maxConcurrency: 'eight' }, { colour: 'blue' }]) {
      const { home, env, policyFile, file } = setup(policy);
      const upload = await runCli(['upload', file, '--bucket', 'dock-bucket'], { home, env });
      expect(upload.code, upload.stderr).toBe(78);
      expect(upload.stderr).toContain(policyFile);
      const resume = await runCli(['resume', '--all'], { home, env });
      expect(resume.code, resume.stderr).toBe(78);
      expect(journalExists(home)).toBe(false);
    }
  });

  it('a damaged settings file also stops an upload (exit 78) and is left as it is', async () => {
    const { home, env, file } = setup();
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'settings.json'), '{ "concurrency": ');
    const result = await runCli(['upload', file, '--bucket', 'dock-bucket'], { home, env });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(`Your settings file ${join(home, 'settings.json')} is damaged`);
    expect(readFileSync(join(home, 'settings.json'), 'utf8')).toBe('{ "concurrency": ');
    expect(journalExists(home)).toBe(false);
  });

  it('refuses flags above a policy ceiling, naming the policy', async () => {
    const { home, env, policyFile, file } = setup({ maxConcurrency: 8, maxActiveTransfers: 1, maxBandwidth: 10_485_760 });
    const cases: [string[], string][] = [
      [['--concurrency', '16'], `--concurrency: your IT department allows at most 8 parts in flight per file (policy in ${policyFile})`],
      [['--transfers', '2'], '--transfers: your IT department allows at most 1 files uploading at once'],
      [['--limit-rate', '20MB/s'], '--limit-rate: your IT department allows at most an upload rate of'],
    ];
    for (const [flags, message] of cases) {
      const result = await runCli(['upload', file, '--bucket', 'dock-bucket', ...flags], { home, env });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(message);
      const resume = await runCli(['resume', '--all', ...flags], { home, env });
      expect(resume.code, resume.stderr).toBe(2);
    }
    expect(journalExists(home)).toBe(false);
  });

  it('refuses --verify-file when the policy turns verifyFile off, naming the policy, the journal untouched', async () => {
    const { home, env, policyFile, file } = setup({ verifyFile: false });
    const upload = await runCli(['upload', file, '--bucket', 'dock-bucket', '--verify-file'], { home, env });
    expect(upload.code, upload.stderr).toBe(2);
    expect(upload.stderr).toContain(`--verify-file: reading files again after uploading them is turned off by your IT department (policy in ${policyFile}). Leave the option out.`);
    const resume = await runCli(['resume', '--all', '--verify-file'], { home, env });
    expect(resume.code, resume.stderr).toBe(2);
    expect(resume.stderr).toContain(`policy in ${policyFile}`);
    expect(journalExists(home)).toBe(false);
  });

  it('refuses a standalone upload when allowStandaloneUploads is false', async () => {
    const { home, env, policyFile, file } = setup({ allowStandaloneUploads: false });
    const flag = await runCli(['upload', file, '--bucket', 'dock-bucket'], { home, env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(`--bucket dock-bucket: uploads straight to S3 with your own AWS credentials are turned off by your IT department (policy in ${policyFile})`);
    const fromEnv = await runCli(['upload', file], { home, env: { ...env, DOCKSIDE_BUCKET: 'dock-bucket' } });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('DOCKSIDE_BUCKET=dock-bucket: uploads straight to S3');
    expect(journalExists(home)).toBe(false);
  });

  it('uses the policy backendUrl as the backend: signed in elsewhere, it asks for a sign-in to the policy one', async () => {
    const { home, env, policyFile, file } = setup({ backendUrl: 'https://dockside.example.com' });
    const result = await runCli(['upload', file], { home, env: { ...env, DOCKSIDE_BACKEND_URL: 'https://other.example.com', DOCKSIDE_TOKEN: 'token' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Your IT department set the Dockside backend to https://dockside.example.com (policy in ${policyFile}). Sign in to it with \`dockside login --backend https://dockside.example.com\``);
    expect(journalExists(home)).toBe(false);
  });

  it('login refuses another backend than the one the policy sets, and saves nothing', async () => {
    const { home, env, policyFile } = setup({ backendUrl: 'https://dockside.example.com' });
    const result = await runCli(['login', '--backend', 'https://other.example.com', '--token', 'token'], { home, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Your IT department set the Dockside backend to https://dockside.example.com (policy in ${policyFile})`);
    expect(existsSync(join(home, 'login.json'))).toBe(false);
  });

  it('policyBackendLogin takes the saved or environment sign-in for the policy backend only', () => {
    const url = 'https://dockside.example.com';
    const home = join(scratch.path, 'no-login');
    expect(policyBackendLogin(url, 'p', home, { DOCKSIDE_BACKEND_URL: url, DOCKSIDE_TOKEN: 't1' })).toEqual({ url, token: 't1' });
    expect(policyBackendLogin(url, 'p', home, { DOCKSIDE_TOKEN: 't2' })).toEqual({ url, token: 't2' });
    expect(() => policyBackendLogin(url, 'p', home, {})).toThrow(/Sign in to it/);
  });
});
