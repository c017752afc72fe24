import { beforeEach, describe, expect, it, vi } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { MAX_IPC_PAYLOAD_BYTES } from '../../../src/shared/ipc-contract.js';
import { handlers } from './fake-ipc-main.js';

vi.mock('electron', async () => ({ ipcMain: (await import('./fake-ipc-main.js')).ipcMain }));

const { handle, send, checkSender, toIpcError, windowsSink } = await import('../../../src/main/app/ipc-main.js');
const { validatingSink } = await import('../../../src/main/desktop/event-sink.js');
const { appOrigin } = await import('../../../src/main/app/app-origin.js');

const PAGE = 'file:///opt/Dockside/resources/app/dist/renderer/index.html';
const ours = { id: 1, isDestroyed: () => false, send: vi.fn() };
const stranger = { id: 2, isDestroyed: () => false, send: vi.fn() };
const policy = { origin: appOrigin(PAGE, 'http://127.0.0.1:5173'), isOurWebContents: (c: unknown) => c === ours };

type Frame = { parent: Frame | null; url: string };
function eventFrom(url = PAGE, options: { sender?: unknown; parent?: Frame | null; frame?: null } = {}) {
  const senderFrame = options.frame === null ? null : { parent: options.parent ?? null, url };
  return { sender: options.sender ?? ours, senderFrame } as never;
}
function invoke(channel: string, event: unknown, ...args: unknown[]) {
  const listener = handlers.get(channel);
  if (!listener) throw new Error(`no handler for ${channel}`);
  return listener(event, ...args) as Promise<unknown>;
}

beforeEach(() => handlers.clear());

describe('checkSender', () => {
  it.each([
    ['our file page', eventFrom(PAGE), 'ok'],
    ['our page with a hash route', eventFrom(`${PAGE}#/history`), 'ok'],
    ['the dev server', eventFrom('http://127.0.0.1:5173/'), 'ok'],
    ['a destroyed or navigated frame', eventFrom(PAGE, { frame: null }), 'no-frame'],
    ['a sub-frame of our page', eventFrom(PAGE, { parent: { parent: null, url: PAGE } }), 'not-main-frame'],
    ['another webContents', eventFrom(PAGE, { sender: stranger }), 'not-our-window'],
    ['another local file', eventFrom('file:///tmp/evil.html'), 'not-our-page'],
    ['a remote page', eventFrom('https://evil.example/'), 'not-our-page'],
    ['another port on loopback', eventFrom('http://127.0.0.1:5174/'), 'not-our-page'],
    ['about:blank', eventFrom('about:blank'), 'not-our-page'],
  ])('%s → %s', (_name, event, verdict) => {
    expect(checkSender(event, policy)).toBe(verdict);
  });

  it('refuses a dev server that is not loopback http', () => {
    expect(() => appOrigin(PAGE, 'https://cdn.example')).toThrow(/loopback/);
    expect(() => appOrigin('https://example.com/index.html')).toThrow(/file:/);
  });
});

