/**
 * The desktop app's UI end to end, in Debian's Chromium driven by playwright-core, through the
 * development harness (the same desktop services as the Electron app, the same IPC contract over
 * loopback) against the local stack (moto + the backend and its jobs). A person's path: sign in,
 * add a multi-part file and watch it reach 100 % and become available; pause and resume; the
 * harness's engine process killed mid-upload and started again, the transfer resuming from the
 * journal; the transfer log telling the story; diagnostics exported without a secret; a
 * screenshot of every view saved (into docs/screenshots, shown in the README, by `npm run screenshots`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack.js';
import { freePort } from '../support/moto-server.js';
import { unzip } from '../support/unzip.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHROMIUM = process.env.DOCKSIDE_CHROMIUM ?? '/usr/bin/chromium';
const MiB = 1024 * 1024;

let dir: string;
let local: LocalStack;
let browser: Browser;
let page: Page;
let harness: ChildProcess | null = null;
let harnessOutput = '';
let port: number;
let rendererDir: string;
const home = () => join(dir, 'home');
const pickDir = () => join(dir, 'pick');
const downloads = () => join(dir, 'downloads');

async function startHarnessProcess(): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/harness/server/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DOCKSIDE_HOME: home(),
      DOCKSIDE_UI_PORT: String(port),
      DOCKSIDE_PICK_DIR: pickDir(),
      DOCKSIDE_DOWNLOADS: downloads(),
      DOCKSIDE_RENDERER_DIR: rendererDir,
      DOCKSIDE_POLICY_FILE: join(dir, 'no-policy.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  harness = child;
  harnessOutput += '\n--- harness started ---\n';
  const from = harnessOutput.length;
  const address = () => /development harness\): (http:\/\/\S+)/.exec(harnessOutput.slice(from));
  child.stdout!.on('data', (chunk: Buffer) => (harnessOutput += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (harnessOutput += chunk.toString()));
  const deadline = Date.now() + 60_000;
  while (!address()) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`The harness did not start:\n${harnessOutput}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return address()![1]!;
}

function writeRandom(path: string, size: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(MiB);
  const out: Buffer[] = [];
  for (let done = 0; done < size; done += MiB) {
    for (let i = 0; i < chunk.length; i += 4) chunk.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    const part = chunk.subarray(0, Math.min(MiB, size - done));
    hash.update(part);
    out.push(Buffer.from(part));
  }
  writeFileSync(path, Buffer.concat(out));
  return hash.digest('hex');
}

const nav = (name: string) => page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name });
const row = (fileName: string) => page.getByRole('listitem', { name: fileName });
const progressOf = async (fileName: string) => Number(await row(fileName).getByRole('progressbar').getAttribute('aria-valuenow'));

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting until ${what}.\nHarness output:\n${harnessOutput.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function shot(name: string): Promise<void> {
  // `npm run screenshots` saves them into docs/screenshots for the README; a plain test run keeps
  // them in its temporary folder so that `npm test` leaves the working tree as it found it.
  const folder = process.env.DOCKSIDE_SCREENSHOTS_DIR ?? join(dir, 'screenshots');
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
}

/** The History view re-read until `fileName` shows `status`. */
async function waitForHistory(fileName: string, status: string): Promise<void> {
  await nav('History').click();
  await waitUntil(`${fileName} is ${status} in History`, async () => {
    const text = await page.getByRole('row', { name: new RegExp(fileName) }).innerText();
    return text.includes(status);
  });
}

