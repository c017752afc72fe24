import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DocksideError } from '../../../src/shared/errors.js';
import { EVENTS, REQUESTS, type RequestChannel } from '../../../src/shared/ipc-contract.js';
import type { TransferLogEntry, TransferProgress, TransferRecord, TransferState } from '../../../src/shared/transfer-model.js';
import { FileGrants } from '../../../src/main/desktop/file-grants.js';
import { record } from './fixtures.js';
import { handlers } from './fake-ipc-main.js';

vi.mock('electron', async () => ({ ipcMain: (await import('./fake-ipc-main.js')).ipcMain }));
const { windowsSink, handleAll } = await import('../../../src/main/app/ipc-main.js');

const { TransferBridge } = await import('../../../src/main/desktop/transfer-bridge.js');
const { queryLog } = await import('../../../src/main/support/log-query.js');
const { appOrigin } = await import('../../../src/main/app/app-origin.js');

type Listener = (...args: never[]) => void;

/** A TransferManager stand-in: records in a map, calls noted, events emitted by the test. */
class FakeEngine {
  readonly records = new Map<string, TransferRecord>();
  readonly calls: string[] = [];
  readonly busy = new Set<string>();
  private readonly listeners = new Map<string, Set<Listener>>();
  list = () => [...this.records.values()];
  get = (id: string) => this.records.get(id) ?? null;
  start = (id: string) => {
    this.calls.push(`start ${id}`);
    if (this.busy.has(id)) throw new DocksideError('TRANSFER_BUSY', `Transfer ${id} is being uploaded by another Dockside process.`);
    this.setState(id, 'queued');
  };
  pause = async (id: string) => {
    this.calls.push(`pause ${id}`);
    this.setState(id, 'paused');
  };
  pauseAll = async () => {
    this.calls.push('pauseAll');
  };
  cancel = async (id: string) => {
    this.calls.push(`cancel ${id}`);
    this.setState(id, 'cancelled');
  };
  on(event: string, listener: Listener): () => void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(listener);
    return () => this.listeners.get(event)!.delete(listener);
  }
  emit(event: 'progress' | 'state' | 'log', ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (...a: unknown[]) => void)(...args);
  }
  listenerCount(): number {
    return [...this.listeners.values()].reduce((n, set) => n + set.size, 0);
  }
  put(overrides: Partial<TransferRecord>): TransferRecord {
    const r = record(overrides);
    this.records.set(r.id, r);
    return r;
  }
  setState(id: string, state: TransferState): void {
    const r = this.records.get(id);
    if (r) this.records.set(id, { ...r, state });
    this.emit('state', id, state, null);
  }
}

function logEntry(id: number, overrides: Partial<TransferLogEntry> = {}): TransferLogEntry {
  return { id, transferId: 'a1', at: 1000 + id, level: 'info', type: 'part.done', message: `Part ${id} sent.`, data: null, ...overrides };
}

function fakeJournal(entries: TransferLogEntry[]) {
  const order = ['debug', 'info', 'warn', 'error'];
  const queries: unknown[] = [];
  return {
    queries,
    queryLog: vi.fn((q: { transferId?: string; minLevel?: string; afterId?: number; limit?: number } = {}) => {
      queries.push(q);
      return entries
        .filter((e) => (q.transferId === undefined || e.transferId === q.transferId) && (q.minLevel === undefined || order.indexOf(e.level) >= order.indexOf(q.minLevel)) && (q.afterId === undefined || e.id > q.afterId))
        .slice(0, q.limit ?? Infinity);
    }),
  };
}

const window = { isDestroyed: () => false, send: vi.fn() };
let engine: FakeEngine;
let addPaths: ReturnType<typeof vi.fn<(paths: readonly string[]) => Promise<TransferRecord[]>>>;
let bridge: InstanceType<typeof TransferBridge>;
let grants: FileGrants;

