// `npm run build:cli`: bundles the `dockside` CLI into one ES module, dist/cli/dockside.mjs, which
// bin/dockside.js runs when it is there. Without it, every command first compiles the TypeScript
// sources through tsx: about 1.5 s of CPU before anything happens (measured for `--version`,
// against 0.4 s for the bundle), paid by every script and support-desk call and counted in the
// bench's CPU figures. better-sqlite3 stays external (a native module, loaded from node_modules).
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { bundleTarget } from './bundle-target.js';

const root = resolve(import.meta.dirname, '..');

export async function buildCli(outFile = resolve(root, 'dist', 'cli', 'dockside.mjs')): Promise<string> {
  await build({
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundleTarget(),
    entryPoints: ['src/main/cli/main.ts'],
    outfile: outFile,
    external: ['better-sqlite3'],
    absWorkingDir: root,
    sourcemap: true,
    logLevel: 'warning',
    // Some dependencies are CommonJS and call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __docksideRequire } from 'node:module'; const require = __docksideRequire(import.meta.url);" },
  });
  return outFile;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const out = await buildCli();
  process.stdout.write(`Built ${out}.\n`);
}
