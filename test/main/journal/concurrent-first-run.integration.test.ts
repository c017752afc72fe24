// Several Dockside processes starting at once on a fresh data folder (the app at login and a
// CLI in a script, say): each opens the journal; exactly one creates the schema, the others find
// it made, none fails ("table transfers already exists" was the observed failure), and the
// journal ends in WAL mode at the latest version.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/main/journal/index.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = join(REPO_ROOT, 'test/main/journal/fixtures/open-journal-child.ts');
const PROCESSES = 4;
const ROUNDS = 3;

interface Opened {
  readonly ok: boolean;
  readonly applied?: string[];
  readonly code?: string;
  readonly message?: string;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Starts a child that opens `path` on "go"; resolves `ready` once it is loaded, `result` with what it printed. */
function startChild(path: string): { ready: Promise<void>; result: Promise<Opened>; go: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (err += chunk));
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
    if (out.startsWith('ready\n')) onReady();
  });
  const result = new Promise<Opened>((resolve, reject) => {
    child.once('close', (code) => {
      children.delete(child);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || !line) reject(new Error(`child exited ${code}\n${out}\n${err}`));
      else resolve(JSON.parse(line) as Opened);
    });
  });
  return { ready, result, go: () => child.stdin!.write('go\n') };
}

describe('several processes opening a fresh journal at once', () => {
  it(`${PROCESSES} processes, ${ROUNDS} fresh folders: all open it, one migration runs, WAL at the latest version`, { timeout: 120_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'dockside-first-run-'));
      dirs.push(dir);
      const path = join(dir, 'home', 'journal.sqlite');
      const started = Array.from({ length: PROCESSES }, () => startChild(path));
      // Every child is loaded before any opens, so they open within a millisecond or so of each other.
      await Promise.all(started.map((c) => c.ready));
      for (const c of started) c.go();
      const results = await Promise.all(started.map((c) => c.result));

      expect(results.filter((r) => !r.ok), JSON.stringify(results, null, 2)).toEqual([]);
      const migrated = results.filter((r) => (r.applied?.length ?? 0) > 0);
      expect(migrated).toHaveLength(1);
      expect(migrated[0]!.applied).toHaveLength(MIGRATIONS.length);
      const db = new BetterSqlite3(path, { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      } finally {
        db.close();
      }
    }
  });
});