beforeEach(() => {
  vi.useFakeTimers();
  window.send.mockClear();
  engine = new FakeEngine();
  addPaths = vi.fn(async (paths: readonly string[]) => paths.map((p, i) => engine.put({ id: `n${i}`, filePath: p, state: 'queued', createdAt: 5000 + i })));
  grants = new FileGrants();
  bridge = new TransferBridge({ engine: engine as never, journal: fakeJournal([]), addPaths, grants, emit: windowsSink(() => [window as never]), validateEvents: true });
});
afterEach(() => {
  bridge.stop();
  vi.useRealTimers();
});

describe('transfer handlers', () => {
  it('lists every transfer as a view, newest first, within the contract', async () => {
    engine.put({ id: 'old', createdAt: 1 });
    engine.put({ id: 'new', createdAt: 2 });
    const views = await bridge.handlers()['transfers:list'](undefined);
    expect(views.map((v) => v.id)).toEqual(['new', 'old']);
    expect(REQUESTS['transfers:list'].response.safeParse(views).success).toBe(true);
  });

  it('uses the latest progress of a running transfer', async () => {
    engine.put({ id: 'r1', state: 'running', bytesDone: 10 });
    const progress: TransferProgress = { transferId: 'r1', state: 'running', bytesTotal: record().fileSize, bytesDone: 500, partsTotal: 640, partsDone: 170, inFlight: [], bytesPerSecond: 1e6, etaSeconds: 9 };
    engine.emit('progress', progress);
    const [view] = await bridge.handlers()['transfers:list'](undefined);
    expect(view).toMatchObject({ bytesDone: 500, bytesPerSecond: 1e6, etaSeconds: 9 });
  });

  it('adds the files main granted, starts each transfer, and carries on past one held by another process', async () => {
    engine.busy.add('n0');
    const views = await bridge.handlers()['transfers:add']({ grants: grants.issue(['/a/one.bin', '/a/two.bin']) });
    expect(addPaths).toHaveBeenCalledWith(['/a/one.bin', '/a/two.bin']);
    expect(engine.calls).toEqual(['start n0', 'start n1']);
    expect(views.map((v) => [v.fileName, v.state])).toEqual([['one.bin', 'queued'], ['two.bin', 'queued']]);
    // The window gets names, never where the files are.
    expect(JSON.stringify(views)).not.toContain('/a/');
  });

  it('a grant main did not issue, or one used already, is FILE_NOT_CHOSEN and adds nothing', async () => {
    const add = bridge.handlers()['transfers:add'];
    const [used] = grants.issue(['/a/one.bin']);
    await add({ grants: [used!] });
    addPaths.mockClear();
    for (const bad of [[used!], ['0'.repeat(32)], [grants.issue(['/a/two.bin'])[0]!, 'f'.repeat(32)]]) {
      await expect(Promise.resolve().then(() => add({ grants: bad }))).rejects.toMatchObject({ code: 'FILE_NOT_CHOSEN' });
    }
    expect(addPaths).not.toHaveBeenCalled();
  });

  it('pauses, resumes, cancels and retries by id; an unknown id is TRANSFER_NOT_FOUND', async () => {
    const h = bridge.handlers();
    engine.put({ id: 'a1', state: 'running' });
    await expect(h['transfers:pause']({ id: 'a1' })).resolves.toEqual({ ok: true });
    await expect(Promise.resolve(h['transfers:resume']({ id: 'a1' }))).resolves.toEqual({ ok: true });
    await expect(h['transfers:cancel']({ id: 'a1' })).resolves.toEqual({ ok: true });
    expect(engine.calls).toEqual(['pause a1', 'start a1', 'cancel a1']);
    for (const channel of ['transfers:pause', 'transfers:resume', 'transfers:cancel', 'transfers:retry'] as const) {
      await expect(Promise.resolve().then(() => h[channel]({ id: 'zz' }))).rejects.toMatchObject({ code: 'TRANSFER_NOT_FOUND' });
    }
  });

  it('retries only a failed transfer', async () => {
    const h = bridge.handlers();
    engine.put({ id: 'f1', state: 'failed', errorCode: 'NETWORK', errorMessage: 'Offline.' });
    engine.put({ id: 'p1', state: 'paused' });
    await expect(Promise.resolve(h['transfers:retry']({ id: 'f1' }))).resolves.toEqual({ ok: true });
    expect(() => h['transfers:retry']({ id: 'p1' })).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect(engine.calls).toEqual(['start f1']);
  });

  it('resumes all paused and left-over queued transfers, not failed or finished ones', async () => {
    for (const [id, state] of [['p1', 'paused'], ['p2', 'paused'], ['q1', 'queued'], ['f1', 'failed'], ['c1', 'completed'], ['x1', 'cancelled']] as const) engine.put({ id, state });
    engine.busy.add('p1');
    await bridge.handlers()['transfers:resumeAll'](undefined);
    expect(engine.calls.sort()).toEqual(['start p1', 'start p2', 'start q1']);
    await bridge.handlers()['transfers:pauseAll'](undefined);
    expect(engine.calls).toContain('pauseAll');
  });
});

