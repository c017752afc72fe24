/** `dockside resume [ID | --all]`: continue unfinished transfers from the journal. */
import type { Command } from 'commander';
import { isUnfinished } from '../../../shared/transfer-model.js';
import { UsageError } from '../cli-options.js';
import { assertUploadAllowed, engineSettingsWithin, settingsOrStop } from '../cli-settings.js';
import { openEngine } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { createProgressView } from '../progress-view.js';
import { runTransfers } from '../run-transfers.js';
import { addEngineOptions, globalHome, outputMode, type EngineFlags } from './shared-options.js';

interface ResumeFlags extends EngineFlags {
  all?: boolean;
}

export function registerResume(program: Command, setExit: (code: ExitCode) => void): void {
  const command = program
    .command('resume')
    .description('resume unfinished transfers (interrupted, paused or failed) where they stopped')
    .argument('[ids...]', 'transfer ids (see `dockside ls`)')
    .option('-a, --all', 'resume every unfinished transfer');
  addEngineOptions(command).action(async (ids: string[], flags: ResumeFlags) => {
    if (ids.length === 0 && !flags.all) throw new UsageError('Name the transfers to resume, or use --all. `dockside ls` lists them.');
    if (ids.length > 0 && flags.all) throw new UsageError('Give transfer ids or --all, not both.');
    const home = globalHome(program);
    // An invalid machine-wide policy stops here (exit 78), before the journal is opened.
    const settings = await settingsOrStop(home, setExit);
    if (!settings) return;
    const limits = engineSettingsWithin(flags, settings);
    const engine = openEngine({ home, ...limits });
    try {
      const records = flags.all
        ? engine.manager.list().filter((r) => isUnfinished(r.state))
        : ids.map((id) => {
            const record = engine.manager.get(id);
            if (!record) throw new UsageError(`No transfer ${id}. \`dockside ls\` lists them.`);
            if (!isUnfinished(record.state)) throw new UsageError(`Transfer ${id} is ${record.state}; there is nothing to resume.`);
            return record;
          });
      if (records.length === 0) {
        process.stderr.write('Nothing to resume: every transfer is completed or cancelled.\n');
        setExit(EXIT.OK);
        return;
      }
      // The policy may have changed since these transfers started: check each before any runs.
      for (const record of records) {
        const backend = record.target.backend;
        const what = backend ? `Transfer ${record.id}` : `Transfer ${record.id} (straight to s3://${record.target.bucket})`;
        assertUploadAllowed(settings.policy, backend?.url ?? null, what, `Cancel it (\`dockside cancel ${record.id}\`) and upload the file again.`);
      }
      setExit(await runTransfers(engine, records, createProgressView(outputMode(flags))));
    } finally {
      await engine.close();
    }
  });
}
