// The `dockside` the bench runs: the bundled CLI (scripts/build-cli.ts), as an installed Dockside
// runs it, built from the current sources at the start of every bench run. Running the sources
// through tsx instead would add about a second of CPU per command for compiling TypeScript, a cost
// no user pays and the peers (a packaged AWS CLI, a Go binary) do not have.
import { resolve } from 'node:path';
import { buildCli } from '../scripts/build-cli.js';

const ROOT = resolve(import.meta.dirname, '..');

/** Where the bench keeps its build of the CLI (bench/.cache is not committed). */
export const DOCKSIDE_CLI = resolve(ROOT, 'bench', '.cache', 'cli', 'dockside.mjs');

let built: Promise<string> | null = null;

/** Builds DOCKSIDE_CLI once per process. */
export function buildDocksideCli(): Promise<string> {
  built ??= buildCli(DOCKSIDE_CLI);
  return built;
}

/** node arguments that run `dockside ARGS` (after buildDocksideCli). */
export function docksideArgs(args: readonly string[]): string[] {
  return [DOCKSIDE_CLI, ...args];
}