describe('handle', () => {
  const options = { policy, validateResponses: true };

  it('passes the parsed request to the handler and wraps its response', async () => {
    const handler = vi.fn(async (request: { id: string }) => {
      expect(request).toEqual({ id: 'abc123' });
      return { ok: true as const };
    });
    handle('transfers:pause', handler, options);
    await expect(invoke('transfers:pause', eventFrom(), { id: 'abc123' })).resolves.toEqual({ ok: true, value: { ok: true } });
    expect(handler).toHaveBeenCalledOnce();
  });

  it('applies schema defaults before the handler sees the request', async () => {
    const handler = vi.fn((_request: unknown) => []);
    handle('log:query', handler, options);
    await invoke('log:query', eventFrom(), {});
    expect(handler.mock.calls[0]![0]).toEqual({ limit: 500 });
  });

  it('refuses an unknown frame and never calls the handler', async () => {
    const handler = vi.fn(() => ({ ok: true as const }));
    const onError = vi.fn();
    handle('transfers:pauseAll', handler, { ...options, onError });
    for (const event of [eventFrom('https://evil.example/'), eventFrom(PAGE, { sender: stranger }), eventFrom(PAGE, { frame: null })]) {
      await expect(invoke('transfers:pauseAll', event)).resolves.toEqual({ ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } });
    }
    expect(handler).not.toHaveBeenCalled();
    expect(onError).toHaveBeenCalledTimes(3);
  });

  it.each([
    ['a wrong type', { id: 42 }],
    ['a path for an id', { id: '../../etc/passwd' }],
    ['an extra key', { id: 'abc', extra: true }],
    ['no payload', undefined],
    ['a string', 'abc'],
  ])('refuses a malformed payload (%s) with INVALID_INPUT', async (_name, payload) => {
    const handler = vi.fn(() => ({ ok: true as const }));
    handle('transfers:cancel', handler, options);
    const result = (await invoke('transfers:cancel', eventFrom(), payload)) as { ok: boolean; error: { code: string } };
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses an oversized payload and extra arguments', async () => {
    const handler = vi.fn(() => []);
    handle('transfers:add', handler, options);
    const huge = { paths: Array.from({ length: 3000 }, () => 'x'.repeat(4000)) };
    expect(JSON.stringify(huge).length).toBeGreaterThan(MAX_IPC_PAYLOAD_BYTES);
    await expect(invoke('transfers:add', eventFrom(), huge)).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    await expect(invoke('transfers:add', eventFrom(), { paths: ['/a'] }, 'second')).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const cyclic: Record<string, unknown> = { paths: ['/a'] };
    cyclic.self = cyclic;
    await expect(invoke('transfers:add', eventFrom(), cyclic)).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('never echoes a refused value (a token sent with a bad URL stays in main)', async () => {
    handle('auth:signIn', vi.fn(), options);
    const result = await invoke('auth:signIn', eventFrom(), { backendUrl: 'not a url', token: 'tok-SECRET-123' });
    expect(JSON.stringify(result)).not.toContain('tok-SECRET-123');
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('backendUrl') } });
  });

  it('maps a DocksideError to its code and message, anything else to UNKNOWN without details', async () => {
    let thrown: unknown = new DocksideError('TRANSFER_NOT_FOUND', 'No transfer abc.');
    handle('transfers:resume', () => {
      throw thrown;
    }, options);
    await expect(invoke('transfers:resume', eventFrom(), { id: 'abc' })).resolves.toEqual({
      ok: false,
      error: { code: 'TRANSFER_NOT_FOUND', message: 'No transfer abc.' },
    });
    thrown = new Error('connect ECONNREFUSED https://bucket.s3/?X-Amz-Signature=deadbeef');
    const result = await invoke('transfers:resume', eventFrom(), { id: 'abc' });
    expect(result).toMatchObject({ ok: false, error: { code: 'UNKNOWN' } });
    expect(JSON.stringify(result)).not.toMatch(/Signature|ECONNREFUSED|at .*\.ts/);
  });

  it('checks responses against the contract when asked to', async () => {
    const onError = vi.fn();
    handle('transfers:pauseAll', () => ({ ok: 'yes' }) as never, { ...options, onError });
    await expect(invoke('transfers:pauseAll', eventFrom())).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN' } });
    expect(String(onError.mock.calls[0]![1])).toMatch(/outside the contract/);
  });

  it('returns a function that removes the handler', () => {
    const off = handle('settings:get', vi.fn(), options);
    expect(handlers.has('settings:get')).toBe(true);
    off();
    expect(handlers.has('settings:get')).toBe(false);
  });
});

describe('send', () => {
  it('sends to a live window and skips a destroyed one', () => {
    const live = { isDestroyed: () => false, send: vi.fn() };
    const gone = { isDestroyed: () => true, send: vi.fn(() => { throw new Error('destroyed'); }) };
    send(live as never, 'auth:changed', { signedIn: false, backendUrl: null, user: null });
    send(gone as never, 'auth:changed', { signedIn: false, backendUrl: null, user: null });
    expect(live.send).toHaveBeenCalledWith('auth:changed', { signedIn: false, backendUrl: null, user: null });
    expect(gone.send).not.toHaveBeenCalled();
  });

  it('refuses a payload outside the contract when validating', () => {
    const live = { isDestroyed: () => false, send: vi.fn() };
    const sink = validatingSink(windowsSink(() => [live as never]));
    expect(() => sink('auth:changed', { signedIn: 'yes' } as never)).toThrow();
    expect(live.send).not.toHaveBeenCalled();
  });
});

describe('toIpcError', () => {
  it('keeps only code and message', () => {
    const error = toIpcError(new DocksideError('ACCESS_DENIED', 'No access.', { cause: new Error('inner secret') }));
    expect(Object.keys(error).sort()).toEqual(['code', 'message']);
    expect(toIpcError('a string')).toMatchObject({ code: 'UNKNOWN' });
  });
});
