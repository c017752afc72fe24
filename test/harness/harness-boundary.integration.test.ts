// Issue 17, the desktop boundary, observed through the harness (the same handlers as the Electron
// main process): a page that names a path gets nothing, whatever the path (a key in ~/.ssh, a
// root-only file, /proc/self/environ) and whether or not it exists; only what the file dialog
// returned (the pick folder here) is added. And a sign-in to another backend than IT's is refused.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startGrantingBackend, type LocalHttp } from '../support/local-http.js';
import { startHarnessFixture, type HarnessFixture } from './harness-fixture.js';

let fixture: HarnessFixture;
let backend: LocalHttp;
const savedPolicyFile = process.env.DOCKSIDE_POLICY_FILE;

beforeAll(async () => {
  backend = await startGrantingBackend();
  fixture = await startHarnessFixture('harness-boundary');
  process.env.DOCKSIDE_POLICY_FILE = join(fixture.dir, 'policy.json');
});
afterEach(() => writeFileSync(process.env.DOCKSIDE_POLICY_FILE!, '{}'));
afterAll(async () => {
  await fixture?.close();
  await backend?.close();
  if (savedPolicyFile === undefined) delete process.env.DOCKSIDE_POLICY_FILE;
  else process.env.DOCKSIDE_POLICY_FILE = savedPolicyFile;
});

/** Files a page should never be able to send: stand-ins made in the temp folder, and the harness's own environment. */
function targets(): Record<string, string> {
  const ssh = join(fixture.dir, 'victim', '.ssh');
  const etc = join(fixture.dir, 'victim', 'etc');
  mkdirSync(ssh, { recursive: true });
  mkdirSync(etc, { recursive: true });
  writeFileSync(join(ssh, 'id_rsa'), '-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n', { mode: 0o600 });
  writeFileSync(join(etc, 'shadow'), 'root:$6$not-a-hash:19000:0:99999:7:::\n', { mode: 0o600 });
  return {
    'an ~/.ssh/id_rsa': join(ssh, 'id_rsa'),
    'an /etc/shadow': join(etc, 'shadow'),
    '/proc/self/environ': '/proc/self/environ',
    'a path that does not exist': join(etc, 'no-such-file'),
  };
}

describe('the harness: the page names no path', () => {
  it('transfers:add refuses every path a page names, with one answer whether or not it exists; nothing is journaled or asked of the backend', async () => {
    expect((await fixture.ipc('auth:signIn', { backendUrl: backend.url, token: 'dev-token' })).reply).toMatchObject({ ok: true });
    const before = backend.requests.length;
    const replies: Record<string, unknown[]> = {};
    for (const [what, path] of Object.entries(targets())) {
      replies[what] = [
        // The old contract, a path in place of a grant, and the preload's own channel.
        (await fixture.ipc('transfers:add', { paths: [path] })).reply,
        (await fixture.ipc('transfers:add', { grants: [path] })).reply,
        (await fixture.ipc('files:grantDropped', { paths: [path] })).reply,
      ];
    }
    const answers = Object.values(replies);
    for (const [what, reply] of Object.entries(replies)) {
      expect(reply, what).toEqual(answers[0]);
      for (const one of reply) expect(one, what).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(JSON.stringify(answers)).not.toMatch(/shadow|id_rsa|environ|no-such-file/);
    expect((await fixture.ipc('transfers:list')).reply).toEqual({ ok: true, value: [] });
    expect(backend.requests.slice(before)).toEqual([]);
  });

  it('an id main did not issue gets FILE_NOT_CHOSEN, the same for every id', async () => {
    const replies = await Promise.all(['0'.repeat(32), 'f'.repeat(32), '0123456789abcdef'.repeat(2)].map(async (id) => (await fixture.ipc('transfers:add', { grants: [id] })).reply));
    expect(replies[0]).toMatchObject({ ok: false, error: { code: 'FILE_NOT_CHOSEN' } });
    for (const reply of replies) expect(reply).toEqual(replies[0]);
  });

  it('what the file dialog (the pick folder) returned is added once, by grant; the page sees its name, never its path', async () => {
    mkdirSync(fixture.pickDir, { recursive: true });
    writeFileSync(join(fixture.pickDir, 'chosen.bin'), 'chosen by the user');
    const picked = (await fixture.ipc('dialog:pickFiles')).reply;
    expect(picked).toEqual({ ok: true, value: [expect.stringMatching(/^[0-9a-f]{32}$/)] });
    const added = (await fixture.ipc('transfers:add', { grants: picked.value })).reply;
    expect(added).toMatchObject({ ok: true, value: [{ fileName: 'chosen.bin' }] });
    expect(JSON.stringify(added)).not.toContain(fixture.pickDir);
    expect(fixture.harness.services.manager.list().map((record) => record.filePath)).toEqual([join(fixture.pickDir, 'chosen.bin')]);
    // Single use: the same grants again add nothing.
    expect((await fixture.ipc('transfers:add', { grants: picked.value })).reply).toMatchObject({ ok: false, error: { code: 'FILE_NOT_CHOSEN' } });
    await fixture.ipc('transfers:cancel', { id: (added.value as { id: string }[])[0]!.id });
  });
});

describe('the harness: IT’s backendUrl lock', () => {
  it('auth:signIn to another backend than the policy’s is refused before the backend is asked; the sign-in is unchanged', async () => {
    const signInFile = join(fixture.home, 'harness-sign-in.json');
    const signedIn = readFileSync(signInFile, 'utf8');
    writeFileSync(process.env.DOCKSIDE_POLICY_FILE!, JSON.stringify({ backendUrl: 'https://dockside.firm.example' }));
    const before = backend.requests.length;
    const { reply } = await fixture.ipc('auth:signIn', { backendUrl: backend.url, token: 'attacker-token' });
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'POLICY_LOCKED',
        message: `Not signed in: your IT department set the Dockside backend to https://dockside.firm.example (policy in ${process.env.DOCKSIDE_POLICY_FILE}); sign in to that one.`,
      },
    });
    expect(backend.requests.slice(before)).toEqual([]);
    expect(readFileSync(signInFile, 'utf8')).toBe(signedIn);
    // And the earlier sign-in (to a backend IT does not allow now) carries no upload.
    writeFileSync(join(fixture.pickDir, 'later.bin'), 'later');
    const picked = (await fixture.ipc('dialog:pickFiles')).reply;
    expect((await fixture.ipc('transfers:add', { grants: picked.value })).reply).toMatchObject({ ok: false, error: { code: 'POLICY_LOCKED' } });
    expect(backend.requests.slice(before)).toEqual([]);
  });
});
