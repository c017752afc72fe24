#!/usr/bin/env node
// The `dockside` command as installed by npm: runs the TypeScript CLI through tsx's loader.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/main/cli/main.ts');
const { watchOutput } = await import('../src/main/cli/output-closed.ts');
watchOutput(0);
process.exitCode = await runCli(process.argv.slice(2));
