/**
 * The `dockside` command: the upload engine without a window, for scripts and support desks.
 * Exit codes are in exit-codes.ts and the README.
 */
import { Command, CommanderError } from 'commander';
import { DocksideError } from '../../shared/errors.js';
import { UsageError } from './cli-options.js';
import { registerCancel } from './commands/cancel.js';
import { registerConfig } from './commands/config.js';
import { registerDiagnostics } from './commands/diagnostics.js';
import { registerDoctor } from './commands/doctor.js';
import { registerLog } from './commands/log.js';
import { registerLogin } from './commands/login.js';
import { registerLs } from './commands/ls.js';
import { registerResume } from './commands/resume.js';
import { registerStatus } from './commands/status.js';
import { registerUpload } from './commands/upload.js';
import { EXIT, EXIT_CODES_HELP, type ExitCode } from './exit-codes.js';
import { watchOutput } from './output-closed.js';
import { configureCliNetwork } from './cli-network.js';
import { loadCliSettings } from './cli-settings.js';
import { DOCKSIDE_VERSION } from './version.js';
import { limitHeapSlack } from '../engine/index.js';
import { visible, visibleLines } from '../../shared/terminal-text.js';

export { watchOutput };

/** Runs the CLI with `argv` (user arguments only) and resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<ExitCode> {
  limitHeapSlack();
  let exitCode: ExitCode = EXIT.OK;
  const setExit = (code: ExitCode) => {
    exitCode = code;
  };
  const program = new Command('dockside')
    .description('Upload very large files to S3: in parts, several at once, resumable after any interruption.')
    .version(DOCKSIDE_VERSION)
    .option('--home <dir>', 'folder for the journal (default: $DOCKSIDE_HOME, else the per-user data folder)')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run `dockside --help` for usage)')
    // Commander's messages quote what was typed (an unknown option, say): shown, never obeyed.
    .configureOutput({ outputError: (text, write) => write(`dockside: ${visibleLines(text.replace(/^error: /, ''))}`) })
    .exitOverride();
  registerUpload(program, setExit);
  registerResume(program, setExit);
  registerLs(program, setExit);
  registerLog(program, setExit);
  registerDiagnostics(program, setExit);
  registerCancel(program, setExit);
  registerLogin(program, setExit);
  registerStatus(program, setExit);
  registerDoctor(program, setExit);
  registerConfig(program, setExit);
  for (const command of program.commands) command.exitOverride();
  // Proxy and CAs from policy and settings apply to every command that goes on the network. A
  // broken policy is reported by the commands that need it (upload and resume refuse to run).
  program.hook('preAction', async () => {
    try {
      const { effective } = await loadCliSettings(program.opts<{ home?: string }>().home);
      const cas = effective.caCertificates.value;
      configureCliNetwork({ proxy: effective.proxy.value, ...(cas.length > 0 ? { caCertificates: cas } : {}) });
    } catch {
      configureCliNetwork({});
    }
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed what went wrong otherwise.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.OK;
    return EXIT.USAGE;
  }
  // Bad input, and what IT's policy refuses (the policy gate): nothing was changed.
  if (error instanceof UsageError || (error instanceof DocksideError && error.code === 'POLICY_LOCKED')) {
    process.stderr.write(`dockside: ${visible(error.message)}\n`);
    return EXIT.USAGE;
  }
  if (error instanceof DocksideError) {
    process.stderr.write(`dockside: ${visible(error.message)}\n`);
    return EXIT.FAILED;
  }
  process.stderr.write(`dockside: unexpected error: ${visibleLines((error as Error)?.stack ?? String(error))}\n`);
  return EXIT.FAILED;
}

// Run directly (`node src/main/cli/main.ts` through tsx, or the bundle `node dist/cli/dockside.mjs`);
// bin/dockside.js imports this module and calls runCli itself.
const isEntry = process.argv[1] !== undefined && /[\\/](main\.(ts|js)|dockside\.mjs)$/.test(process.argv[1]);
if (isEntry) {
  watchOutput(EXIT.OK);
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
}
