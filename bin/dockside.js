#!/usr/bin/env node
// The `dockside` command as installed by npm: runs the bundled CLI (`npm run build:cli`,
// dist/cli/dockside.mjs) when it has been built, otherwise the TypeScript sources through tsx's
// loader (the same code, about a second slower to start).
import { existsSync } from 'node:fs';

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
