/**
 * Runs transfers to the end for `upload` and `resume`: renders progress, turns Ctrl-C and
 * SIGTERM into a clean pause (journal consistent, exit 75), and picks the exit code (a failure
 * over an upload the backend cancelled, that over a pause).
 */
import { DocksideError } from '../../shared/errors.js';
import type { TransferRecord } from '../../shared/transfer-model.js';
import { classifyError, type RunOutcome } from '../engine/index.js';
import type { Engine } from './compose.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { onOutputClosed } from './output-closed.js';
import type { ProgressView } from './progress-view.js';
import { visible } from '../../shared/terminal-text.js';

export async function runTransfers(engine: Engine, records: readonly TransferRecord[], view: ProgressView): Promise<ExitCode> {
  const { manager } = engine;
  const unsubscribe = [manager.on('progress', (p) => view.progress(p)), manager.on('log', (entry) => view.log(entry))];
  let interrupted = false;
  // Every transfer settles as paused even when the journal cannot record the pause (disk full):
  // say so rather than leave the rejection unhandled.
  const pauseAll = () =>
    manager.pauseAll('shutdown').catch((error: unknown) => {
      process.stderr.write(`dockside: ${visible(classifyError(error).message)}\n`);
    });
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      // Second Ctrl-C: leave now. SQLite's journal is consistent at every commit.
      process.exit(EXIT.INTERRUPTED);
    }
    interrupted = true;
    process.stderr.write(`\n${signal}: pausing (press Ctrl-C again to quit at once)…\n`);
    pauseAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  unsubscribe.push(
    onOutputClosed(() => {
      if (interrupted) return;
      interrupted = true;
      pauseAll();
    }),
  );
  try {
    const outcomes = await Promise.all(
      records.map(async (record) => {
        view.added(record);
        try {
          manager.start(record.id);
        } catch (error) {
          // Busy elsewhere or already finished: report it for this file, let the others run.
          if (!(error instanceof DocksideError)) throw error;
          const outcome: RunOutcome = { kind: 'failed', error: error.toInfo() };
          render(view, record, outcome);
          return outcome;
        }
        // The run settles asynchronously, so waiting from here misses nothing.
        const outcome = await manager.waitFor(record.id);
        render(view, manager.get(record.id) ?? record, outcome);
        return outcome;
      }),
    );
    view.stop();
    const failures = outcomes.flatMap((o) => (o.kind === 'failed' ? [o.error.code] : []));
    if (failures.some((code) => code !== 'UPLOAD_CANCELLED')) return EXIT.FAILED;
    if (failures.length > 0) return EXIT.SERVER_CANCELLED;
    if (outcomes.some((o) => o.kind !== 'completed')) return EXIT.INTERRUPTED;
    return EXIT.OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    for (const off of unsubscribe) off();
  }
}

function render(view: ProgressView, record: TransferRecord, outcome: RunOutcome): void {
  switch (outcome.kind) {
    case 'completed':
      return view.completed(record, outcome.result);
    case 'failed':
      return view.failed(record, outcome.error);
    case 'paused':
    case 'cancelled':
      return view.interrupted(record);
  }
}