describe('log:query', () => {
  const entries = [
    logEntry(1, { level: 'debug' }),
    logEntry(2, { level: 'warn', type: 'retry', message: 'Could not send part 2 (Network down); trying again.' }),
    logEntry(3, { level: 'error', transferId: 'b2', message: 'S3 refused access.' }),
    logEntry(4, { data: { uploadId: 'u', sessionToken: 'FQoG-secret', nested: { secretAccessKey: 'abc', ok: 1 } } }),
  ];

  it('maps level to the lowest level shown and passes the other filters', () => {
    const journal = fakeJournal(entries);
    expect(queryLog(journal, { level: 'warn', limit: 500 }).map((e) => e.id)).toEqual([2, 3]);
    queryLog(journal, { transferId: 'a1', since: 5, until: 9, limit: 10 });
    expect(journal.queries.at(-1)).toMatchObject({ transferId: 'a1', since: 5, until: 9 });
  });

  it('gives the newest entries up to the limit, in time order', () => {
    const many = Array.from({ length: 12_000 }, (_, i) => logEntry(i + 1));
    expect(queryLog(fakeJournal(many), { limit: 3 }).map((e) => e.id)).toEqual([11_998, 11_999, 12_000]);
  });

  it('searches message and type case-insensitively, up to the limit, paging through the journal', () => {
    const many = Array.from({ length: 12_000 }, (_, i) => logEntry(i + 1, { message: i % 1000 === 999 ? 'Network DOWN' : 'ok' }));
    const journal = fakeJournal(many);
    expect(queryLog(journal, { search: 'network down', limit: 500 }).map((e) => e.id)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000]);
    expect(journal.queries).toHaveLength(3);
    expect(queryLog(fakeJournal(many), { search: 'network', limit: 2 }).map((e) => e.id)).toEqual([11000, 12000]);
    expect(queryLog(fakeJournal(entries), { search: 'RETRY', limit: 9 }).map((e) => e.id)).toEqual([2]);
  });

  it('leaves secret-named data out at any depth', () => {
    const [entry] = queryLog(fakeJournal(entries), { transferId: 'a1', search: 'Part 4', limit: 5 });
    expect(entry!.data).toEqual({ uploadId: 'u', nested: { ok: 1 } });
  });
});

