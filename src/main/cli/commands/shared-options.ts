/** Options shared by the commands that run transfers (upload, resume). */
import type { Command } from 'commander';
import { intOption, rateOption } from '../cli-options.js';
import type { OutputMode } from '../progress-view.js';

export interface EngineFlags {
  concurrency?: number;
  transfers?: number;
  limitRate?: number;
  stallTimeout?: number;
  verifyFile?: boolean;
  json?: boolean;
}

export function addEngineOptions(command: Command): Command {
  return command
    .option('-c, --concurrency <n>', 'parts in flight per file (default 4)', intOption('--concurrency', 1, 64))
    .option('--transfers <n>', 'files uploading at once (default 2)', intOption('--transfers', 1, 16))
    .option('--limit-rate <rate>', 'cap the total upload rate, such as 20MB/s or 500k', rateOption)
    .option('--stall-timeout <seconds>', 'treat a connection with no progress for this long as stalled (default 60)', intOption('--stall-timeout', 1, 3600))
    .option('--verify-file', 'read each file again in full once its parts are sent, and complete only if it still matches what was sent (default: the verifyFile setting)')
    .option('--json', 'one JSON object per line: progress events, then one result per file');
}

export function outputMode(flags: { json?: boolean }): OutputMode {
  if (flags.json) return 'json';
  return process.stderr.isTTY ? 'tty' : 'plain';
}

/** The --home option of the top-level command. */
export function globalHome(program: Command): string | undefined {
  return program.opts<{ home?: string }>().home;
}
