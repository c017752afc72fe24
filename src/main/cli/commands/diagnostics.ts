/** `dockside diagnostics export [FILE]`: one redacted .zip to attach to a support ticket. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { dataDir } from '../../engine/index.js';
import { exportDiagnostics } from '../../support/diagnostics.js';
import { readLogin } from '../backend-login.js';
import { UsageError } from '../cli-options.js';
import { openJournal } from '../compose.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { globalHome } from './shared-options.js';
import { DOCKSIDE_VERSION } from '../version.js';
import { visibly } from '../../../shared/terminal-text.js';

/** Environment variables that change what the CLI does; their values are shown (the secret ones are only named). */
const CLI_VARIABLES = ['DOCKSIDE_HOME', 'DOCKSIDE_BACKEND_URL', 'DOCKSIDE_BUCKET', 'DOCKSIDE_ENDPOINT', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'HTTPS_PROXY', 'HTTP_PROXY', 'NO_PROXY', 'NODE_EXTRA_CA_CERTS'];
const CLI_SECRET_VARIABLES = ['DOCKSIDE_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

interface DiagnosticsFlags {
  force?: boolean;
}

export function registerDiagnostics(program: Command, setExit: (code: ExitCode) => void): void {
  const diagnostics = program.command('diagnostics').description('bundle what support needs to help (credentials removed)');
  diagnostics
    .command('export')
    .description('write the transfer log, transfers, settings, versions and the last `doctor` report to one .zip, with every credential removed')
    .argument('[file]', 'where to write it (default: dockside-diagnostics-<UTC time>.zip in the current folder; a folder puts it there)')
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string | undefined, flags: DiagnosticsFlags) => {
      const now = Date.now();
      const outFile = targetFile(file, now);
      if (existsSync(outFile) && !flags.force) throw new UsageError(`${outFile} exists. Choose another name, or pass --force to replace it.`);
      const home = globalHome(program) ?? dataDir();
      const journal = openJournal(home);
      try {
        const result = await exportDiagnostics({
          journal,
          home,
          settings: cliSettings(home),
          appVersion: DOCKSIDE_VERSION,
          outFile,
          now,
          secrets: savedToken(home),
        });
        process.stdout.write(visibly`${result.path}\n`);
        setExit(EXIT.OK);
      } finally {
        journal.close();
      }
    });
}

/** FILE as given, a default name inside FILE when it is a folder, or the default name here. */
export function targetFile(file: string | undefined, now: number): string {
  const name = defaultFileName(now);
  if (file === undefined) return resolve(name);
  const path = resolve(file);
  return existsSync(path) && statSync(path).isDirectory() ? join(path, name) : path;
}

/** dockside-diagnostics-20250102T030405Z.zip (UTC, sortable, no characters Windows refuses). */
export function defaultFileName(now: number): string {
  return `dockside-diagnostics-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.zip`;
}

/**
 * What decides the CLI's behaviour, with where each value came from. The CLI takes its settings
 * from flags and the environment; the saved sign-in says which backend it talks to.
 */
function cliSettings(home: string): unknown {
  const env = process.env;
  let backend: { value: string | null; source: string } = { value: null, source: 'default' };
  try {
    const saved = readLogin(home);
    if (saved) backend = { value: saved.url, source: 'dockside login' };
  } catch (error) {
    backend = { value: null, source: `dockside login (unreadable: ${(error as Error).message})` };
  }
  if (env.DOCKSIDE_BACKEND_URL) backend = { value: env.DOCKSIDE_BACKEND_URL, source: 'environment' };
  return {
    program: 'dockside CLI',
    dataFolder: home,
    backendUrl: backend,
    environment: Object.fromEntries(CLI_VARIABLES.filter((name) => env[name] !== undefined).map((name) => [name, env[name]])),
    // Names only: whether a token or AWS keys come from the environment matters, their values never.
    presentButHidden: CLI_SECRET_VARIABLES.filter((name) => env[name]),
  };
}

function savedToken(home: string): string[] {
  try {
    const saved = readLogin(home);
    return saved ? [saved.token] : [];
  } catch {
    // A damaged login file holds no token the bundle could leak through the CLI's own output.
    return [];
  }
}
