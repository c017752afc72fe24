// `dockside log` run in-process against a seeded journal: the filters, --search and --limit, and
// that it shows what the app's log view shows (both use support/log-query).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { journalPath } from '../../../src/main/engine/index.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { runCli } from '../../../src/main/cli/main.js';
import { queryLog } from '../../../src/main/support/log-query.js';

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
let home: string;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'dockside-log-cli-'));
  let t = T0;
  const journal = new SqliteJournal(journalPath(home), { now: () => t });
  journal.createTransfer({
    id: 'tr-1',
    filePath: '/media/take-01.mov',
    fileSize: 1000,
    fileMtimeMs: 1,
    fileIdentity: '1000:1:1:1',
    target: { bucket: 'dock', key: 'take-01.mov', endpoint: null, region: 'eu-west-1', forcePathStyle: false },
    partSize: 5 * 1024 * 1024,
    partCount: 1,
    checksumType: 'FULL_OBJECT',
  });
  const log = (transferId: string | null, level: 'debug' | 'info' | 'warn' | 'error', type: string, message: string, data?: Record<string, unknown>) => {
    t += 60_000;
    journal.appendLog({ transferId, level, type, message, ...(data ? { data } : {}) });
  };
  log('tr-1', 'debug', 'part.sent', 'Part 1 sent.');
  log('tr-1', 'warn', 'retry', 'Network down; retrying part 2 in 4 s.', { attempt: 1, sessionToken: 'never-shown' });
  log(null, 'info', 'app.started', 'Dockside started.');
  log('tr-1', 'error', 'transfer.failed', 'Access denied to s3://dock/take-01.mov.');
  log(null, 'warn', 'app.offline', 'Network down: waiting.');
  journal.close();
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

async function dockside(...args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await runCli(['--home', home, ...args]);
    return { code, out };
  } finally {
    write.mockRestore();
  }
}

const lines = (out: string) => out.split('\n').filter(Boolean);
const types = (out: string) => lines(out).map((line) => (JSON.parse(line) as { type: string }).type);

describe('dockside log', () => {
  it('prints every entry for people: UTC time, level, transfer, message', async () => {
    const { code, out } = await dockside('log');
    expect(code).toBe(0);
    expect(lines(out)).toHaveLength(6);
    expect(lines(out)[2]).toBe('2025-01-02 03:06:05.678  WARN   tr-1  Network down; retrying part 2 in 4 s.');
  });

  it.each<[string, string[], string[]]>([
    ['one transfer', ['tr-1'], ['transfer.created', 'part.sent', 'retry', 'transfer.failed']],
    ['--level warn', ['--level', 'warn'], ['retry', 'transfer.failed', 'app.offline']],
    ['--search (message, any case)', ['--search', 'NETWORK DOWN'], ['retry', 'app.offline']],
    ['--search (type)', ['--search', 'app.'], ['app.started', 'app.offline']],
    ['--limit keeps the newest', ['--limit', '2'], ['transfer.failed', 'app.offline']],
    ['--search with --limit', ['--search', 'network', '--limit', '1'], ['app.offline']],
    ['--since', ['--since', new Date(T0 + 3 * 60_000).toISOString()], ['app.started', 'transfer.failed', 'app.offline']],
    ['--until', ['--until', new Date(T0 + 60_000).toISOString()], ['transfer.created', 'part.sent']],
    ['transfer, level and search', ['tr-1', '--level', 'warn', '--search', 'denied'], ['transfer.failed']],
  ])('filters: %s', async (_label, args, expected) => {
    const { code, out } = await dockside('log', '--json', ...args);
    expect(code).toBe(0);
    expect(types(out)).toEqual(expected);
  });

  it('shows the same entries as the app log view, secret-named data left out', async () => {
    const { out } = await dockside('log', '--json', '--search', 'network', '--limit', '50');
    const journal = new SqliteJournal(journalPath(home));
    try {
      expect(lines(out).map((line) => JSON.parse(line))).toEqual(queryLog(journal, { search: 'network', limit: 50 }));
    } finally {
      journal.close();
    }
    expect(out).toContain('"attempt":1');
    expect(out).not.toContain('never-shown');
  });

  it('refuses a bad --limit, --level or transfer with a usage error', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect((await dockside('log', '--limit', '0')).code).toBe(2);
      expect((await dockside('log', '--level', 'loud')).code).toBe(2);
      expect((await dockside('log', 'nope')).code).toBe(2);
    } finally {
      stderr.mockRestore();
    }
  });
});