describe('events', () => {
  const progress = (bytesDone: number): TransferProgress => ({ transferId: 'r1', state: 'running', bytesTotal: record().fileSize, bytesDone, partsTotal: 640, partsDone: 1, inFlight: [], bytesPerSecond: 1, etaSeconds: 1 });
  const changes = () => window.send.mock.calls.filter(([channel]) => channel === 'transfers:changed');

  it('sends transfers:changed at most four times a second, with the latest numbers', async () => {
    engine.put({ id: 'r1', state: 'running', bytesDone: 0 });
    for (let i = 1; i <= 40; i++) {
      engine.emit('progress', progress(i * 1000));
      await vi.advanceTimersByTimeAsync(25);
    }
    // 1 s of events every 25 ms: the first at once, then one per 250 ms.
    expect(changes().length).toBeGreaterThanOrEqual(4);
    expect(changes().length).toBeLessThanOrEqual(5);
    await vi.advanceTimersByTimeAsync(300);
    const last = changes().at(-1)![1] as Array<{ bytesDone: number }>;
    expect(last[0]!.bytesDone).toBe(40_000);
    expect(EVENTS['transfers:changed'].safeParse(last).success).toBe(true);
  });

  it('sends a change on a state event too, and nothing once stopped', async () => {
    engine.put({ id: 'r1', state: 'running' });
    engine.setState('r1', 'paused');
    await vi.advanceTimersByTimeAsync(0);
    expect(changes()).toHaveLength(1);
    bridge.stop();
    expect(engine.listenerCount()).toBe(0);
    engine.emit('progress', progress(1));
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes()).toHaveLength(1);
  });

  it('forwards log entries at once, without secret-named data', () => {
    engine.emit('log', logEntry(7, { data: { token: 'eyJhbGciOi', code: 'NETWORK' } }));
    expect(window.send).toHaveBeenCalledWith('log:appended', expect.objectContaining({ id: 7, data: { code: 'NETWORK' } }));
  });
});

describe('no credentials reach the renderer', () => {
  const SECRET_KEYS = /token|secret|sessiontoken|accesskey|password|credential/i;
  function keysOf(value: unknown, into: string[] = []): string[] {
    if (Array.isArray(value)) value.forEach((v) => keysOf(v, into));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        into.push(k);
        keysOf(v, into);
      }
    }
    return into;
  }

  it('no response or event of these handlers has a secret-named key or a secret value', async () => {
    const journal = fakeJournal([logEntry(1, { data: { sessionToken: 'FQoG-SECRET', accessKeyId: 'AKIA-SECRET', credentials: { secretAccessKey: 'SK-SECRET' } } })]);
    bridge.stop();
    bridge = new TransferBridge({ engine: engine as never, journal, addPaths, grants, emit: windowsSink(() => [window as never]), validateEvents: true });
    engine.put({ id: 'a1', state: 'running' });
    engine.put({ id: 'f1', state: 'failed', errorCode: 'CREDENTIALS_EXPIRED', errorMessage: 'The upload credentials expired.' });
    const PAGE = 'file:///app/index.html';
    const off = handleAll(bridge.handlers(), { policy: { origin: appOrigin(PAGE), isOurWebContents: () => true }, validateResponses: true });
    const event = { sender: window, senderFrame: { parent: null, url: PAGE } };
    const requests: Partial<Record<RequestChannel, unknown>> = {
      'transfers:list': undefined,
      'transfers:add': { grants: grants.issue(['/x/y.bin']) },
      'transfers:pause': { id: 'a1' },
      'transfers:resume': { id: 'a1' },
      'transfers:retry': { id: 'f1' },
      'transfers:cancel': { id: 'a1' },
      'transfers:pauseAll': undefined,
      'transfers:resumeAll': undefined,
      'log:query': {},
    };
    const seen: unknown[] = [];
    for (const [channel, payload] of Object.entries(requests)) {
      const result = (await handlers.get(channel)!(event, ...(payload === undefined ? [] : [payload]))) as { ok: boolean };
      expect(result, channel).toMatchObject({ ok: true });
      seen.push(result);
    }
    expect([...handlers.keys()].sort()).toEqual(Object.keys(requests).sort());
    engine.emit('log', logEntry(2, { data: { sessionToken: 'FQoG-SECRET' } }));
    await vi.advanceTimersByTimeAsync(1000);
    seen.push(...window.send.mock.calls);
    const json = JSON.stringify(seen);
    expect(keysOf(JSON.parse(json)).filter((k) => SECRET_KEYS.test(k))).toEqual([]);
    expect(json).not.toMatch(/SECRET|FQoG|AKIA/);
    off();
    expect(handlers.size).toBe(0);
  });
});
