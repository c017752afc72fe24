/** `dockside cancel ID`: stop a transfer for good and abort its multipart upload on S3 (and its upload on the backend). */
import type { Command } from 'commander';
import { UsageError } from '../cli-options.js';
import { openEngine } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';
import { visibly } from '../../../shared/terminal-text.js';

export function registerCancel(program: Command, setExit: (code: ExitCode) => void): void {
  program
    .command('cancel')
    .description('cancel a transfer: abort its multipart upload on S3 so no parts are left behind, and its upload on the backend')
    .argument('<id>', 'transfer id (see `dockside ls`)')
    .action(async (id: string) => {
      const engine = openEngine({ home: globalHome(program) });
      try {
        if (!engine.manager.get(id)) throw new UsageError(`No transfer ${id}. \`dockside ls\` lists them.`);
        await engine.manager.cancel(id);
        const warning = engine.journal.queryLog({ transferId: id, minLevel: 'warn' }).find((e) => e.type === 'abort.failed');
        process.stdout.write(
          warning ? visibly`Cancelled ${id}, but: ${warning.message}\n` : visibly`Cancelled ${id}; its multipart upload was aborted on S3.\n`,
        );
        setExit(EXIT.OK);
      } finally {
        await engine.close();
      }
    });
}
