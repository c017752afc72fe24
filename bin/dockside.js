#!/usr/bin/env node
// The `dockside` command as installed by npm: runs the bundled CLI (`npm run build:cli`,
// dist/cli/dockside.mjs) when it has been built, otherwise the TypeScript sources through tsx's
// loader (the same code, about a second slower to start).
import { existsSync } from 'node:fs';

// Before anything else is loaded: on an older Node, better-sqlite3 13 can crash the process
// (a segmentation fault on Node 20) instead of failing with a message.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 24 || (major === 24 && minor < 11)) {
  process.stderr.write(
    `dockside needs Node 24.11 or later; this is Node ${process.versions.node} (${process.execPath}). ` +
      'Install Node 24 (https://nodejs.org, or `nvm install 24`) and run dockside with it.\n',
  );
  process.exit(1);
}

const bundle = new URL('../dist/cli/dockside.mjs', import.meta.url);
let cli;
if (existsSync(bundle)) {
  cli = await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/main/cli/main.ts');
}
cli.watchOutput(0);
process.exitCode = await cli.runCli(process.argv.slice(2));
