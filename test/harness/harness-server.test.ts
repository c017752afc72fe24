// The development harness's HTTP carrier: loopback only, requests only from its own page, the
// shared dispatch in front of every handler, events as Server-Sent Events.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startHarnessServer, type HarnessServer } from '../../src/harness/server/harness-server.js';

let dir: string;
let server: HarnessServer;
let origin: string;
const add = vi.fn(async ({ grants }: { grants: string[] }) => grants.map(() => { throw new Error('not in this test'); }));
const list = vi.fn(() => []);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dockside-harness-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>t</title></head><body></body></html>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  server = await startHarnessServer({ rendererDir: dir, bridgeScript: '/* bridge */', port: 0, validate: true, log: () => undefined });
  server.setHandlers({ 'transfers:list': list, 'transfers:add': add } as never);
  origin = server.url.replace(/\/$/, '');
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, so Host and Origin can be anything. */
function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; type: string }> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, method, path: url.pathname, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, type: String(res.headers['content-type']) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const host = () => new URL(origin).host;
const ipc = (channel: string, body: string, extra: Record<string, string> = {}) =>
  call('POST', `/harness/ipc/${channel}`, { host: host(), origin, 'content-type': 'application/json', ...extra }, body);

describe('the harness server', () => {
  it('listens on loopback and serves the page with the bridge script before the app', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await call('GET', '/', { host: host() });
    expect(page.status).toBe(200);
    expect(page.body.indexOf('/harness/bridge.js')).toBeGreaterThan(-1);
    expect((await call('GET', '/assets/app.js', { host: host() })).type).toContain('javascript');
    expect((await call('GET', '/assets/../../etc/passwd', { host: host() })).status).toBe(404);
  });

  it('refuses another Host (DNS rebinding) and another Origin (a page elsewhere)', async () => {
    expect((await call('GET', '/', { host: 'evil.example:80' })).status).toBe(421);
    const foreign = await ipc('transfers:list', '{"args":[]}', { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect((await ipc('transfers:list', '{"args":[]}', { origin: '' })).status).toBe(403);
    expect(list).not.toHaveBeenCalled();
  });

  it('answers a request through the shared dispatch', async () => {
    const reply = await ipc('transfers:list', '{"args":[]}');
    expect(JSON.parse(reply.body)).toEqual({ ok: true, value: [] });
    expect(list).toHaveBeenCalledOnce();
  });

  it('refuses unknown channels, malformed and oversized payloads, and never calls the handler', async () => {
    expect(JSON.parse((await ipc('transfers:explode', '{"args":[]}')).body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.parse((await ipc('transfers:add', 'not json')).body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.parse((await ipc('transfers:add', '{"args":[{"grants":[]}]}')).body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(JSON.parse((await ipc('transfers:add', `{"args":[{"grants":["${'a'.repeat(32)}"]},{"x":1}]}`)).body)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const huge = JSON.stringify({ args: [{ grants: Array.from({ length: 5000 }, () => `/${'x'.repeat(4000)}`) }] });
    expect((await ipc('transfers:add', huge)).status).toBe(413);
    expect((await call('POST', '/harness/ipc/transfers:list', { host: host(), origin, 'content-type': 'text/plain' }, '{"args":[]}')).status).toBe(415);
    expect(add).not.toHaveBeenCalled();
  });

  it('refuses the preload’s own channel: here the page sends every request, and would name the path', async () => {
    const reply = await ipc('files:grantDropped', '{"args":[{"paths":["/etc/shadow"]}]}');
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: 'No such request: files:grantDropped.' } });
  });

  it('streams events to the page', async () => {
    const url = new URL('/harness/events', origin);
    const received = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, path: url.pathname, headers: { host: host() } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('auth:changed')) {
            req.destroy();
            resolve(text);
          }
        });
        setTimeout(() => server.emit('auth:changed', { signedIn: false, backendUrl: null, user: null }), 50);
      });
      req.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
      req.end();
    });
    expect(received).toContain('event: auth:changed\ndata: {"signedIn":false,"backendUrl":null,"user":null}');
  });
});
