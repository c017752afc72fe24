// The development harness in-process (src/harness/server/main.ts's startHarness: the real desktop
// services, journal and settings) in a temp folder, and a client that calls it as its page does:
// POST /harness/ipc/<channel> with the page's Origin.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarness, type Harness } from '../../src/harness/server/main.js';

export interface HarnessFixture {
  readonly harness: Harness;
  readonly dir: string;
  readonly home: string;
  /** What the harness's "Choose files…" offers (its stand-in for the file dialog). */
  readonly pickDir: string;
  /** Calls a channel as the page does; resolves with the HTTP status and the parsed reply. */
  ipc(channel: string, ...args: unknown[]): Promise<{ status: number; reply: { ok: boolean; value?: unknown; error?: { code: string; message: string } } }>;
  close(): Promise<void>;
}

export async function startHarnessFixture(name: string): Promise<HarnessFixture> {
  const dir = mkdtempSync(join(tmpdir(), `dockside-${name}-`));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
  const home = join(dir, 'home');
  const pickDir = join(dir, 'pick');
  const harness = await startHarness({ home, port: 0, pickDir, downloadsDir: join(dir, 'downloads'), rendererDir, log: () => undefined });
  const url = new URL(harness.url);
  const ipc: HarnessFixture['ipc'] = (channel, ...args) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ args });
      const req = request(
        { host: url.hostname, port: url.port, method: 'POST', path: `/harness/ipc/${channel}`, headers: { origin: url.origin, 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, reply: JSON.parse(text) as never }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    harness,
    dir,
    home,
    pickDir,
    ipc,
    close: async () => {
      await harness.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
