// `npm run build:backend`: bundles the companion backend into dist/backend, one ES module per entry
// point (main.mjs: the service and its jobs; migrate-owners.mjs: the one-off owner migration),
// each with its source map. The bundles need nothing at run time but Node itself: no tsx, no
// node_modules (every dependency is pure JavaScript, and nothing is external but node:* builtins;
// the logger writes to stdout without pino transports, so no worker thread has to find a file).
// That is what backend/Dockerfile copies into its runtime image.
//
// Outputs are written beside their final names and renamed into place, so a backend starting (or a
// second build running, as test workers may) never reads a half-written file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, dirname, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundleTarget } from './bundle-target.js';

const root = resolve(import.meta.dirname, '..');

/** The bundle files `buildBackend()` writes into its directory. */
export const BACKEND_BUNDLES = { main: 'main.mjs', migrateOwners: 'migrate-owners.mjs' } as const;

export interface BuiltBackend {
  /** The service: `node main.mjs` (DOCKSIDE_* environment). */
  readonly main: string;
  /** `node migrate-owners.mjs --legacy static|oidc [--dry-run]`. */
  readonly migrateOwners: string;
  /** The project's own files the bundles are made of (relative paths; node_modules left out). */
  readonly sources: readonly string[];
  /** Every module the bundles load at run time, from esbuild's metafile: Node builtins only. */
  readonly runtimeImports: readonly string[];
}

/** Bundles the backend into `outDir` (dist/backend by default) and returns the entry files. */
export async function buildBackend(outDir = resolve(root, 'dist', 'backend')): Promise<BuiltBackend> {
  const result = await build({
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundleTarget(),
    entryPoints: { main: 'backend/src/main.ts', 'migrate-owners': 'backend/src/migrate-owners.ts' },
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: root,
    sourcemap: true,
    // Only builtins may stay outside the bundle: the runtime image has no node_modules.
    packages: 'bundle',
    logLevel: 'warning',
    write: false,
    metafile: true,
    // Some dependencies are CommonJS and call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __docksideRequire } from 'node:module'; const require = __docksideRequire(import.meta.url);" },
  });
  // Checked before anything is written: a bundle that needs node_modules is not one to ship.
  const runtimeImports = [...new Set(Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)))].sort();
  const notBuiltin = runtimeImports.filter((m) => !isBuiltin(m));
  if (notBuiltin.length > 0) throw new Error(`the backend bundle would load ${notBuiltin.join(', ')} from node_modules at run time; the image has none`);
  const written = new Set(result.outputFiles.map((f) => basename(f.path)));
  for (const name of Object.values(BACKEND_BUNDLES)) {
    if (!written.has(name)) throw new Error(`esbuild made no ${name} into ${outDir}`);
  }
  mkdirSync(outDir, { recursive: true });
  const suffix = `.${process.pid}-${Date.now()}.tmp`;
  for (const file of result.outputFiles) {
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(file.path + suffix, file.contents);
  }
  // Maps first, so a bundle never points at a map that is not there yet.
  const ordered = [...result.outputFiles].sort((a, b) => Number(b.path.endsWith('.map')) - Number(a.path.endsWith('.map')));
  for (const file of ordered) renameSync(file.path + suffix, file.path);
  const sources = Object.keys(result.metafile.inputs).filter((input) => !input.split('/').includes('node_modules')).sort();
  return { main: resolve(outDir, BACKEND_BUNDLES.main), migrateOwners: resolve(outDir, BACKEND_BUNDLES.migrateOwners), sources, runtimeImports };
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const built = await buildBackend();
  process.stdout.write(`Built ${built.main} and ${built.migrateOwners}.\n`);
}
