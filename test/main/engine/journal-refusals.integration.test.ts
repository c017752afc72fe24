// The journal refusing writes (its disk full) while transfers run or wait: every transfer still
// settles, with the journal's reason, and nothing rejects unhandled. The refusal is the error the
// real journal raises for SQLITE_FULL (journalError), switched on at a chosen moment; the real
// full disk is in test/main/cli/cli-journal-full.integration.test.ts (root only).
import { describe, expect, it } from 'vitest';
import { journalError } from '../../../src/main/journal/journal-errors.js';
import { SqliteJournal } from '../../../src/main/journal/index.js';
import { join } from 'node:path';
import { makeEngine, randomFile, target, tempDir, TINY_PARTS, useLocalS3, whenPartsDone } from '../../support/engine-harness.js';

/** A SqliteJournal whose writes fail like a full disk's once `full` is set (reads still work, as on a full disk). */
class FillingJournal extends SqliteJournal {
  full = false;
  private refuse(doing: string): void {
    if (this.full) throw journalError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), this.path, doing);
  }
  override setState(...args: Parameters<SqliteJournal['setState']>): void {
    this.refuse(`record the new state of transfer ${args[0]} (${args[1]})`);
    super.setState(...args);
  }
  override recordPart(...args: Parameters<SqliteJournal['recordPart']>): void {
    this.refuse(`record part ${args[2].partNumber} of transfer ${args[0]}`);
    super.recordPart(...args);
  }
  override appendLog(...args: Parameters<SqliteJournal['appendLog']>): ReturnType<SqliteJournal['appendLog']> {
    this.refuse(`add to the transfer log (${args[0].type})`);
    return super.appendLog(...args);
  }
  override release(...args: Parameters<SqliteJournal['release']>): void {
    this.refuse(`release transfer ${args[0]}`);
    super.release(...args);
  }
}

const local = useLocalS3();

describe('the journal refusing writes', () => {
  it('a running and a queued transfer both settle (failed with the journal error, paused), and pause does not reject for the running one', { timeout: 20_000 }, async () => {
    const home = tempDir();
    const b = await local.bucket();
    const journal = new FillingJournal(join(home, 'journal.sqlite'));
    const engine = makeEngine(home, { journal, planLimits: TINY_PARTS, maxActiveTransfers: 1, concurrency: 1, bandwidthLimit: 64 * 1024 });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const [running, queued] = await Promise.all(
        ['a', 'b'].map((name) => engine.manager.add({ filePath: randomFile(home, 256 * 1024, `${name}.bin`).path, target: target(local.moto.endpoint, b, `${name}.bin`), partSize: 8 * 1024 })),
      );
      const runningDone = engine.manager.waitFor(running!.id);
      const queuedDone = engine.manager.waitFor(queued!.id);
      engine.manager.start(running!.id);
      engine.manager.start(queued!.id);
      await whenPartsDone(engine, running!.id, 1);

      journal.full = true;
      // Queued: the pause cannot be recorded (the caller hears why), but the transfer settles.
      await expect(engine.manager.pause(queued!.id)).rejects.toMatchObject({ code: 'JOURNAL' });
      expect(await queuedDone).toEqual({ kind: 'paused' });
      // Running: the runner cannot record the pause, release fails too; the outcome says so.
      await engine.manager.pause(running!.id);
      const outcome = await runningDone;
      expect(outcome.kind).toBe('failed');
      if (outcome.kind === 'failed') {
        expect(outcome.error.code).toBe('JOURNAL');
        expect(outcome.error.message).toContain('the disk is full (SQLITE_FULL');
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);

      journal.full = false;
      // Nothing journaled was lost, and both can go on once the disk has room again.
      expect(journal.getTransfer(running!.id)!.partsDone).toBeGreaterThanOrEqual(1);
      const again = engine.manager.waitFor(running!.id);
      engine.manager.setBandwidthLimit(null);
      engine.manager.start(running!.id);
      expect((await again).kind).toBe('completed');
    } finally {
      process.off('unhandledRejection', onUnhandled);
      journal.full = false;
      await engine.close();
    }
  });
});
