// `npm run build:main`: bundles the Electron main process and the preload into dist/main, one
// CommonJS file each. The preload must be a single file (a sandboxed preload cannot require our
// modules); main is bundled too so the packaged app carries no TypeScript and no dev tooling.
// `electron` stays external (Electron provides it), and so does better-sqlite3 (a native Node-API
// module whose prebuilt binary electron-builder unpacks from the asar). The syntax target is the
// Node inside Electron (runtimes.json).
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { electronBundleTarget } from './bundle-target.js';

const root = resolve(import.meta.dirname, '..');

export async function buildMain(outDir = resolve(root, 'dist', 'main')): Promise<void> {
  const common = { bundle: true, platform: 'node', format: 'cjs', target: electronBundleTarget(), sourcemap: true, logLevel: 'warning', absWorkingDir: root } as const;
  await Promise.all([
    build({ ...common, entryPoints: ['src/main/app/main.ts'], outfile: resolve(outDir, 'main.cjs'), external: ['electron', 'better-sqlite3'] }),
    build({ ...common, entryPoints: ['src/main/app/preload.ts'], outfile: resolve(outDir, 'preload.cjs'), external: ['electron'] }),
  ]);
  // The tray icons main.ts loads from beside itself.
  mkdirSync(outDir, { recursive: true });
  for (const icon of ['tray.png', 'trayTemplate.png']) copyFileSync(resolve(root, 'build', 'icons', icon), resolve(outDir, icon));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  await buildMain();
  process.stdout.write('Built dist/main/main.cjs and dist/main/preload.cjs.\n');
}