describe('the desktop UI in Chromium, through the harness, against the local stack', () => {
  const hashes = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dockside-ui-e2e-'));
    mkdirSync(pickDir(), { recursive: true });
    // A bandwidth limit keeps the second file moving long enough to pause it and to kill the harness mid-upload.
    mkdirSync(home(), { recursive: true });
    rendererDir = join(dir, 'renderer');
    const [stack, freeUiPort] = await Promise.all([
      startLocalStack({ dir: join(dir, 'stack'), backendEnv: { DOCKSIDE_LOG_LEVEL: 'warn' } }),
      freePort(),
      build({ configFile: join(ROOT, 'vite.renderer.config.ts'), logLevel: 'warn', build: { outDir: rendererDir, emptyOutDir: true } }),
    ]);
    local = stack;
    port = freeUiPort;
    await startHarnessProcess();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1180, height: 760 } });
    page.on('pageerror', (error) => (harnessOutput += `\n[page error] ${error.message}`));
    await page.goto(`http://127.0.0.1:${port}/`);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (harness && harness.exitCode === null) {
      harness.kill('SIGTERM');
      await new Promise((resolve) => harness!.once('exit', resolve));
    }
    await local?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('signs in from Settings; the token never comes back to the page', async () => {
    await nav('Settings').click();
    const form = page.getByRole('form', { name: 'Sign in' });
    await form.getByLabel(/backend/i).fill(local.backendUrls[0]!);
    await form.getByLabel(/token/i).fill(local.token);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('region', { name: 'Sign-in' }).waitFor();
    expect(await page.content()).not.toContain(local.token);
    // Slow enough to pause and to kill mid-upload, fast enough to finish in seconds: 6 MB/s.
    const limit = page.getByLabel(/bandwidth/i);
    await limit.fill('6MB/s');
    // One part at a time: parts reach S3 one after another, so a kill mid-file leaves some there.
    await page.getByLabel('Parts uploaded at once').fill('1');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: /saved/i }).waitFor();
    await shot('settings');
  });

  it('the page names no path: paths, made-up grants and page-made Files get nothing, the same answer whether or not the file exists', async () => {
    // Stand-ins for ~/.ssh/id_rsa and /etc/shadow, and the harness's own /proc/self/environ.
    mkdirSync(join(dir, 'victim'), { recursive: true });
    writeFileSync(join(dir, 'victim', 'id_rsa'), 'not a real key\n', { mode: 0o600 });
    writeFileSync(join(dir, 'victim', 'shadow'), 'root:not-a-hash:19000::::::\n', { mode: 0o600 });
    const paths = [join(dir, 'victim', 'id_rsa'), join(dir, 'victim', 'shadow'), '/proc/self/environ', join(dir, 'victim', 'missing')];
    // What a script injected into the page (an XSS, a malicious dependency) can call: the bridge, and the harness's HTTP itself.
    const replies = (await page.evaluate(`(async (paths) => {
      const outcome = (promise) => promise.then((value) => ({ accepted: value }), (error) => error);
      const rows = [];
      for (const path of paths) {
        rows.push([
          await outcome(window.dockside.transfersAdd({ paths: [path] })),
          await outcome(window.dockside.transfersAdd({ grants: [path] })),
          await outcome(window.docksideFiles.grantDropped([new File(['x'], path)])),
          await fetch('/harness/ipc/files:grantDropped', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args: [{ paths: [path] }] }) }).then((r) => r.json()),
        ]);
      }
      rows.push([await outcome(window.dockside.transfersAdd({ grants: ['0'.repeat(32)] }))]);
      return rows;
    })(${JSON.stringify(paths)})`)) as unknown[][];
    const [first, ...others] = replies.slice(0, paths.length);
    for (const row of others) expect(row).toEqual(first);
    expect(first).toEqual([
      { code: 'INVALID_INPUT', message: expect.any(String) },
      { code: 'INVALID_INPUT', message: expect.any(String) },
      { accepted: [] },
      { ok: false, error: { code: 'INVALID_INPUT', message: 'No such request: files:grantDropped.' } },
    ]);
    expect(replies.at(-1)).toEqual([{ code: 'FILE_NOT_CHOSEN', message: expect.any(String) }]);
    // A File dropped by a script (no path): the drop zone says to use the picker, nothing is added.
    await nav('Uploads').click();
    await page.evaluate(`(() => {
      const data = new DataTransfer();
      data.items.add(new File(['x'], 'shadow'));
      document.querySelector('[aria-label="Add files"]').dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`);
    await page.getByRole('status').filter({ hasText: /cannot be read from here/ }).waitFor();
    expect(await page.getByRole('listitem').count()).toBe(0);
  });

  it('adds a multi-part file with the picker, shows progress to 100 %, and the file becomes available', async () => {
    hashes.set('first.bin', writeRandom(join(pickDir(), 'first.bin'), 24 * MiB));
    await nav('Uploads').click();
    await page.getByRole('button', { name: /choose files/i }).click();
    await row('first.bin').waitFor();
    let sawMiddle = false;
    await waitUntil('first.bin is done', async () => {
      const value = await progressOf('first.bin');
      if (value > 0 && value < 100) sawMiddle = true;
      return (await row('first.bin').innerText()).includes('Done');
    });
    expect(sawMiddle).toBe(true);
    expect(await progressOf('first.bin')).toBe(100);
    // moto checks no checksum: the row says so, marked, and never calls the upload verified.
    const done = await row('first.bin').innerText();
    expect(done).toContain('Warning: Not verified by the server, which checks no checksum: only sizes were compared.');
    expect(done).not.toMatch(/\bverified by the server, which checked/i);
    await waitForHistory('first.bin', 'Available');
    const history = await page.getByRole('row', { name: /first\.bin/ }).innerText();
    expect(history).toContain('Upload: Not verified by the server');
    expect(history).toContain("Copy: The permanent copy's size and CRC32, as the storage reports them, equal the uploaded object's.");
    await shot('history');
  }, 150_000);

  it('pauses and resumes a transfer', async () => {
    hashes.set('second.bin', writeRandom(join(pickDir(), 'second.bin'), 64 * MiB));
    rmSync(join(pickDir(), 'first.bin'));
    await nav('Uploads').click();
    await page.getByRole('button', { name: /choose files/i }).click();
    await waitUntil('second.bin is moving', async () => (await progressOf('second.bin')) > 5);
    await shot('uploads');
    await page.getByRole('button', { name: 'Pause second.bin' }).click();
    await waitUntil('second.bin is paused', async () => (await row('second.bin').innerText()).includes('Paused'));
    const paused = await progressOf('second.bin');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await progressOf('second.bin')).toBe(paused);
    await page.getByRole('button', { name: 'Resume second.bin' }).click();
    await waitUntil('second.bin moves again', async () => (await progressOf('second.bin')) > paused);
  }, 150_000);

  it('resumes from the journal after the engine process is killed mid-upload', async () => {
    // After the first of its four parts (16 MiB each, one at a time) is in S3, before the last.
    await waitUntil('second.bin has a part in S3', async () => (await progressOf('second.bin')) >= 30);
    expect(await progressOf('second.bin')).toBeLessThan(90);
    harness!.kill('SIGKILL');
    await new Promise((resolve) => harness!.once('exit', resolve));
    await startHarnessProcess();
    await page.reload();
    await waitUntil('second.bin is done after the restart', async () => (await row('second.bin').innerText()).includes('Done'), 120_000);
    await waitForHistory('second.bin', 'Available');
    // The permanent copy is byte for byte the file.
    const location = await page.getByRole('row', { name: /second\.bin/ }).getByText(/^s3:\/\//).innerText();
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location.replace(/\s+/g, ''))!;
    const s3 = new S3Client({ endpoint: local.motoEndpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const copy = createHash('sha256').update(Buffer.from(await object.Body!.transformToByteArray())).digest('hex');
    expect(copy).toBe(hashes.get('second.bin'));
  }, 240_000);

  it('the transfer log tells the story, and diagnostics are exported without a secret', async () => {
    await nav('Transfer log').click();
    const log = page.locator('main');
    await waitUntil('the log shows the pause, the crash recovery and the completion', async () => {
      const text = await log.innerText();
      return /paused/i.test(text) && /resum/i.test(text) && /complet/i.test(text) && /picked this upload up where it stopped/.test(text);
    });
    // After the restart the engine asked S3 what it holds and did not send those parts again.
    await page.getByLabel('Search').fill('S3 holds');
    await waitUntil('the reconciliation after the crash found parts in S3', async () => /S3 holds [1-9]\d* parts?; [1-9]\d* of \d+ confirmed/.test(await log.innerText()));
    await page.getByLabel('Search').fill('');
    await waitUntil('the whole log is shown again', async () => /Upload complete, not verified by the server, which checks no checksum/.test(await log.innerText()));
    await shot('transfer-log');
    await page.getByRole('button', { name: /export diagnostics/i }).click();
    await waitUntil('the bundle is written', async () => existsSync(downloads()) && readdirSync(downloads()).some((f) => f.endsWith('.zip')));
    const bundle = join(downloads(), readdirSync(downloads()).find((f) => f.endsWith('.zip'))!);
    const text = [...(await unzip(bundle)).values()].join('\n');
    expect(text).toContain('second.bin');
    expect(text).not.toContain(local.token);
    const signIn = readFileSync(join(home(), 'harness-sign-in.json'), 'utf8');
    expect(signIn).toContain(local.token); // the harness's own store (0600), never the bundle
    expect(text).not.toMatch(/ASIA[0-9A-Z]{16}/);
    expect(text).not.toMatch(/X-Amz-Signature=/i);
  }, 150_000);
});
