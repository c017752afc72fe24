/** `dockside log [ID]`: the transfer log (what happened, when, why), for people or as JSON. */
import type { Command } from 'commander';
import type { EventLevel, TransferLogEntry } from '../../../shared/transfer-model.js';
import { timeOption, UsageError } from '../cli-options.js';
import { openJournal } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';

const LEVELS: readonly EventLevel[] = ['debug', 'info', 'warn', 'error'];

interface LogFlags {
  json?: boolean;
  level?: string;
  since?: number;
  until?: number;
}

export function registerLog(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('log')
    .description('show the transfer log: every state change, retry and error, with time and reason')
    .argument('[id]', 'only this transfer')
    .option('--level <level>', 'only entries at this level or above: debug, info, warn, error')
    .option('--since <when>', 'only entries since a date or a span back (30m, 2h, 7d)', timeOption('--since'))
    .option('--until <when>', 'only entries until a date', timeOption('--until'))
    .option('--json', 'one JSON object per line')
    .action((id: string | undefined, flags: LogFlags) => {
      if (flags.level !== undefined && !LEVELS.includes(flags.level as EventLevel)) {
        throw new UsageError(`--level ${flags.level}: use one of ${LEVELS.join(', ')}.`);
      }
      const journal = openJournal(globalHome(program));
      try {
        if (id !== undefined && !journal.getTransfer(id)) throw new UsageError(`No transfer ${id}. \`dockside ls\` lists them.`);
        const entries = journal.queryLog({
          ...(id !== undefined ? { transferId: id } : {}),
          ...(flags.level !== undefined ? { minLevel: flags.level as EventLevel } : {}),
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(flags.until !== undefined ? { until: flags.until } : {}),
        });
        for (const entry of entries) process.stdout.write(flags.json ? `${JSON.stringify(entry)}\n` : `${humanLine(entry, id === undefined)}\n`);
        setExit(EXIT.OK);
      } finally {
        journal.close();
      }
    });
}

/** One log entry as a line for people: time (UTC), level, [transfer], message. */
export function humanLine(entry: TransferLogEntry, withTransfer: boolean): string {
  const at = new Date(entry.at).toISOString().replace('T', ' ').slice(0, 23);
  const transfer = withTransfer && entry.transferId ? `${entry.transferId}  ` : '';
  return `${at}  ${entry.level.toUpperCase().padEnd(5)}  ${transfer}${entry.message}`;
}
