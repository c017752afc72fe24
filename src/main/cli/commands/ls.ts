/** `dockside ls`: the transfers in the journal. */
import type { Command } from 'commander';
import type { TransferRecord } from '../../../shared/transfer-model.js';
import { formatBytes, formatPercent } from '../../../shared/units.js';
import { isOwnerAlive } from '../../engine/index.js';
import { openJournal } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';
import { jsonText, visible } from '../../../shared/terminal-text.js';
import { verificationLabel } from '../../../shared/verification.js';

export function registerLs(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('ls')
    .description('list transfers with their state and progress')
    .option('--json', 'one JSON array of transfers')
    .action((flags: { json?: boolean }) => {
      const journal = openJournal(globalHome(program));
      try {
        const records = journal.listTransfers();
        if (flags.json) {
          process.stdout.write(`${jsonText(records, 2)}\n`);
        } else if (records.length === 0) {
          process.stdout.write('No transfers yet. Start one with `dockside upload FILE --bucket BUCKET`.\n');
        } else {
          const rows = records.map((r) => [
            r.id,
            displayState(r),
            formatPercent(r.bytesDone, r.fileSize),
            formatBytes(r.fileSize),
            new Date(r.updatedAt).toISOString().replace('T', ' ').slice(0, 19),
            r.verification ? verificationLabel(r.verification, r.fileRereadAt !== null) : '',
            `${r.filePath} → s3://${r.target.bucket}/${r.target.key}`,
          ]);
          process.stdout.write(table(['ID', 'STATE', 'DONE', 'SIZE', 'UPDATED (UTC)', 'VERIFIED BY', 'FILE → DESTINATION'], rows));
        }
        setExit(EXIT.OK);
      } finally {
        journal.close();
      }
    });
}

/**
 * The state as people should read it: a transfer journaled as running whose process is gone
 * (killed, crashed, machine restarted) is `interrupted`, and `dockside resume` continues it.
 */
export function displayState(r: TransferRecord): string {
  const active = r.state === 'running' || r.state === 'completing' || r.state === 'queued';
  if (active && (r.owner === null || !isOwnerAlive(r.owner))) return 'interrupted';
  return r.state + (r.errorCode && r.state === 'failed' ? ` (${r.errorCode})` : '');
}

/** Left-aligned columns; the last column is not padded. Cells are shown with control characters escaped. */
export function table(rawHeader: string[], rawRows: string[][]): string {
  const header = rawHeader.map(visible);
  const rows = rawRows.map((cells) => cells.map(visible));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return `${[header, ...rows].map(line).join('\n')}\n`;
}
