/** `dockside log [ID]`: the transfer log (what happened, when, why), for people or as JSON. */
import type { Command } from 'commander';
import type { LogEntry } from '../../../shared/ipc-contract.js';
import type { EventLevel } from '../../../shared/transfer-model.js';
import { humanLine, matchingEntries, queryLog, toLogEntry, type LogFilter } from '../../support/log-query.js';
import { intOption, timeOption, UsageError } from '../cli-options.js';
import { openJournal } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';
import { jsonText } from '../../../shared/terminal-text.js';

const LEVELS: readonly EventLevel[] = ['debug', 'info', 'warn', 'error'];

interface LogFlags {
  json?: boolean;
  level?: string;
  since?: number;
  until?: number;
  search?: string;
  limit?: number;
}

export function registerLog(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('log')
    .description('show the transfer log: every state change, retry and error, with time and reason')
    .argument('[id]', 'only this transfer')
    .option('--level <level>', 'only entries at this level or above: debug, info, warn, error')
    .option('--since <when>', 'only entries since a date or a span back (30m, 2h, 7d)', timeOption('--since'))
    .option('--until <when>', 'only entries until a date', timeOption('--until'))
    .option('--search <text>', 'only entries whose message or type contains this text (any case)')
    .option('--limit <n>', 'only the newest n matching entries (still printed oldest first)', intOption('--limit', 1, 1_000_000))
    .option('--json', 'one JSON object per line')
    .action((id: string | undefined, flags: LogFlags) => {
      if (flags.level !== undefined && !LEVELS.includes(flags.level as EventLevel)) {
        throw new UsageError(`--level ${flags.level}: use one of ${LEVELS.join(', ')}.`);
      }
      const journal = openJournal(globalHome(program));
      try {
        if (id !== undefined && !journal.getTransfer(id)) throw new UsageError(`No transfer ${id}. \`dockside ls\` lists them.`);
        // The same query as the app's log view, so both show the same entries for the same filters.
        const filter: LogFilter = {
          ...(id !== undefined ? { transferId: id } : {}),
          ...(flags.level !== undefined ? { level: flags.level as EventLevel } : {}),
          ...(flags.since !== undefined ? { since: flags.since } : {}),
          ...(flags.until !== undefined ? { until: flags.until } : {}),
          ...(flags.search !== undefined ? { search: flags.search } : {}),
        };
        const entries: Iterable<LogEntry> =
          flags.limit !== undefined ? queryLog(journal, { ...filter, limit: flags.limit }) : mapIterable(matchingEntries(journal, filter), toLogEntry);
        for (const entry of entries) process.stdout.write(flags.json ? `${jsonText(entry)}\n` : `${humanLine(entry, id === undefined)}\n`);
        setExit(EXIT.OK);
      } finally {
        journal.close();
      }
    });
}

function* mapIterable<T, U>(items: Iterable<T>, map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}
